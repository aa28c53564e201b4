"""Models of the evidence app (filled by later issues)."""
