"""Per-session AI-use notes."""
