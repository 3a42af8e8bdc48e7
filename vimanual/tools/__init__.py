"""Adapters for external programs: pandoc and git."""
