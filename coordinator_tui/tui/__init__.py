"""The Textual dashboard. Everything that imports ``textual`` lives under this package."""
