"""Runnable benchmarks of the tenure mix (`make bench`); the figures are in README.md.

They print figures and never assert times. Every database they use is their own
(`vollsmose_bench_*` on the server of DATABASE_URL), never the one `make run` serves.
"""
