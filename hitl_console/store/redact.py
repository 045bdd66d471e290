"""Masking of e-mail addresses, phone numbers and card numbers in free text (``export --redact``).

Card numbers are runs of 13-19 digits (spaces or dashes allowed between them); phone numbers are runs of
8-15 digits with the usual separators, or 7 and more after a ``+``. ISO dates and order numbers such as
``#A12345`` are left alone. Masking errs on the side of masking.
"""

from __future__ import annotations

import json
import re
from typing import Any

EMAIL = "[email]"
PHONE = "[phone]"
CARD = "[card]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# a run of digits with single separators between them, optionally after "+" or "(".
_NUMBER = re.compile(r"(?<![\w.,/+#-])(\+?\(?\d(?:[ ().-]{0,2}\d)+\)?)(?![\w/])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")


def _mask_number(m: re.Match[str]) -> str:
    s = m.group(1)
    digits = sum(c.isdigit() for c in s)
    if _DATE.fullmatch(s):
        return s
    if s.startswith("+"):
        return PHONE if digits >= 7 else s
    if 13 <= digits <= 19:
        return CARD
    if 8 <= digits <= 15:
        return PHONE
    return s


def redact(text: str | None) -> str | None:
    """``text`` with e-mail addresses, phone numbers and card numbers masked."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL, text)
    if any(c.isdigit() for c in text):
        text = _NUMBER.sub(_mask_number, text)
    return text


def _walk(v: Any) -> Any:
    if isinstance(v, str):
        return redact(v)
    if isinstance(v, dict):
        return {k: _walk(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_walk(x) for x in v]
    return v


def redact_json(raw: str | None) -> str | None:
    """A JSON document with the strings inside it redacted (numbers such as timestamps stay as they are).
    Text that is not JSON is redacted as text."""
    if not raw:
        return raw
    try:
        doc = json.loads(raw)
    except ValueError:
        return redact(raw)
    return json.dumps(_walk(doc), ensure_ascii=False)
