"""The command palette's console actions: every key of the screen it was opened from, with what it does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from hitl_console.tui.screens.help import explain
from hitl_console.tui.widgets.floor_table import FloorTable

if TYPE_CHECKING:
    from textual.dom import DOMNode


def key_label(binding: Binding, keymap: dict[str, str]) -> str:
    """The binding's key as the user has it (a remapped key wins over the default's display)."""
    keys = keymap[binding.id] if binding.id and binding.id in keymap else binding.key_display or binding.key
    return keys.split(",")[0].replace("slash", "/").replace("question_mark", "?")


class ConsoleCommands(Provider):
    """The console's own actions (take over, next escalation, filter, sort, help, open; in the workspace hand
    back, resolve, draft, brief...), each run on the screen, widget or app that owns it."""

    def _actions(self) -> Iterator[tuple[str, str, str, Any]]:
        """(label, action, help, target) for every described binding of the screen, its widgets and the app."""
        from hitl_console.tui.app import HitlApp

        app = self.app
        keymap = dict(app.runtime.settings.floor.keys) if isinstance(app, HitlApp) else {}
        owners: list[DOMNode] = [self.screen, *self.screen.query(FloorTable), app]
        seen: set[str] = set()
        for node in owners:
            for bindings in node._merged_bindings.key_to_bindings.values() if node._merged_bindings else ():
                for b in bindings:
                    if b.id and b.description and b.id not in seen:
                        seen.add(b.id)
                        yield self._entry(b, keymap, node)

    @staticmethod
    def _entry(b: Binding, keymap: dict[str, str], node: DOMNode) -> tuple[str, str, str, Any]:
        return f"{b.description} ({key_label(b, keymap)})", b.action, explain(b), node

    async def discover(self) -> Hits:
        for label, action, help_text, node in self._actions():
            yield DiscoveryHit(label, self._runner(action, node), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, action, help_text, node in self._actions():
            score = max(matcher.match(label), matcher.match(help_text) * 0.8)
            if score > 0:
                yield Hit(score, matcher.highlight(label), self._runner(action, node), help=help_text)

    def _runner(self, action: str, node: Any) -> Any:
        async def run() -> None:
            await self.app.run_action(action, node)

        return run
