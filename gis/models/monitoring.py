"""Monitoring: plan items (milestones) and their recorded actuals (issue 6)."""

from __future__ import annotations
