"""The domain's errors. The HTTP layer maps each class to a status in one table."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: `detail` is safe to show to a client."""

    title = "Error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    title = "Not found"

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"No {kind} '{key}'.")
        self.kind = kind
        self.key = key


class InvalidParameter(DomainError):
    title = "Invalid parameter"

    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(detail)
        self.parameter = parameter


class InvalidQuery(InvalidParameter):
    """A query parameter of the OGC APIs that cannot be honoured: OGC asks for a 400."""

    title = "Bad request"


class Unavailable(DomainError):
    """The platform cannot answer now but will shortly: a 503 with Retry-After."""

    title = "Unavailable"


class DatabaseUnavailable(Unavailable):
    title = "Database unavailable"

    def __init__(self, detail: str = "The database cannot be reached; try again later.") -> None:
        super().__init__(detail)


class DataError(DomainError):
    """Input data (an import file) that cannot be stored as it is."""

    title = "Invalid data"


class Unauthorized(DomainError):
    """No valid token where one is needed; never says why a given token failed beyond that."""

    title = "Unauthorized"

    def __init__(self, detail: str = "A valid bearer token is required.") -> None:
        super().__init__(detail)


class Forbidden(DomainError):
    title = "Forbidden"

    def __init__(self, detail: str = "This token's role may not do this.") -> None:
        super().__init__(detail)


class PreconditionFailed(DomainError):
    """A write's `If-Match` (or the state it says it expects) no longer holds: someone else
    changed the item since the client read it. Nothing was written."""

    title = "Precondition failed"

    def __init__(self, detail: str, current: str | None = None) -> None:
        super().__init__(detail)
        self.current = current  # the item's ETag now, for the client to re-read


class PreconditionRequired(DomainError):
    """A write of an existing item without `If-Match`: it would overwrite unseen changes."""

    title = "Precondition required"

    def __init__(
        self,
        detail: str = "Send If-Match with the ETag of the item as you read it "
        "(GET the item first); without it the write could overwrite a colleague's change.",
    ) -> None:
        super().__init__(detail)


class Conflict(DomainError):
    """The write cannot be applied to the plan as it stands (an adoption that meets edits
    made since the scenario branched, a slug already taken)."""

    title = "Conflict"

    def __init__(self, detail: str, conflicts: list | None = None) -> None:
        super().__init__(detail)
        self.conflicts = conflicts or []
