"""The engine's process of a :class:`~hitl_console.tui.process_host.ProcessHost`:
``python -m hitl_console.tui.engine_child FD`` (FD: its end of the socket pair)."""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

from hitl_console.tui.process_host import serve

if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
