"""Headless commands. None of these modules may import Textual."""
