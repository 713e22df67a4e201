"""Many coordination directories at once (issue 15, part 3): names, ``status``, merging.

Textual-free; the dashboard's layer over these is ``tui.screens.many``.
"""
