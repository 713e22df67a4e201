"""Dashboard screens and dialogs, one per module."""
