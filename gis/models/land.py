"""The arealudviklingsselskab's land: sale status, building rights, sale data (issue 5)."""

from __future__ import annotations
