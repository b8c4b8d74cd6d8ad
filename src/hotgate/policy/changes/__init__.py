"""The change lane: reading a change request's facts, and deciding it (simple, needed, safe)."""
