"""Writes the JSON Schemas of the protocol's bodies into docs/bridge.md, from the pydantic models.

``python -m hitl_console.bridge.docgen [--check] [FILE]``: replaces the generated section of FILE (default
docs/bridge.md); with ``--check``, only says whether it is up to date (exit status 1 when not).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hitl_console.bridge.protocol import PROTOCOL_VERSION, schemas

START = "<!-- BEGIN generated schemas: python -m hitl_console.bridge.docgen (do not edit by hand) -->"
END = "<!-- END generated schemas -->"
DEFAULT = Path(__file__).resolve().parents[2] / "docs" / "bridge.md"


def render() -> str:
    parts = [START, "", f"Protocol version {PROTOCOL_VERSION}.", ""]
    for name, schema in schemas().items():
        parts += [f"### `{name}`", "", "```json", json.dumps(schema, indent=2, sort_keys=True), "```", ""]
    parts.append(END)
    return "\n".join(parts)


def updated(text: str) -> str:
    """``text`` with its generated section replaced (appended when it has none)."""
    head, sep, rest = text.partition(START)
    if not sep:
        return text.rstrip("\n") + "\n\n" + render() + "\n"
    _, sep2, tail = rest.partition(END)
    if not sep2:
        raise ValueError(f"the generated section has no end marker ({END})")
    return head + render() + tail


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    path = Path(args[0]) if args else DEFAULT
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    new = updated(text)
    if check:
        if new != text:
            print(f"{path}: the schemas are out of date; run python -m hitl_console.bridge.docgen", file=sys.stderr)
            return 1
        return 0
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
