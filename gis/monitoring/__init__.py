"""Monitoring: the plan's items, progress against them, and the annual status report."""
