"""Many coordination directories in one dashboard (``coordinator-tui DIR1 DIR2 …``)."""
