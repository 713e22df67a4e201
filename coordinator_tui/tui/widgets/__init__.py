"""Dashboard widgets: each one shows ready-made display data and computes nothing."""
