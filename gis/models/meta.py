"""Bookkeeping about the data itself: the data version caches key on (issue 3)."""

from __future__ import annotations
