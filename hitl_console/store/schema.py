"""The session log's schema and its migrations (ordered, applied once each, tracked in ``user_version``).

Table and column names are a contract with analysts and exports: add freely, never rename.
See docs/schema.md.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]


def _m1_initial(db: sqlite_utils.Database) -> None:
    db.table("sessions").create(
        {
            "id": int,
            "started_at": float,
            "ended_at": float,
            "source": str,
            "supervisor": str,
            "agent": str,
            "seed": int,
            "config": str,
        },
        pk="id",
    )
    db.table("chats").create(
        {
            "session_id": int,
            "chat_id": str,
            "customer": str,
            "channel": str,
            "intent": str,
            "eligible": int,
            "route_reason": str,
            "opened_at": float,
            "closed_at": float,
            "status": str,
            "first_trigger": str,
            "takeovers": int,
            "resolved_by": str,
            "rating": int,
            "abandoned": int,
            "duration_s": float,
        },
        pk=("session_id", "chat_id"),
    )
    db.table("messages").create(
        {
            "id": int,
            "session_id": int,
            "chat_id": str,
            "seq": int,
            "at": float,
            "role": str,
            "author": str,
            "text": str,
            "frustration": float,
            "confidence": float,
            "risk": float,
        },
        pk="id",
    )
    db.table("events").create(
        {
            "id": int,
            "session_id": int,
            "seq": int,
            "at": float,
            "type": str,
            "chat_id": str,
            "data": str,
        },
        pk="id",
    )
    db.table("takeovers").create(
        {
            "id": int,
            "session_id": int,
            "takeover_id": int,
            "chat_id": str,
            "supervisor": str,
            "kind": str,
            "trigger": str,
            "trigger_at": float,
            "taken_at": float,
            "wait_s": float,
            "frustration_at_takeover": float,
            "confidence_at_takeover": float,
            "risk_at_takeover": float,
            "human_messages": int,
            "first_reply_at": float,
            "reply_latency_s": float,
            "ended_at": float,
            "ending": str,
            "rating": int,
        },
        pk="id",
    )
    db.table("messages").create_index(["session_id", "chat_id"])
    db.table("events").create_index(["session_id", "chat_id"])
    db.table("takeovers").create_index(["session_id", "chat_id"])
    db.table("takeovers").create_index(["session_id", "takeover_id"], unique=True)
    db.table("chats").create_index(["opened_at"])


def _m_agent_usage(db: sqlite_utils.Database) -> None:
    """Token usage and latency of AI messages from agents that report them (Claude); NULL otherwise."""
    for column, type_ in (("input_tokens", int), ("output_tokens", int), ("latency_s", float)):
        db.table("messages").add_column(column, type_)


def _m_rehearsals(db: sqlite_utils.Database) -> None:
    """Trainee rehearsals: one row per scored run of a scenario (its session has source 'rehearsal')."""
    table = db.table("rehearsals")
    table.create(
        {
            "id": int,
            "session_id": int,
            "scenario_file": str,
            "scenario_title": str,
            "difficulty": str,
            "trainee": str,
            "mode": str,  # interactive | scripted
            "actions_file": str,
            "started_at": float,
            "ended_at": float,
            "score": int,
            "timing_points": float,
            "latency_points": float,
            "elements_points": float,
            "ending_points": float,
            "penalty_points": float,
            "max_points": float,
            "timing_outcomes": str,  # JSON: outcome -> chats
            "result": str,  # JSON: the full result (breakdown, chats, timeline, tips)
        },
        pk="id",
    )
    table.create_index(["session_id"])


MIGRATIONS: list[Migration] = [_m1_initial, _m_agent_usage, _m_rehearsals]
SCHEMA_VERSION = len(MIGRATIONS)
EXPECTED_TABLES = ("sessions", "chats", "messages", "events", "takeovers")


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the log up to the current schema. Returns the number of migrations applied."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    applied = 0
    for version, step in enumerate(MIGRATIONS, start=1):
        if version <= current:
            continue
        with db.conn:
            step(db)
            db.execute(f"PRAGMA user_version = {version}")
        applied += 1
    return applied
