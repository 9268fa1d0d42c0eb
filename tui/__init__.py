"""What faces the terminal: the command line (`tui.cli`) and the Textual application."""
