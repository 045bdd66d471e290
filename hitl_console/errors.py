"""Errors that reach the user as one clear line (exit status 2), never as a traceback."""


class HitlError(Exception):
    """A user-facing error: its message names what went wrong and where."""

    exit_code = 2


class ConfigError(HitlError):
    """A broken configuration file or value."""


class StoreError(HitlError):
    """The session log cannot be opened, written or read."""


class InputError(HitlError):
    """A broken input file (scenario, JSONL, catalogue)."""
