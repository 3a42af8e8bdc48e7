"""Review events, their store and the pure derivation of review state."""
