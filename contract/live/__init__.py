"""Live-site safety: what may be sent, what the run owns, the preflight and the cleanup."""
