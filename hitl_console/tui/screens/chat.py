"""The chat workspace: the transcript with its scores and events, the takeover brief, and the composer."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from hitl_console.core.models import ChatStatus, EventType
from hitl_console.errors import HitlError
from hitl_console.tui.cells import arrow, duration, spark
from hitl_console.tui.safe_text import clean
from hitl_console.tui.view import ChatDetail, ChatRow, FloorView
from hitl_console.tui.widgets.kpi_bar import KpiBar
from hitl_console.tui.widgets.transcript import Transcript

if TYPE_CHECKING:
    from hitl_console.tui.app import HitlApp


def trigger_label(trigger: str, reason: str) -> str:
    """``technical: low confidence``, or just ``technical`` when the trigger came without a reason."""
    reason = clean(reason, single_line=True).strip()
    return f"{trigger}: {reason}" if reason else trigger


def trajectory(detail: ChatDetail) -> Text:
    """How frustration and confidence moved over the chat, as numbers and sparklines."""
    fr = [float(e.data["frustration"]) for e in detail.events
          if e.type is EventType.MESSAGE and e.data.get("frustration") is not None]
    co = [float(e.data["confidence"]) for e in detail.events
          if e.type is EventType.MESSAGE and e.data.get("confidence") is not None]
    t = Text(end="")
    t.append("Frustration: ", "bold")
    t.append(" → ".join(f"{v:.2f}" for v in fr[-6:]) or "-")
    if fr:
        t.append(f"  {spark(fr, min(len(fr), 12)).strip()}  level {detail.row.frustration:.2f} "
                 f"{arrow(detail.row.trend)}")
    t.append("\nAI confidence: ", "bold")
    t.append(" → ".join(f"{v:.2f}" for v in co[-6:]) or "-")
    if co:
        t.append(f"  {spark(co, min(len(co), 12)).strip()}")
    t.append(f"\nEscalation risk: {detail.row.risk:.2f}", "bold")
    return t


_HOLDER_ACTIONS = frozenset({"compose", "draft", "hand_back", "resolve"})


class ChatScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Floor", id="chat.back",
                tooltip="Leave the composer, then back to the floor (a takeover stays open)"),
        Binding("t", "take_over", "Take over", id="chat.take_over", tooltip="Take this chat over"),
        Binding("i", "compose", "Write", id="chat.write", tooltip="Write to the customer"),
        Binding("d", "draft", "Insert draft", id="chat.draft",
                tooltip="Put the AI's drafted reply into the composer to edit and send"),
        Binding("h", "hand_back", "Hand back", id="chat.hand_back", tooltip="Return the chat to the AI"),
        Binding("r", "resolve", "Resolve", id="chat.resolve", tooltip="Close the chat as resolved; the customer rates"),
        Binding("b", "brief", "Brief", id="chat.brief", tooltip="Show or hide the takeover brief"),
    ]

    def __init__(self, chat_id: str) -> None:
        super().__init__(id=f"chat-{chat_id}")
        self.chat_id = chat_id
        self.detail: ChatDetail | None = None
        self._drawn_version = -1
        self._brief_text: str | None = None
        self._head_text: tuple[str, str] = ("", "")
        self._mine = False  # the supervisor holds this chat

    @property
    def hitl(self) -> HitlApp:
        from hitl_console.tui.app import HitlApp

        assert isinstance(self.app, HitlApp)
        return self.app

    def compose(self) -> ComposeResult:
        rt = self.hitl.runtime
        th = rt.settings.thresholds
        yield KpiBar(id="kpis")
        with Horizontal(id="chat-headbar"):
            yield Static("", id="chat-head", markup=False)
            yield Static("", id="chat-scores", markup=False)
        with Horizontal(id="chat-body"):
            yield Transcript(rt.supervisor, th.confidence, th.frustration, id="transcript")
            with Vertical(id="brief-pane"):
                yield Static(Text("Takeover brief", "bold"), id="brief-title")
                yield Static("", id="brief", markup=False)
        yield Input(placeholder="type a reply to the customer; enter sends, escape leaves the composer",
                    id="composer")
        yield Footer()

    async def on_mount(self) -> None:
        self.query_one("#brief-pane").display = False
        self.query_one("#transcript").focus()
        await self.update_from(self.hitl.view)

    # -- drawing ------------------------------------------------------------------------------------
    async def update_from(self, view: FloorView | None) -> None:
        app = self.hitl
        version = -2
        row: ChatRow | None = None
        if view is not None:
            self.query_one(KpiBar).show(view.kpis, view.now, app.runtime.db_path)
            row = next((r for r in view.rows if r.id == self.chat_id), None)
            version = row.version if row is not None else -3
            if row is not None:
                self._show_head(row, view.now)  # on every tick: the waiting time moves on
            mine = row is not None and row.status is ChatStatus.HUMAN and row.holder == app.runtime.supervisor
            if mine != self._mine:
                self._mine = mine
                self.refresh_bindings()  # the footer offers what can be done with the chat now
        if version == self._drawn_version and self.detail is not None:
            return
        try:
            detail = await app.host.detail(self.chat_id)
        except HitlError as e:
            app.fail(e)
            return
        if detail is None:
            return
        self._drawn_version = detail.row.version if version != -3 else -3
        self.detail = detail
        self.query_one(Transcript).show(detail.events)
        if row is None:
            self._show_head(detail.row, view.now if view else detail.row.last_at)
        if self._brief_text is not None:
            self._show_brief()

    def _show_head(self, r: ChatRow, now: float) -> None:
        """Who and what on the left (cut with an ellipsis when narrow); wait and scores on the right, always."""
        me = self.hitl.runtime.supervisor
        t = Text(no_wrap=True, overflow="ellipsis", end="")
        t.append(f" {r.id} ", "bold reverse")
        t.append(f" {r.customer} ", "bold")
        t.append(f" {r.intent} ", "dim")
        style = {"ai": "cyan", "escalated": "bold reverse bright_red", "human": "bold green", "closed": "dim"}
        holder = "" if r.holder is None else f" ({'you' if r.holder == me else clean(r.holder)})"
        t.append(f" {r.status.value}{holder} ", style.get(r.status.value, ""))
        if r.status is ChatStatus.ESCALATED and r.trigger:
            t.append(f" {trigger_label(r.trigger, r.trigger_reason)} ", "bright_red")
        s = Text(no_wrap=True, end="")
        if r.status is ChatStatus.ESCALATED:
            s.append(f" waiting {duration(r.waiting_s(now))} ", "bold bright_red")
        s.append(f" frust {r.frustration:.2f}{arrow(r.trend)}")
        s.append(f"  conf {'-' if r.confidence is None else f'{r.confidence:.2f}'}")
        s.append(f"  risk {r.risk:.2f}", "bold bright_red" if r.candidate else "")
        s.append(" ⚑ " if r.candidate else " ", "dark_orange")
        if (t.plain, s.plain) != self._head_text:
            self._head_text = (t.plain, s.plain)
            self.query_one("#chat-head", Static).update(t, layout=False)
            self.query_one("#chat-scores", Static).update(s)

    def _show_brief(self) -> None:
        pane = self.query_one("#brief-pane")
        pane.display = True
        body = Text(clean(self._brief_text or ""), end="")
        if self.detail is not None:
            body.append("\n\n")
            body.append_text(trajectory(self.detail))
        self.query_one("#brief", Static).update(body)

    # -- actions ------------------------------------------------------------------------------------
    def _composer(self) -> Input:
        return self.query_one("#composer", Input)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Take over while someone else (or the AI) has the chat; write, draft, hand back and resolve while
        you hold it. The others are hidden from the footer (and their keys do nothing)."""
        if action == "take_over":
            return not self._mine
        if action in _HOLDER_ACTIONS:
            return self._mine
        return True

    def action_back(self) -> None:
        box = self._composer()
        if box.has_focus:
            self.query_one("#transcript").focus()
            return
        self.app.pop_screen()

    async def action_take_over(self) -> None:
        await self.hitl.take_over(self.chat_id, open_workspace=False)

    async def show_brief(self) -> None:
        app = self.hitl
        brief = await app.command("brief", "brief", self.chat_id)
        if brief is not None:
            self._brief_text = brief
            self._show_brief()

    async def action_brief(self) -> None:
        pane = self.query_one("#brief-pane")
        if pane.display:
            pane.display = False
        else:
            await self.show_brief()

    def action_compose(self) -> None:
        self._composer().focus()

    async def action_draft(self) -> None:
        app = self.hitl
        draft = await app.command("draft", "draft", self.chat_id)
        if draft is not None:
            box = self._composer()
            box.value = clean(draft, single_line=True)
            box.cursor_position = len(box.value)
            box.focus()
            app.notify("The AI's draft: check what it states about the order before you send it as yours.",
                       markup=False, timeout=4)

    async def action_hand_back(self) -> None:
        if await self.hitl.hand_back(self.chat_id):
            self.app.pop_screen()

    async def action_resolve(self) -> None:
        if await self.hitl.resolve(self.chat_id):
            self.app.pop_screen()

    @on(Input.Submitted, "#composer")
    async def _send(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        if await self.hitl.send(self.chat_id, text):
            self._composer().value = ""
