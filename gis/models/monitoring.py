"""Monitoring: plan items and their actuals, area criteria and list rules (issue 6)."""

from __future__ import annotations
