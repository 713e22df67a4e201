"""coordinator-tui: watch and steer a collective of AI agents that coordinate through files."""

__version__ = "0.1.0"
