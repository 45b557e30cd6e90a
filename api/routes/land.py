"""The arealudviklingsselskab's land: sellable plots, what-if, gap (issue 5)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
