"""Monitoring: progress against the plan, area criteria, the status report (issue 6)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
