"""Released editions: release, manifest, reprint and diff."""
