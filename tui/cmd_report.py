"""`nn-triage report`: export a saved session's decision path. (Being built: issue 5.)"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", nargs="?", help="a saved session (JSON)")


def run(args: argparse.Namespace) -> int:
    import sys

    print("nn-triage: report is not available yet", file=sys.stderr)
    return 2
