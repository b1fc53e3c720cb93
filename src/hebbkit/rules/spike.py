"""Placeholder: filled in by its issue."""

SPIKE_RULES: dict[str, type] = {}
