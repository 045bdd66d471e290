"""``--agent claude``: Claude as the AI agent (the agent itself is in :mod:`claude_agent`).

This module stays light: it checks for the API key before the anthropic SDK (slow to import) is loaded,
so a missing key is reported at once.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from hitl_console.config import Settings
from hitl_console.core.catalogue import Catalogue
from hitl_console.errors import HitlError

if TYPE_CHECKING:
    from hitl_console.agents.claude_agent import ClaudeAgent


class ClaudeNotConfigured(HitlError):
    """``--agent claude`` without what it needs (the API key, a usable base URL)."""


def require_key() -> str:
    """The API key from ANTHROPIC_API_KEY; a one-line error without it."""
    key = os.environ.get("ANTHROPIC_API_KEY", "").strip()
    if not key:
        raise ClaudeNotConfigured(
            "--agent claude needs the ANTHROPIC_API_KEY environment variable (or use --agent rules)"
        )
    return key


def make_claude_agent(catalogue: Catalogue, settings: Settings) -> ClaudeAgent:
    """The Claude agent; needs ANTHROPIC_API_KEY (ANTHROPIC_BASE_URL, if set, is honoured by the SDK)."""
    key = require_key()
    from hitl_console.agents.claude_agent import ClaudeAgent

    return ClaudeAgent(catalogue, settings.agent, api_key=key, low_confidence=settings.thresholds.confidence)
