"""Which land fields are confidential sale data: only readers with `read_confidential`
(developer_company, admin) ever see them; for anyone else they do not exist."""

from __future__ import annotations

# The columns of `parcel_sale`, as the plots collection and the land queries name them.
CONFIDENTIAL_FIELDS: tuple[str, ...] = (
    "price_dkk",
    "buyer",
    "option_holder",
    "offered_date",
    "option_date",
    "option_expires",
    "sold_date",
)
