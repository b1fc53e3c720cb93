"""Placeholder: filled in by its issue."""

RATE_RULES: dict[str, type] = {}
