"""Area criteria: yearly indicator values per area and the list rules (issue 6)."""

from __future__ import annotations
