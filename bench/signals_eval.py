"""Evaluate the signals on held-apart development parts, next to baselines measured in the same run.

    python bench/signals_eval.py [--shipped] [--out bench/results/signals.md]

Fits on the training parts exactly as ``bench/fit_signals.py`` does (same seed, same split) unless
``--shipped`` evaluates the shipped artefact instead, then reports on the dev parts:
- frustration: AUROC / PR-AUC per corpus against "turn mean rating <= 2.5" (JDDC: sat3 == 0), ours vs
  VADER (-compound) vs a plain TF-IDF + logistic regression on the customer turn, fitted on the same data;
- forecast: AUROC of the risk after each agent turn for "a frustrated customer turn within the next 3",
  counting moments before a dialogue's first frustrated turn and after >= 2 customer turns; how early it
  warns at the threshold with 20% false alarms; baselines VADER of the last customer turn and TF-IDF + LR of
  the last exchange;
- eligibility: AUROC of ``eligible`` for CLINC150 and BANKING77-OOS (near-miss and out-of-domain).
Needs the dev extra (scikit-learn, vaderSentiment).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fit_signals as F  # noqa: E402

from hitl_console.signals import model as M  # noqa: E402
from hitl_console.signals.features import tokens  # noqa: E402
from hitl_console.signals.routing import IntentRouter  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "signals.md"


def _auc(y: list[int], s: list[float]) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s)) if 0 < sum(y) < len(y) else float("nan")


def _ap(y: list[int], s: list[float]) -> float:
    from sklearn.metrics import average_precision_score

    return float(average_precision_score(y, s)) if 0 < sum(y) < len(y) else float("nan")


def _tfidf_lr(
    texts: list[str], y: list[int], tokenizer: Any = tokens, ngram_range: tuple[int, int] = (1, 2)
) -> Any:
    """The plain baseline: TF-IDF (sublinear, min_df 2) and a logistic regression, fitted on ``texts``."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(
        TfidfVectorizer(
            tokenizer=tokenizer,
            lowercase=False,
            token_pattern=None,
            ngram_range=ngram_range,
            min_df=2,
            sublinear_tf=True,
        ),
        LogisticRegression(C=1.0, max_iter=2000),
    )
    pipe.fit(texts, y)
    return pipe


def _moments(d: F.Dialogue) -> list[tuple[int, str, int, bool, int]]:
    """(turn index, last exchange text, label, eligible, customer turns seen) after every agent turn."""
    labels = [t.frustrated for t in d if t.role == "customer"]
    first = next((i for i, y in enumerate(labels) if y == 1), len(labels))
    out = []
    n_c = 0
    last_c = ""
    for i, t in enumerate(d):
        if t.role == "customer":
            n_c += 1
            last_c = t.text
            continue
        future = [y for y in labels[n_c : n_c + F.HORIZON] if y is not None]
        if not future:
            continue
        ok = 2 <= n_c <= first
        out.append((i, "C: " + last_c + " A: " + t.text, int(any(future)), ok, n_c))
    return out


def _exchange_tokens(text: str) -> list[str]:
    c, _, a = text.partition(" A: ")
    return ["c_" + t for t in tokens(c)] + ["a_" + t for t in tokens(a)]


def warn_ahead(dialogues: list[F.Dialogue], risks: list[list[float]], fpr: float = 0.2) -> dict[str, float]:
    """At the threshold with `fpr` false alarms among eligible negative moments: the share of first
    frustrated turns warned of within the 3 turns before, and how many customer turns ahead (median)."""
    neg: list[float] = []
    per: list[tuple[int, list[tuple[int, float]]]] = []
    for d, rs in zip(dialogues, risks, strict=True):
        labels = [t.frustrated for t in d if t.role == "customer"]
        first = next((i for i, y in enumerate(labels) if y == 1), None)
        pts = []
        for i, _, y, ok, n_c in _moments(d):
            if ok:
                if y == 0:
                    neg.append(rs[i])
                pts.append((n_c, rs[i]))
        if first is not None:
            per.append((first, pts))
    if not neg:
        return {"threshold": float("nan"), "caught": float("nan"), "lead": float("nan")}
    neg.sort()
    thr = neg[min(len(neg) - 1, int(len(neg) * (1 - fpr)))]
    leads: list[int] = []
    n_events = 0
    for first, pts in per:
        window = [(n_c, r) for n_c, r in pts if first - n_c + 1 <= F.HORIZON]
        if not window:
            continue
        n_events += 1
        hits = [first - n_c + 1 for n_c, r in window if r > thr]
        if hits:
            leads.append(max(hits))
    return {
        "threshold": thr,
        "caught": len(leads) / n_events if n_events else float("nan"),
        "lead": statistics.mean(leads) if leads else 0.0,
        "events": n_events,
    }


def evaluate_uss(
    models: M.Models, parts: dict[str, tuple[list[F.Dialogue], list[F.Dialogue]]]
) -> tuple[list[str], dict[str, Any]]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    train = [d for c in F.CORPORA for d in parts[c][0]]
    # baselines fitted on the same training dialogues
    ct = [
        (t.text, t.frustrated) for d in train for t in d if t.role == "customer" and t.frustrated is not None
    ]
    tf_frust = _tfidf_lr([t for t, _ in ct], [int(y or 0) for _, y in ct])
    mt = [(txt, y) for d in train for _, txt, y, ok, _ in _moments(d) if ok]
    tf_risk = _tfidf_lr([t for t, _ in mt], [y for _, y in mt], _exchange_tokens, (1, 1))

    rows: list[str] = []
    figures: dict[str, Any] = {}
    hdr = (
        "| corpus | turns (frustrated) | ours AUROC | ours PR-AUC | VADER AUROC | VADER PR-AUC | TF-IDF+LR AUROC | TF-IDF+LR PR-AUC "
        "| ours - VADER | ours - TF-IDF | ours AUROC (<3) | ours, text only |"
    )
    rows += ["### Frustration per customer turn (dev parts)", "", hdr, "|" + "---|" * 12]
    fc_rows = [
        "",
        "### Escalation forecast (risk after each agent turn; frustrated turn within the next 3)",
        "",
        "| corpus | moments (pos) | ours AUROC | ours PR-AUC | VADER last turn | TF-IDF+LR last exchange "
        "| warned within 3 turns @20% FA | mean turns ahead |",
        "|" + "---|" * 8,
    ]
    from hitl_console.signals import frustration

    for c in F.CORPORA:
        dev = parts[c][1]
        y: list[int] = []
        y3: list[int] = []
        ours: list[float] = []
        alone: list[float] = []
        texts: list[str] = []
        fy: list[int] = []
        fo: list[float] = []
        fx: list[str] = []
        risks_all: list[list[float]] = []
        for d in dev:
            _, _, scores, risks = F.run(d, models)
            risks_all.append(risks)
            cust = [t for t in d if t.role == "customer"]
            for t, s in zip(cust, scores, strict=True):
                if t.frustrated is not None:
                    y.append(t.frustrated)
                    y3.append(int(t.strict or 0))
                    ours.append(s)
                    texts.append(t.text)
            for i, txt, lab, ok, _ in _moments(d):
                if ok:
                    fy.append(lab)
                    fo.append(risks[i])
                    fx.append(txt)
        with_models(
            models, lambda alone=alone, texts=texts: alone.extend(frustration.score(t) for t in texts)
        )
        vad = [-vader.polarity_scores(t)["compound"] for t in texts]
        tfs = list(tf_frust.predict_proba(texts)[:, 1])
        a_o, a_v, a_t = _auc(y, ours), _auc(y, vad), _auc(y, tfs)
        figures[c] = {"frust_auc": a_o, "vader_auc": a_v, "tfidf_auc": a_t}
        rows.append(
            f"| {c} | {len(y)} ({sum(y)}) | {a_o:.3f} | {_ap(y, ours):.3f} | {a_v:.3f} | {_ap(y, vad):.3f} | {a_t:.3f} | "
            f"{_ap(y, tfs):.3f} | {a_o - a_v:+.3f} | {a_o - a_t:+.3f} | {_auc(y3, ours):.3f} | {_auc(y, alone):.3f} |"
        )
        vl = [-vader.polarity_scores(t.partition(" A: ")[0][3:])["compound"] for t in fx]
        tr = list(tf_risk.predict_proba(fx)[:, 1])
        w = warn_ahead(dev, risks_all)
        fa = _auc(fy, fo)
        figures[c].update({"risk_auc": fa, "risk_tfidf": _auc(fy, tr), "caught": w["caught"]})
        fc_rows.append(
            f"| {c} | {len(fy)} ({sum(fy)}) | {fa:.3f} | {_ap(fy, fo):.3f} | {_auc(fy, vl):.3f} | {_auc(fy, tr):.3f} | "
            f"{w['caught']:.0%} of {w.get('events', 0)} | {w['lead']:.2f} |"
        )
    return rows + fc_rows, figures


def with_models(models: M.Models, fn: Any) -> None:
    """Run fn with `models` as the process-wide loaded models (frustration.score reads those)."""
    saved = M._loaded
    M._loaded = models
    try:
        fn()
    finally:
        M._loaded = saved


def evaluate_routing(models: M.Models) -> tuple[list[str], dict[str, float]]:
    clinc, domains = F.load_clinc()
    bank = F.load_banking_oos()
    service = {i for d in F.SERVICE_DOMAINS for i in domains[d]}
    cal = models.router
    out: dict[str, float] = {}
    rows = [
        "",
        "### Eligibility (AUROC of `eligible`, in scope vs out of scope; router built from the training part)",
        "",
        "| set | supported intents (examples) | in | out | AUROC | intent accuracy (in scope) | ms per route |",
        "|---|---|---|---|---|---|---|",
    ]

    def one(name: str, examples: list[tuple[str, str]], pos: list[tuple[str, str]], neg: list[str]) -> None:
        r = IntentRouter(examples, cal)
        t0 = time.perf_counter()
        ps = [r.route(t) for t, _ in pos]
        ns = [r.route(t).score for t in neg]
        ms = (time.perf_counter() - t0) * 1000 / (len(pos) + len(neg))
        auc = _auc([1] * len(ps) + [0] * len(ns), [p.score for p in ps] + ns)
        acc = sum(p.intent == i for p, (_, i) in zip(ps, pos, strict=True)) / len(pos)
        out[name] = auc
        rows.append(
            f"| {name} | {len(r.intents)} ({len(examples)}) | {len(pos)} | {len(neg)} | {auc:.3f} | {acc:.1%} | {ms:.2f} |"
        )

    s_train = [r for r in clinc["train"] if r[1] in service]
    s_in = [r for r in clinc["val"] if r[1] in service]
    s_out_other = [t for t, i in clinc["val"] if i not in service]
    one(
        "CLINC150 service (banking+credit cards) vs other domains + oos",
        s_train,
        s_in,
        s_out_other + [t for t, _ in clinc["oos_val"]],
    )
    one("CLINC150 service vs oos only", s_train, s_in, [t for t, _ in clinc["oos_val"]])
    one(
        "CLINC150 all 150 intents vs oos", clinc["train"], clinc["val"][::3], [t for t, _ in clinc["oos_val"]]
    )
    b_in = bank["valid"]
    one("BANKING77-OOS vs near-miss (id-oos)", bank["train"], b_in, [t for t, _ in bank["id-oos/valid"]])
    one(
        "BANKING77-OOS vs out-of-domain (ood-oos)", bank["train"], b_in, [t for t, _ in bank["ood-oos/valid"]]
    )
    few = F._subsample(bank["train"], 4, F.SEED)
    one("BANKING77-OOS, 4 examples per intent, vs near-miss", few, b_in, [t for t, _ in bank["id-oos/valid"]])
    return rows, out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--shipped", action="store_true", help="evaluate the shipped artefact instead of refitting"
    )
    ap.add_argument("--out", type=Path, default=RESULTS)
    a = ap.parse_args(argv)
    t0 = time.time()
    parts = F.load_all()
    if a.shipped:
        models = M.load()
        how = f"shipped artefact {M.ARTEFACT.name}"
    else:
        train = [d for c in F.CORPORA for d in parts[c][0]]
        models = F.fit(train)
        models.router = F.fit_calibration()
        how = "fitted in this run on the training parts"
    uss_rows, figs = evaluate_uss(models, parts)
    route_rows, rfigs = evaluate_routing(models)
    sizes = ", ".join(f"{c} {len(parts[c][0])}/{len(parts[c][1])}" for c in F.CORPORA)
    head = [
        "## Signals evaluation",
        "",
        f"Models: {how}. Split by dialogue, seed {F.SEED}, train/dev dialogues: {sizes}.",
        "Frustrated: turn mean rating <= 2.5 (JDDC: sat3 == 0). All figures on the dev parts only.",
        "",
    ]
    text = "\n".join(head + uss_rows + route_rows) + f"\n\n_{time.time() - t0:.0f} s_\n"
    print(text)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(text, encoding="utf-8")
    eng = [c for c in F.ENGLISH]
    ok_f = all(
        figs[c]["frust_auc"] - figs[c]["vader_auc"] >= 0.08 and figs[c]["frust_auc"] > figs[c]["tfidf_auc"]
        for c in eng
    )
    ok_r = all(figs[c]["risk_auc"] >= 0.65 for c in eng)
    print(
        f"targets: frustration {'met' if ok_f else 'MISSED'}, forecast {'met' if ok_r else 'MISSED'}",
        file=sys.stderr,
    )
    del rfigs


if __name__ == "__main__":
    main()
