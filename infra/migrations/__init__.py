"""Versioned schema migrations (the runner comes with the persist branch)."""
