"""Steady's benchmark harness: ``make bench`` (full) and ``make bench-smoke``; see bench/README.md."""
