"""`python -m tui` runs the nn-triage command line."""

import sys

from tui.cli import main

sys.exit(main())
