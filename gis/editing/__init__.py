"""Editing the plan's layers (OGC API – Features Part 4): per-layer write specs
(`specs`), validation before anything is written (`validate`), the scenario-aware write
primitives (`store`), the operations (`operations`: create, replace, patch, delete,
restore) and a feature's history (`history`).
"""
