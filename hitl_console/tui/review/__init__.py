"""``hitl-console review``: screens over the session log (sessions -> takeovers -> one chat's timeline).

The screens get their data only through :class:`hitl_console.store.queries.LogReader` (paged queries)."""
