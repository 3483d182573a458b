"""The command line, one of the two faces: it parses, calls the core (`policy/`), renders.

`main` (the `gespreksopname` entry point) and `build_parser` are in `desktop.cli.main`; the
commands sit in modules by subject (vault_commands, copy_commands, policy_commands,
record_commands), all built on `desktop.cli.base`.
"""

from desktop.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
