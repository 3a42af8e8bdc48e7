"""Contributions: intake of outside documents and the submit/accept workflow."""
