"""The simulated shop's order data, behind Claude's ``lookup_order`` tool.

Deterministic: an order's details follow from its id (the same id always gives the same order), so a
seeded simulation stays reproducible. A chat may only look up the order on file for its own customer:
a customer who types somebody else's order number learns nothing about it.
"""

from __future__ import annotations

import random
import re
import zlib
from typing import Any

ORDER_ID = re.compile(r"#?[A-Z]\d{5}")

_ITEMS = (
    ("wireless earbuds", 199.0), ("running shoes", 459.0), ("phone case", 29.9), ("coffee grinder", 239.0),
    ("desk lamp", 89.0), ("backpack", 169.0), ("yoga mat", 79.0), ("bluetooth speaker", 299.0),
    ("winter jacket", 699.0), ("kitchen scale", 59.0), ("smart watch strap", 39.9), ("board game", 149.0),
)
_STATUSES = (
    ("processing", 0.15), ("shipped", 0.25), ("in_transit", 0.25), ("delivered", 0.25), ("cancelled", 0.05),
    ("returned", 0.05),
)
_CARRIERS = ("YunExpress", "SF Express", "ZTO", "YTO", "Cainiao")


def _norm(order_id: str) -> str:
    s = order_id.strip().upper()
    return s if s.startswith("#") else f"#{s}"


def simulated_order(order_id: str) -> dict[str, Any]:
    """The simulated order with this id (any well-formed id has one)."""
    oid = _norm(order_id)
    rng = random.Random(zlib.crc32(oid.encode()))
    n = rng.choice((1, 1, 1, 2, 3))
    items = rng.sample(_ITEMS, n)
    status = rng.choices([s for s, _ in _STATUSES], weights=[w for _, w in _STATUSES])[0]
    days_ago = rng.randint(1, 20)
    order: dict[str, Any] = {
        "found": True,
        "order_id": oid,
        "status": status,
        "ordered_days_ago": days_ago,
        "items": [{"name": name, "price": price} for name, price in items],
        "total": round(sum(p for _, p in items), 2),
        "currency": "CNY",
        "payment": rng.choice(("card", "paypal", "invoice")),
    }
    if status in ("shipped", "in_transit", "delivered", "returned"):
        order["carrier"] = rng.choice(_CARRIERS)
        order["tracking_number"] = f"{rng.randint(10**11, 10**12 - 1)}"
    if status in ("shipped", "in_transit"):
        order["estimated_delivery_in_days"] = rng.randint(1, 5)
    if status == "delivered":
        order["delivered_days_ago"] = rng.randint(0, max(0, days_ago - 1))
    return order


def lookup_order(requested: Any, on_file: str | None) -> dict[str, Any]:
    """The ``lookup_order`` tool: the order on file for this chat, if that is the one asked for."""
    if not isinstance(requested, str) or not ORDER_ID.fullmatch(requested.strip().upper()):
        return {"found": False, "error": "not a valid order number (format: #A12345)"}
    if on_file is None:
        return {"found": False, "error": "this customer has no order on file"}
    if _norm(requested) != _norm(on_file):
        return {"found": False, "error": "no order with that number for this customer"}
    return simulated_order(on_file)
