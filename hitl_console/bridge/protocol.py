"""The bridge protocol, version 1: the JSON bodies of the event stream and of the commands.

These models are the contract (docs/bridge.md is generated from them). Unknown fields are ignored, so a
platform may send more than is listed; unknown event types are ignored by the console. Text from the
platform is untrusted: control characters are stripped here (newlines and tabs kept in message text).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

PROTOCOL_VERSION = "1"
RUN_HEADER = "Bridge-Run"  # v1.1, optional: the event stream's id of the platform's history

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_ALL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_text(value: str) -> str:
    """Message text without control characters or terminal escapes (newlines and tabs are kept)."""
    return _CONTROL.sub("", value)


def clean_name(value: str) -> str:
    """A one-line name (chat id, customer, supervisor) without any control character."""
    return _CONTROL_ALL.sub("", value).strip()


Text = Annotated[str, Field(max_length=20_000), AfterValidator(clean_text)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(clean_name)]
ChatId = Annotated[
    str,
    Field(min_length=1, max_length=200, description="The platform's id of the chat (any printable text)."),
    AfterValidator(clean_name),
]
TriggerName = Literal["technical", "emotional", "customer_request", "ineligible"]
_AT_DOC = (
    "When it happened on the platform, epoch seconds (optional, since v1.1). The console logs replayed "
    "history at these times; without it, at the time the event arrives."
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# -- events (the `data` of each Server-Sent Event) ------------------------------------------------


class ChatOpened(_Body):
    """A new chat. Without ``intent`` and ``eligible`` the console routes the chat itself (for display
    only: the platform decides the chat's status and sends ``chat.escalated`` for every escalation,
    ``ineligible`` ones included)."""

    type: Literal["chat.opened"]
    chat_id: ChatId
    customer: Name = Field(description="The customer's display name.")
    channel: Name = Field(default="chat", description="Where the customer writes from (chat, app, email...).")
    intent: Name | None = Field(default=None, description="The platform's intent id for the chat, if it has one.")
    eligible: bool | None = Field(default=None, description="Whether the platform lets its AI handle the chat.")
    text: Text | None = Field(default=None, description="The customer's first message, if it comes with the chat.")
    at: float | None = Field(default=None, description=_AT_DOC)


class MessageEvent(_Body):
    """A message in a chat. The console computes frustration and escalation risk itself; ``confidence``
    (0-1) is the platform's AI confidence in an ``ai`` message."""

    type: Literal["message"]
    chat_id: ChatId
    role: Literal["customer", "ai", "human"]
    text: Text
    confidence: float | None = Field(default=None, ge=0.0, le=1.0, description="AI confidence (ai messages only).")
    sent_at: float = Field(
        description="When the message was sent, epoch seconds: the console logs the message at this time "
        "(no later than it arrives), so that replayed history keeps its times."
    )


class ChatEscalated(_Body):
    """A trigger fired on the platform: the chat waits for a human."""

    type: Literal["chat.escalated"]
    chat_id: ChatId
    trigger: TriggerName
    reason: Text | None = None
    at: float | None = Field(default=None, description=_AT_DOC)


class ChatAssigned(_Body):
    """A human supervisor holds the chat (through any console, or the platform's own tools)."""

    type: Literal["chat.assigned"]
    chat_id: ChatId
    supervisor: Name
    at: float | None = Field(default=None, description=_AT_DOC)


class ChatReleased(_Body):
    """The human handed the chat back to the AI."""

    type: Literal["chat.released"]
    chat_id: ChatId
    at: float | None = Field(default=None, description=_AT_DOC)


class ChatClosed(_Body):
    """The chat ended. ``resolved_by`` is null when the customer abandoned it, and when the chat ended
    without an outcome (``ending``)."""

    type: Literal["chat.closed"]
    chat_id: ChatId
    resolved_by: Literal["ai", "human"] | None
    rating: int | None = Field(default=None, ge=1, le=5, description="The customer's 1-5 rating, if given.")
    abandoned: bool = False
    at: float | None = Field(default=None, description=_AT_DOC)
    ending: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(clean_name)] | None = Field(
        default=None,
        description="Optional, since v1.2: the chat ended without an outcome, for this reason (e.g. "
        "`platform_restarted`: the platform lost it in a restart). The console closes it with this ending, "
        "neither resolved nor abandoned (resolved_by, rating and abandoned are not used), and leaves it out "
        "of the outcome figures.",
    )


EVENT_MODELS: dict[str, type[_Body]] = {
    "chat.opened": ChatOpened,
    "message": MessageEvent,
    "chat.escalated": ChatEscalated,
    "chat.assigned": ChatAssigned,
    "chat.released": ChatReleased,
    "chat.closed": ChatClosed,
}
BridgeEvent = Annotated[
    ChatOpened | MessageEvent | ChatEscalated | ChatAssigned | ChatReleased | ChatClosed,
    Field(discriminator="type"),
]
KnownEvent = ChatOpened | MessageEvent | ChatEscalated | ChatAssigned | ChatReleased | ChatClosed
_EVENT_ADAPTER: TypeAdapter[KnownEvent] = TypeAdapter(BridgeEvent)


# -- commands (POST bodies) and their answers -----------------------------------------------------


class TakeoverCommand(_Body):
    """``POST {base}/v1/chats/{chat_id}/takeover``: the supervisor takes the chat."""

    supervisor: Name
    kind: Literal["proactive", "escalation"]
    trigger: TriggerName | None = Field(default=None, description="The pending trigger, for an escalation takeover.")


class MessageCommand(_Body):
    """``POST {base}/v1/chats/{chat_id}/messages``: the supervisor holding the chat writes to the customer."""

    supervisor: Name
    text: Annotated[Text, Field(min_length=1)]


class HandbackCommand(_Body):
    """``POST {base}/v1/chats/{chat_id}/handback``: the supervisor returns the chat to the AI."""

    supervisor: Name


class CloseCommand(_Body):
    """``POST {base}/v1/chats/{chat_id}/close``: the supervisor ends the chat."""

    supervisor: Name
    outcome: Literal["resolved", "unresolved"]


class CommandAccepted(_Body):
    """The answer to a command that was carried out (status 200)."""

    event_id: str | None = Field(default=None, description="The id of the event the command produced, if any.")


class CommandError(_Body):
    """The answer to a refused command (status 400, 401, 404, 409 or 422). On 409 because another
    supervisor holds the chat, ``holder`` names them."""

    error: str
    holder: str | None = None


COMMAND_MODELS: dict[str, type[_Body]] = {
    "takeover": TakeoverCommand,
    "messages": MessageCommand,
    "handback": HandbackCommand,
    "close": CloseCommand,
}


# -- parsing ------------------------------------------------------------------------------------------


class MalformedEvent(ValueError):
    """An event whose data is not a valid body; ``chat_id`` is set when it could be read."""

    def __init__(self, reason: str, chat_id: str = "") -> None:
        super().__init__(reason)
        self.chat_id = chat_id


class UnknownEvent(_Body):
    """An event of a type this console does not know (ignored, counted)."""

    type: str
    chat_id: str = ""


def describe_error(e: ValidationError, skip: int = 0) -> str:
    """A pydantic error as one short line: the first problem and where (``skip``: leading parts of the
    location to leave out, e.g. the discriminator's tag)."""
    err = e.errors()[0]
    where = ".".join(str(x) for x in err["loc"][skip:] if not str(x).startswith("function-"))
    return f"{where}: {err['msg']}" if where else str(err["msg"])


def parse_event(data: str) -> KnownEvent | UnknownEvent:
    """The body of one event. Raises :class:`MalformedEvent` naming the problem."""
    try:
        raw = json.loads(data)
    except (json.JSONDecodeError, RecursionError) as e:
        raise MalformedEvent(f"data is not JSON ({e})") from None
    if not isinstance(raw, dict):
        raise MalformedEvent("data is not a JSON object")
    chat_id = raw.get("chat_id")
    cid = clean_name(chat_id) if isinstance(chat_id, str) else ""
    kind = raw.get("type")
    if not isinstance(kind, str):
        raise MalformedEvent("no `type`", cid)
    if kind not in EVENT_MODELS:
        return UnknownEvent(type=clean_name(kind)[:100], chat_id=cid)
    try:
        return _EVENT_ADAPTER.validate_python(raw)
    except ValidationError as e:
        raise MalformedEvent(f"{kind}: {describe_error(e, skip=1)}", cid) from None


def schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of every body, by name (for docs/bridge.md)."""
    out: dict[str, dict[str, Any]] = {}
    for kind, m in EVENT_MODELS.items():
        out[kind] = m.model_json_schema()
    for action, m in COMMAND_MODELS.items():
        out[f"POST .../{action}"] = m.model_json_schema()
    out["200 answer"] = CommandAccepted.model_json_schema()
    out["error answer"] = CommandError.model_json_schema()
    return out
