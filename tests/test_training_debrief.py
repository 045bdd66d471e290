"""The debrief's score breakdown: maxima as exact as the JSON, parts that visibly add up to the total."""

from __future__ import annotations

from typing import Any

import pytest

from hitl_console.training.debrief import breakdown_lines, num
from hitl_console.training.scoring import round_to_sum


@pytest.mark.parametrize(
    "values",
    [
        [12.0, 25 / 3, 0.0, 6.25],  # naive rounding: 12.0 + 8.3 + 0.0 + 6.2 = 26.5, the sum is 26.58
        [40.0, 7.5, 10.0, 15.625, -2.5],
        [40 / 3, 15 / 7, 20 / 9, 25 / 11, -(10 / 3)],
        [0.05, 0.05, 0.05],
        [0.0],
    ],
)
def test_rounded_parts_add_up_to_the_rounded_total(values: list[float]) -> None:
    rounded = round_to_sum(values)
    assert round(sum(rounded), 1) == round(sum(values), 1)
    assert all(abs(r - v) < 0.1 + 1e-9 for r, v in zip(rounded, values, strict=True))
    assert all(round(r, 1) == pytest.approx(r) for r in rounded)


def test_naive_rounding_would_not_add_up() -> None:
    values = [12.0, 25 / 3, 0.0, 6.25]
    assert round(sum(round(v, 1) for v in values), 1) != round(sum(values), 1)  # the case the helper is for
    assert round_to_sum(values) == [12.0, 8.3, 0.0, 6.3]


def multi(**over: Any) -> dict[str, Any]:
    res: dict[str, Any] = {
        "score": 67,
        "breakdown": {
            "timing": {"points": 32.0, "max": 40.0},
            "latency": {"points": 7.5, "max": 7.5},
            "elements": {"points": 0.0, "max": 13.3},
            "ending": {"points": 15.6, "max": 25.0},
            "penalties": 0.0,
            "timing_outcomes": {"left": 4, "in_window": 2},
        },
        "chats": [{"chat": f"C{i}", "weight": 5.0 if i == 4 else 1.0} for i in range(1, 7)],
    }
    res.update(over)
    return res


def test_maxima_are_shown_as_exactly_as_the_json() -> None:
    lines = breakdown_lines(multi())
    assert "  reply latency        7.5 / 7.5" in lines  # not "7.5 / 8"
    assert "  required elements    0.0 / 13.3" in lines
    assert "  timing              32.0 / 40" in lines
    assert [num(x) for x in (40.0, 7.5, 13.33, 100.0, 82.5)] == ["40", "7.5", "13.3", "100", "82.5"]


def test_total_line_is_the_sum_and_converts_to_the_score() -> None:
    lines = breakdown_lines(multi())
    assert "  total               55.1 / 85.8  = 67 / 100" in lines
    assert "  (6 chats: each figure is the mean over them; C4 counts 5x)" in lines
    assert any("count only on chats that need a human" in x for x in lines)


def test_single_chat_total_out_of_100_and_penalties() -> None:
    res = {
        "score": 10,
        "breakdown": {
            "timing": {"points": 12.0, "max": 40.0},
            "latency": {"points": 14.2, "max": 15.0},
            "elements": {"points": 0.0, "max": 20.0},
            "ending": {"points": 8.3, "max": 25.0},
            "penalties": 25.0,
        },
        "chats": [{"chat": "C1", "weight": 1.0}],
    }
    lines = breakdown_lines(res)
    assert lines[-2:] == ["  mistakes           -25.0", "  total                9.5 / 100"]
    res["breakdown"]["penalties"] = 40.0
    res["score"] = 0
    assert breakdown_lines(res)[-1] == "  total               -5.5 / 100  = 0 / 100 (never below 0)"
    assert not any(x.lstrip().startswith("(") for x in breakdown_lines(res))  # no multi-chat notes


TIP = (
    "  • C1: you took over at 85 s, after the window closed at 45 s. Take escalated chats at once; "
    "your replies took 35 s on average (rating 2; 40 % of the points)."
)


def render(text: str, width: int) -> list[str]:
    from rich.console import Console
    from rich.text import Text

    from hitl_console.tui.wrapped import Wrapped

    console = Console(width=width, force_terminal=False, color_system=None)
    with console.capture() as cap:
        console.print(Wrapped(Text(text, end="")))
    return cap.get().rstrip("\n").split("\n")


@pytest.mark.parametrize("width", range(14, 100, 3))
def test_the_debrief_screen_never_splits_a_number_from_its_unit(width: int) -> None:
    lines = render(TIP + "\n\nnext", width)
    assert all(len(x) <= width for x in lines)
    assert " ".join(" ".join(lines).split()) == " ".join((TIP + " next").split())  # nothing lost or reordered
    for above, below in zip(lines, lines[1:], strict=False):
        if above.rstrip()[-1:].isdigit():
            assert not below.lstrip().startswith(("s ", "s,", "s.", "%")), (above, below)
        assert not (above.rstrip().endswith("rating") and below.lstrip()[:1].isdigit())
    if width < len(TIP):
        assert all(x.startswith("    ") for x in lines[1:-2])  # continuation lines hang under the tip's text
    assert lines[-2:] == ["", "next"]


def test_a_word_longer_than_the_screen_is_folded_not_cut() -> None:
    word = "x" * 50
    lines = render(f"  see {word} here", 20)
    assert "".join(x.strip() for x in lines) == f"see{word}here"
    assert all(len(x) <= 20 for x in lines)


def test_wrapping_keeps_styles() -> None:
    from rich.text import Text

    from hitl_console.tui.wrapped import wrap_line

    line = Text("  took over at 27 s, after the window closed at 20 s", end="")
    line.stylize("bold", 2, 6)
    pieces = wrap_line(line, 24)
    assert [p.plain for p in pieces] == ["  took over at 27 s,", "    after the window", "    closed at 20 s"]
    assert pieces[0].spans[0].style == "bold" and pieces[0].spans[0].start == 2
