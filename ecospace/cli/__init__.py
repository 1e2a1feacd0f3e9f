"""The command line: ``ecospace COMMAND``; it only wires the stages together."""

from ecospace.cli.main import cli, main

__all__ = ["cli", "main"]
