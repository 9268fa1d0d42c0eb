"""Small widgets of the TUI, one job each."""
