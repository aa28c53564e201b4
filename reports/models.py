"""Models of the reports app (filled by later issues)."""
