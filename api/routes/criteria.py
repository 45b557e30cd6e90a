"""Area criteria and list status, for one area and for every area in the city (issue 6)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
