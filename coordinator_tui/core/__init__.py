"""The core: records, the lenient reader, the store, analysis, writers and settings.

Nothing in this package may import Textual; the headless commands use only this.
"""
