"""API tokens and their roles (issue 5)."""

from __future__ import annotations
