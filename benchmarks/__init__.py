"""Benchmarks, each a script run from the repository root (see benchmarks/README.md)."""
