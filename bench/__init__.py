"""Benchmarks of the gateway on its embedded stack: `make bench` (python -m bench)."""
