"""`nn-triage analyze`: detect symptoms in a training log. (Being built: issue 6.)"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="a log file or a TensorBoard run folder")


def run(args: argparse.Namespace) -> int:
    import sys

    print("nn-triage: analyze is not available yet", file=sys.stderr)
    return 2
