"""Foundations every layer uses: typed errors, names, atomic files, YAML, locks and intents."""
