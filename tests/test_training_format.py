"""The scenario format: schema, cross-reference checks, and errors that name file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hitl_console.training.loader import ScenarioError, load_actions, load_scenario
from hitl_console.training.phrases import has_term, matches
from hitl_console.training.schema import Rule, Scenario
from hitl_console.training.toml_lines import dotted, index_lines, line_of

GOOD = """\
title = "Tiny"
difficulty = "beginner"
goal = "Take over when the AI fails."

[rules.sorry]
any = ["sorry", "apolog*"]

[[chats]]
id = "C1"
customer = "Ana"

[[chats.turns]]
id = "open"
role = "customer"
text = "My parcel is broken."

[[chats.turns]]
id = "ai1"
role = "ai"
confidence = 0.3
trigger = "technical"
text = "I cannot help with that."

[[chats.turns]]
id = "bye"
role = "customer"
delay = 60
text = "Bye."
end = "abandoned"
rating = 1

[[chats.turns]]
id = "ok"
role = "customer"
text = "Thanks."
next = "wait"

[[chats.branches]]
on = "reply"
match = "sorry"
goto = "ok"

[chats.expect]
say = ["sorry"]
"""


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def error_of(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as ei:
        load_scenario(path)
    lines = str(ei.value).splitlines()
    assert lines and all(x.startswith(f"{path}:") for x in lines)  # one FILE:LINE: ... line per error
    return lines[0]


def line_no(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_good_scenario_loads(tmp_path: Path) -> None:
    sc = load_scenario(write(tmp_path, GOOD))
    assert sc.title == "Tiny" and sc.chats[0].turn_ids() == ["open", "ai1", "bye", "ok"]
    chat = sc.chats[0]
    assert chat.successor(0) == 1 and chat.successor(1) == 2
    assert chat.successor(2) is None  # ends the chat
    assert chat.successor(3) is None  # waits


def test_wrong_field_names_the_line_and_path(tmp_path: Path) -> None:
    bad = GOOD.replace("confidence = 0.3", "confidance = 0.3")
    msg = error_of(tmp_path, bad)
    assert msg.startswith(f"{tmp_path / 's.toml'}:{line_no(bad, 'confidance')}: chats[0].turns[1].confidance:")
    assert "unknown field" in msg


def test_out_of_range_value(tmp_path: Path) -> None:
    bad = GOOD.replace("confidence = 0.3", "confidence = 1.3")
    msg = error_of(tmp_path, bad)
    assert f":{line_no(bad, 'confidence = 1.3')}: chats[0].turns[1].confidence:" in msg


def test_missing_field_points_at_its_table(tmp_path: Path) -> None:
    bad = GOOD.replace('customer = "Ana"\n', "")
    msg = error_of(tmp_path, bad)
    assert f":{line_no(bad, '[[chats]]')}: chats[0].customer: required field missing" in msg


def test_branch_to_missing_turn(tmp_path: Path) -> None:
    bad = GOOD.replace('goto = "ok"', 'goto = "okay"')
    msg = error_of(tmp_path, bad)
    assert f":{line_no(bad, 'goto')}: chats[0].branches[0].goto: branch to a missing turn" in msg
    assert "'okay'" in msg


def test_cycle_in_the_timeline(tmp_path: Path) -> None:
    bad = GOOD.replace('text = "Thanks."\nnext = "wait"', 'text = "Thanks."\nnext = "ok"')
    msg = error_of(tmp_path, bad)
    assert "loops forever: ok -> ok" in msg and "chats[0].turns[3]" in msg
    bad2 = GOOD.replace('text = "I cannot help with that."', 'text = "I cannot help with that."\nnext = "open"')
    assert "loops forever: open -> ai1 -> open" in error_of(tmp_path, bad2)


def test_bad_syntax_names_the_line(tmp_path: Path) -> None:
    bad = GOOD.replace('difficulty = "beginner"', 'difficulty = "beginner')
    msg = error_of(tmp_path, bad)
    assert msg.startswith(f"{tmp_path / 's.toml'}:2: bad TOML syntax")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('match = "sorry"', 'match = "thanks"', "no rule 'thanks'"),
        ('say = ["sorry"]', 'say = ["refund"]', "chats[0].expect.say[0]: no rule 'refund'"),
        ("confidence = 0.3\n", "", "an AI turn needs a confidence"),
        ('id = "ok"', 'id = "open"', "used twice"),
        ('on = "reply"', 'on = "take_over"', "only a 'reply' can match a rule"),
        ("[chats.expect]", '[chats.expect]\nwindow = { opens = "nope" }', "expect.window.opens: no turn 'nope'"),
        ('difficulty = "beginner"', 'difficulty = "easy"', "difficulty: Input should be"),
    ],
)
def test_cross_reference_errors(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in GOOD
    assert expected in error_of(tmp_path, GOOD.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "path", "expected"),
    [
        ('text = "I cannot help with that."', 'text = "I cannot help with that."\ndelay = "8"', "chats[0].turns[1].delay",
         'should be a number, not the string "8"'),
        ("[chats.expect]", '[chats.expect]\nproactive = "no"', "chats[0].expect.proactive",
         'should be true or false, not the string "no"'),
        ("[chats.expect]", '[chats.expect]\ntake_over = "off"', "chats[0].expect.take_over",
         'should be true or false, not the string "off"'),
        ('customer = "Ana"', 'customer = "Ana"\neligible = 1', "chats[0].eligible",
         "should be true or false, not the integer 1"),
        ('customer = "Ana"', 'customer = "Ana"\nresolve_rating = 4.0', "chats[0].resolve_rating",
         "should be a whole number, not the number 4.0"),
        ("confidence = 0.3", "confidence = true", "chats[0].turns[1].confidence",
         "should be a number, not the boolean true"),
        ('customer = "Ana"', "customer = 7", "chats[0].customer", "should be a string (in quotes), not the integer 7"),
        ('any = ["sorry", "apolog*"]', 'any = "sorry"', "rules.sorry.any", 'should be an array ([...]), not the string "sorry"'),
    ],
)
def test_wrong_types_are_rejected_not_coerced(tmp_path: Path, old: str, new: str, path: str, expected: str) -> None:
    assert old in GOOD
    bad = GOOD.replace(old, new, 1)
    line = line_no(bad, new.splitlines()[-1])
    assert error_of(tmp_path, bad) == f"{tmp_path / 's.toml'}:{line}: {path}: {expected}"


def test_strict_types_still_take_what_toml_means(tmp_path: Path) -> None:
    """An integer is a valid float, an enum is a TOML string, a real boolean is a boolean."""
    ok = GOOD.replace('text = "I cannot help with that."', 'text = "I cannot help with that."\ndelay = 8', 1).replace(
        "[chats.expect]", "[chats.expect]\nproactive = true\nweight = 2\nwindow = { closes_after_s = 30 }", 1
    )
    chat = load_scenario(write(tmp_path, ok)).chats[0]
    assert chat.turns[1].delay == 8.0 and isinstance(chat.turns[1].delay, float)
    assert chat.expect.proactive is True and chat.expect.weight == 2.0 and chat.expect.window.closes_after_s == 30.0
    assert chat.turns[1].trigger == "technical"


def test_actions_files_are_strict_too(tmp_path: Path) -> None:
    sc = load_scenario(write(tmp_path, GOOD))
    with pytest.raises(ScenarioError) as ei:
        load_actions(write(tmp_path, '[[actions]]\ndo = "take_over"\ndelay = "5"\n', "a.toml"), sc)
    assert str(ei.value) == f"{tmp_path / 'a.toml'}:3: actions[0].delay: should be a number, not the string \"5\""


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ('{ opens = "bye", closes = "ai1" }', "the window closes before it opens: 'ai1' plays 60 s before 'bye'"),
        ('{ opens = "ai1", closes = "ai1" }', "the window opens and closes at the same turn ('ai1')"),
        ('{ opens = "open", closes = "ai1" }', None),
        ('{ opens = "ai1", closes = "bye" }', None),
        ('{ closes = "ai1" }', None),  # opens at once, when the chat opens
        ('{ opens = "ai1", closes = "ok" }', None),  # 'ok' only plays after a branch: no order to check
    ],
)
def test_a_window_must_close_after_it_opens(tmp_path: Path, window: str, expected: str | None) -> None:
    text = GOOD.replace("[chats.expect]", f"[chats.expect]\nwindow = {window}", 1)
    if expected is None:
        load_scenario(write(tmp_path, text))
        return
    msg = error_of(tmp_path, text)
    assert msg.startswith(f"{tmp_path / 's.toml'}:{line_no(text, 'window =')}: chats[0].expect.window.closes: ")
    assert expected in msg


def test_a_window_closing_with_no_delay_after_it_opens(tmp_path: Path) -> None:
    text = GOOD.replace('text = "Bye."', 'text = "Bye."\ndelay = 0', 1).replace(
        'delay = 60\n', "", 1
    ).replace("[chats.expect]", '[chats.expect]\nwindow = { opens = "ai1", closes = "bye" }', 1)
    assert "plays at the moment 'ai1' opens it" in error_of(tmp_path, text)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "missing.toml")
    p = tmp_path / "bin.toml"
    p.write_bytes(b"\xff\xfe\x00title")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(p)
    with pytest.raises(ScenarioError, match="an actions file, not a scenario"):
        load_scenario(write(tmp_path, '[[actions]]\ndo = "take_over"\n', "a.toml"))


def test_actions_are_checked_against_the_scenario(tmp_path: Path) -> None:
    sc = load_scenario(write(tmp_path, GOOD))
    ok = write(tmp_path, '[[actions]]\ndo = "take_over"\nafter = "ai1"\n', "ok.toml")
    assert load_actions(ok, sc).actions[0].after == "ai1"
    cases = {
        '[[actions]]\ndo = "take_over"\nafter = "ai9"\n': "actions[0].after: no turn 'ai9'",
        '[[actions]]\ndo = "send"\n': "actions[0].text: a 'send' needs a text",
        '\n[[actions]]\ndo = "resolve"\nchat = "C7"\n': "a.toml:4: actions[0].chat: no chat 'C7'",
        '[[actions]]\ndo = "dance"\n': "actions[0].do: Input should be",
        '[[actions]]\ndo = "resolve"\ntext = "x"\n': "only a 'send' has a text",
    }
    for text, expected in cases.items():
        with pytest.raises(ScenarioError) as ei:
            load_actions(write(tmp_path, text, "a.toml"), sc)
        assert expected in str(ei.value), str(ei.value)


def test_json_schema_describes_the_format() -> None:
    schema = Scenario.model_json_schema()
    json.dumps(schema)
    assert set(schema["required"]) == {"title", "difficulty", "goal", "chats"}
    turn = schema["$defs"]["Turn"]
    assert turn["additionalProperties"] is False and "confidence" in turn["properties"]


def test_toml_line_index() -> None:
    text = 'a = 1\n[[chats]]\nid = "x"\n[[chats.turns]]\ntext = """two\nlines"""\nrole = "ai"\n[[chats]]\nid = "y"\n'
    idx = index_lines(text)
    assert idx[("a",)] == 1
    assert idx[("chats", 0, "turns", 0, "text")] == 5
    assert idx[("chats", 0, "turns", 0, "role")] == 7
    assert idx[("chats", 1, "id")] == 9
    assert line_of(idx, ("chats", 1, "customer")) == 8
    assert line_of(idx, ("nothing",)) is None
    assert dotted(("chats", 0, "turns", 2, "text")) == "chats[0].turns[2].text"


def test_phrase_rules_are_whole_word_and_prefix() -> None:
    assert has_term("I'm so SORRY about it", "sorry")
    assert not has_term("sorrynotsorry", "sorry")
    assert has_term("We apologise.", "apolog*") and not has_term("apo", "apolog*")
    assert has_term("your order   number please", "order number")
    assert not has_term("reorder numbers", "order number")
    rule = Rule.model_validate({"any": ["refund*"], "all": ["today"], "none": ["not"]})
    assert matches(rule, "Refund issued today")
    assert not matches(rule, "Refund issued tomorrow")
    assert not matches(rule, "Refund not issued today")
