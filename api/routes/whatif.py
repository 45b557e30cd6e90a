"""What a sale does to the 40 %: proposed developments and the gap to a target share."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
