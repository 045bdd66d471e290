"""Signals: frustration, escalation risk, routing, and the ``signals`` CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hitl_console.errors import InputError
from hitl_console.signals import ChatSignals, frustration
from hitl_console.signals import model as signal_model
from hitl_console.signals.routing import IntentRouter
from hitl_console.signals_cli import signals

ANGRY = [
    "This is ridiculous, I already told you twice and you still haven't fixed it!",
    "No, that's not what I asked. Can you actually read my question?",
    "I WANT TO TALK TO A HUMAN NOW",
    "You are useless. Cancel everything.",
]
CALM = [
    "Thanks, that's perfect.",
    "Great, thank you for your help!",
    "Yes, that works for me.",
    "Could you book a table for two at 7pm?",
]
TEXTS = [*ANGRY, *CALM, "", "   ", "?!?!", "我要投诉，你们的客服太差了", "谢谢，没问题了", "a" * 5000, "🙂"]


def test_artefact_is_shipped_and_small() -> None:
    assert signal_model.ARTEFACT.exists()
    assert signal_model.ARTEFACT.stat().st_size < 600_000
    m = signal_model.load()
    assert m.frustration.wc and m.risk.wd and m.router


@pytest.mark.parametrize("text", TEXTS)
def test_scores_are_probabilities(text: str) -> None:
    assert 0.0 <= frustration.score(text) <= 1.0
    s = ChatSignals()
    f = s.add_customer(text)
    r = s.add_agent(text, confidence=0.3)
    assert 0.0 <= f <= 1.0 and 0.0 <= r <= 1.0 and 0.0 <= s.level <= 1.0


def test_frustrated_texts_score_above_calm_ones() -> None:
    low = max(frustration.score(t) for t in CALM)
    for t in ANGRY:
        assert frustration.score(t) > low, t


def test_context_matters_and_chinese_is_scored() -> None:
    assert frustration.score("我要投诉，你们的客服太差了") > frustration.score("谢谢，没问题了")
    # a repeated request after an agent that failed reads as more frustrated than the first ask
    s = ChatSignals()
    first = s.add_customer("I need to change the delivery address of my order")
    s.add_agent("Sorry, I can't help with that.")
    again = s.add_customer("I need to change the delivery address of my order, again")
    assert again > first


def test_chat_signals_state_and_determinism() -> None:
    def run() -> tuple[list[float], list[float]]:
        s = ChatSignals()
        risks = [s.risk]
        for c, a in zip(ANGRY, CALM, strict=True):
            s.add_customer(c)
            risks.append(s.add_agent(a, confidence=0.9))
        return list(s.history), risks

    h1, r1 = run()
    h2, r2 = run()
    assert h1 == h2 and r1 == r2 and len(h1) == len(ANGRY)
    calm = ChatSignals()
    for c in CALM:
        calm.add_customer(c)
        calm.add_agent("Done. Anything else?", confidence=0.9)
    angry = ChatSignals()
    for c in ANGRY:
        angry.add_customer(c)
        angry.add_agent("Sorry, I don't understand.", confidence=0.9)
    assert angry.level > calm.level
    assert angry.risk > calm.risk


def test_risk_persists_then_falls_as_the_chat_calms() -> None:
    s = ChatSignals()
    for c in ANGRY:
        s.add_customer(c)
        s.add_agent("Sorry, I don't understand.")
    angry = s.risk
    assert angry >= 0.5  # a chat this frustrated stays at risk
    risks = [angry]
    for c, a in [
        ("ok, thanks", "You will get a tracking link within the hour."),
        ("great, thank you", "Is there anything else I can help with?"),
        ("no that's all, thanks", "Have a nice day!"),
    ]:
        s.add_customer(c)
        risks.append(s.add_agent(a))
    # the floor follows the level down: every calmer turn is below the angry peak, and it ends low
    assert risks[1] < angry and max(risks[2:]) < risks[1] and risks[-1] < 0.1, risks


def test_shop_style_threats_score_as_frustrated() -> None:
    # USS raters never saw legal threats; the documented anger prior covers them
    for t in ("I'm going to sue you", "I'm going to sue you, this is a lawsuit waiting to happen"):
        assert frustration.score(t) > 0.4, t
    assert frustration.score("I want to cancel my order") < 0.2


def test_complaints_about_the_service_are_frustration_and_opinions_about_films_are_not() -> None:
    # complaint phrases (being ignored, asked again, kept waiting) are in the prior; a film opinion with the
    # same negative word is not a complaint about the agent
    for t in ("Worst service ever. I am filing a complaint.", "Hello?? I have been waiting for ages.",
              "This is the third time I ask, nobody helps me!!"):
        assert frustration.score(t) >= 0.5, t
    assert frustration.score("that was the worst movie I have ever seen") < 0.2
    assert frustration.score("ok thanks, that works") < 0.05


def test_low_confidence_raises_risk() -> None:
    a, b = ChatSignals(), ChatSignals()
    for s in (a, b):
        s.add_customer("Where is my parcel?")
        s.add_customer("It was due yesterday.")
    assert b.add_agent("It is on its way.", confidence=0.1) > a.add_agent(
        "It is on its way.", confidence=0.95
    )


CATALOGUE = [
    ("Where is my order?", "order_status"),
    ("has my package shipped yet", "order_status"),
    ("tracking number for my parcel", "order_status"),
    ("I want to return these shoes", "return_item"),
    ("how do I send an item back", "return_item"),
    ("return label please", "return_item"),
    ("when will I get my refund", "refund_status"),
    ("refund has not arrived", "refund_status"),
    ("change the delivery address", "change_address"),
    ("I moved, please update my shipping address", "change_address"),
]


def test_routing_catalogue_like_examples() -> None:
    r = IntentRouter(CATALOGUE)
    assert r.intents == sorted({i for _, i in CATALOGUE})
    assert r.route("where's my parcel, has it shipped?").intent == "order_status"
    assert r.route("I'd like to send back the jacket").intent == "return_item"
    assert r.route("my refund still hasn't arrived").intent == "refund_status"
    inside = r.route("can you update my delivery address").score
    outside = r.route("what's the weather like in Paris tomorrow").score
    assert 0.0 <= outside < inside <= 1.0
    assert r.route("").intent is None
    assert IntentRouter([]).route("hello").score == 0.0


def _write_jsonl(path: Path, rows: list[object]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def test_cli_score_round_trip(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    dialogues = [
        {
            "id": "d1",
            "turns": [
                {"role": "customer", "text": "Where is my order?"},
                {"role": "agent", "text": "It ships tomorrow."},
                {"role": "customer", "text": "That's what you said last week. Useless!"},
            ],
        },
        {"id": 2, "turns": [{"role": "agent", "text": "Hello, how can I help?"}], "extra": [1]},
    ]
    _write_jsonl(src, dialogues)
    res = CliRunner().invoke(signals, ["score", "--input", str(src), "--output", str(dst)])
    assert res.exit_code == 0, res.output
    out = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert [o["id"] for o in out] == ["d1", 2] and out[1]["extra"] == [1]
    for o, d in zip(out, dialogues, strict=True):
        assert len(o["turns"]) == len(d["turns"])  # type: ignore[arg-type]
        for t in o["turns"]:
            assert 0 <= t["risk"] <= 1
            assert ("frustration" in t) == (t["role"] == "customer")
    t = out[0]["turns"]
    assert t[2]["frustration"] > t[0]["frustration"]


def test_cli_route_round_trip(tmp_path: Path) -> None:
    intents, src, dst = tmp_path / "intents.jsonl", tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_jsonl(intents, [{"text": t, "intent": i} for t, i in CATALOGUE])
    _write_jsonl(src, [{"id": 1, "text": "I want to return my shoes"}, {"id": 2, "text": "tell me a joke"}])
    res = CliRunner().invoke(
        signals, ["route", "--input", str(src), "--output", str(dst), "--intents", str(intents)]
    )
    assert res.exit_code == 0, res.output
    out = [json.loads(line) for line in dst.read_text(encoding="utf-8").splitlines()]
    assert out[0]["intent"] == "return_item" and out[0]["eligible"] > out[1]["eligible"]
    assert all(0 <= o["eligible"] <= 1 for o in out)


def test_cli_route_default_catalogue(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    _write_jsonl(src, [{"id": 1, "text": "where is my order"}])
    res = CliRunner().invoke(signals, ["route", "--input", str(src), "--output", str(dst)])
    assert res.exit_code == 0, res.output
    out = json.loads(dst.read_text(encoding="utf-8"))
    assert isinstance(out["intent"], str) and 0 <= out["eligible"] <= 1


@pytest.mark.parametrize(
    "bad, cmd",
    [
        ('{"id": 1, "turns": []}\n{"id": 2, "turns": [\n', "score"),
        ('{"id": 1, "turns": []}\n[1, 2]\n', "score"),
        ('{"id": 1, "turns": []}\n{"id": 2, "turns": [{"role": "bot", "text": "x"}]}\n', "score"),
        ('{"id": 1, "text": "hi"}\n{"id": 2}\n', "route"),
    ],
)
def test_malformed_jsonl_is_one_clear_error(tmp_path: Path, bad: str, cmd: str) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text(bad, encoding="utf-8")
    with pytest.raises(InputError, match=rf"{src.name}:2"):
        signals.main([cmd, "--input", str(src), "--output", str(tmp_path / "o.jsonl")], standalone_mode=False)


def test_malformed_jsonl_exit_code_through_main_cli(tmp_path: Path) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": 1, "turns": []}\nnot json\n', encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hitl_console",
            "signals",
            "score",
            "--input",
            str(src),
            "--output",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{src}:2" in lines[0], proc.stderr


def test_runtime_needs_neither_sklearn_nor_numpy() -> None:
    code = (
        "import sys\n"
        "for m in ('sklearn', 'numpy', 'scipy', 'textual'): sys.modules[m] = None\n"
        "from hitl_console.signals import ChatSignals, frustration\n"
        "from hitl_console.signals.routing import IntentRouter\n"
        "import hitl_console.signals_cli\n"
        "s = ChatSignals(); s.add_customer('this is useless'); s.add_agent('sorry')\n"
        "assert 0 <= s.risk <= 1 and frustration.score('ok') >= 0\n"
        "assert IntentRouter([('where is my order', 'o')]).route('my order?').intent == 'o'\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
