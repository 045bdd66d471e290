"""Fit the signal models on the real labelled data and write the shipped artefact.

    python bench/fit_signals.py [--data ../shared/data] [--out hitl_console/signals/models/signals.json]

Reproducible: a fixed seed splits each corpus by dialogue into train (80%) and dev (20%); only the train
parts are used here. Needs the dev extra (scikit-learn); the artefact it writes needs neither.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hitl_console.signals import ChatSignals  # noqa: E402
from hitl_console.signals import model as M  # noqa: E402

DATA = Path(os.environ.get("HITL_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
SEED = 20240611
DEV_SHARE = 0.2
ENGLISH = ("SGD", "MWOZ", "ReDial", "CCPE")
CORPORA = (*ENGLISH, "JDDC")
HORIZON = 3
FOLDS = 5


@dataclass
class Turn:
    role: str  # "customer" | "agent"
    text: str
    frustrated: int | None = None  # customer turns with a label: 1 frustrated, 0 not
    strict: int | None = None  # mean rating < 3 (the published definition); JDDC: same as frustrated
    rating: float | None = None  # mean rating 1..5 (JDDC: sat3 0/1/2 as 2/3/4)


Dialogue = list[Turn]


# ---------------------------------------------------------------- data


def load_uss(path: Path) -> list[Dialogue]:
    out: list[Dialogue] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        d: Dialogue = []
        for line in block.strip("\n").split("\n"):
            parts = line.split("\t")
            if len(parts) < 2:
                continue
            role = parts[0].strip()
            if role == "USER":
                if parts[1] == "OVERALL":
                    continue
                rs = [int(x) for x in parts[-1].split(",") if x.strip()]
                mean = sum(rs) / len(rs) if rs else 3.0
                d.append(Turn("customer", parts[1], int(mean <= 2.5), int(mean < 3), mean))
            elif role == "SYSTEM":
                d.append(Turn("agent", parts[1]))
        if d:
            out.append(d)
    return out


def load_jddc(path: Path) -> list[Dialogue]:
    out: list[Dialogue] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        d: Dialogue = []
        for t in raw["turns"]:
            sat = t.get("sat3")
            lab = None if sat is None else int(sat == 0)
            d.append(Turn("customer", t["user"], lab, lab, None if sat is None else 2.0 + sat))
            if t.get("agent_reply"):
                d.append(Turn("agent", t["agent_reply"]))
        out.append(d)
    return out


def load_corpus(name: str, data: Path = DATA) -> list[Dialogue]:
    if name == "JDDC":
        return load_jddc(data / "uss" / "jddc_dev.jsonl")
    return load_uss(data / "uss" / "english" / f"{name}.txt")


def split(dialogues: Sequence[Dialogue], seed: int = SEED) -> tuple[list[Dialogue], list[Dialogue]]:
    idx = list(range(len(dialogues)))
    random.Random(seed).shuffle(idx)
    n_dev = int(round(len(idx) * DEV_SHARE))
    dev = set(idx[:n_dev])
    return [d for i, d in enumerate(dialogues) if i not in dev], [
        d for i, d in enumerate(dialogues) if i in dev
    ]


def load_all(data: Path = DATA) -> dict[str, tuple[list[Dialogue], list[Dialogue]]]:
    return {c: split(load_corpus(c, data), SEED + i) for i, c in enumerate(CORPORA)}


# ---------------------------------------------------------------- features through the runtime code


@dataclass
class Example:
    feats: dict[str, float]
    y: int
    group: int = 0  # customer index (c) or moment's customer count (r)
    eligible: bool = True  # forecast moments: before the first frustrated turn, after >= 2 customer turns
    y_mild: int = 0  # mean rating < 3
    soft: float = 0.0  # forecast moments: 3 - the lowest mean rating among the next 3 customer turns
    agent: bool = False  # forecast moments: right after an agent turn
    turn: int = -1  # forecast moments: the index of the turn in its dialogue


# N-gram features are 1/sqrt(number of n-grams of the text) (as M.gram_sum scores them), times this
# while fitting (the stored weights are multiplied back): how strongly n-grams are regularised relative
# to the dense features.
GRAM_SCALE = 3.0


def _flat(
    cg: Collection[str], ag: Collection[str], d: dict[str, float], use_history: bool, norm: bool = True
) -> dict[str, float]:
    """The features of one moment for fitting; n-grams scaled as M.gram_sum scores them (``norm``) or 1."""
    f: dict[str, float] = {}
    if cg:
        v = GRAM_SCALE / math.sqrt(len(cg)) if norm else 1.0
        for g in cg:
            f["c|" + g] = v
    if ag:
        v = GRAM_SCALE / math.sqrt(len(ag)) if norm else 1.0
        for g in ag:
            f["a|" + g] = v
    for k, v in d.items():
        if use_history or not k.startswith("h_"):
            f["d|" + k] = v
    return f


def run(
    dialogue: Dialogue, models: M.Models, use_history: bool = True, risk_norm: bool = False
) -> tuple[list[Example], list[Example], list[float], list[float]]:
    """Feed one dialogue to ChatSignals; return frustration examples, risk examples and the scores."""
    sig = ChatSignals(models=models)
    sig.trace = []
    labels = [t.frustrated for t in dialogue if t.role == "customer"]
    ratings = [t.rating for t in dialogue if t.role == "customer"]
    first = next((i for i, y in enumerate(labels) if y == 1), len(labels))
    cex: list[Example] = []
    rex: list[Example] = []
    scores: list[float] = []
    risks: list[float] = []
    ci = 0
    for j, t in enumerate(dialogue):
        start = len(sig.trace)
        if t.role == "customer":
            scores.append(sig.add_customer(t.text))
        else:
            sig.add_agent(t.text)
        risks.append(sig.risk)
        for item in sig.trace[start:]:
            if item[0] == "c":
                if t.frustrated is not None:
                    cex.append(
                        Example(
                            _flat(item[1], item[2], item[3], use_history),
                            t.frustrated,
                            ci,
                            True,
                            t.strict or 0,
                        )
                    )
            else:
                n_c = ci + 1 if t.role == "customer" else ci  # customer turns seen so far
                future = [y for y in labels[n_c : n_c + HORIZON] if y is not None]
                if future:
                    y = int(any(future))
                    ok = n_c >= 2 and n_c <= first and t.role == "agent"
                    low = min(r for r in ratings[n_c : n_c + HORIZON] if r is not None)
                    rex.append(
                        Example(
                            _flat(item[1], item[2], item[3], True, risk_norm),
                            y,
                            n_c,
                            ok,
                            soft=3.0 - low,
                            agent=t.role == "agent",
                            turn=j,
                        )
                    )
        if t.role == "customer":
            ci += 1
    return cex, rex, scores, risks


def collect(
    dialogues: Iterable[Dialogue], models: M.Models, use_history: bool = True
) -> tuple[list[Example], list[Example]]:
    cs: list[Example] = []
    rs: list[Example] = []
    for d in dialogues:
        c, r, _, _ = run(d, models, use_history)
        cs += c
        rs += r
    return cs, rs


# ---------------------------------------------------------------- fitting


def fit_linear(
    examples: Sequence[Example],
    c: float,
    keep: int,
    min_abs: float = 0.02,
    mild: bool = False,
    soft_alpha: float | None = None,
    by_use: bool = False,
    weights: Sequence[float] | None = None,
    norm: bool = True,
) -> M.Linear:
    """A logistic model of ``y`` (or ``y_mild``); with ``soft_alpha``, a ridge regression of the graded
    target ``soft`` (penalty ``soft_alpha``) put on the log-odds scale of ``y`` by a logistic fit of its
    score (a monotone map: the ranking is the ridge's). The ``keep`` n-grams kept are those with the
    largest weights, or with ``by_use`` the largest weight times the number of examples that have them
    (many small weights of common n-grams add up; rare ones barely matter). ``norm``: the examples'
    n-grams are scaled as M.gram_sum does (see _flat)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression, Ridge

    vec = DictVectorizer()
    x = vec.fit_transform([e.feats for e in examples]).tocsr()
    x.indices = x.indices.astype("int32")
    x.indptr = x.indptr.astype("int32")
    y = [e.y_mild if mild else e.y for e in examples]
    if soft_alpha is None:
        lr = LogisticRegression(C=c, max_iter=3000, solver="liblinear")
        lr.fit(x, y, sample_weight=weights)
        coef = [float(w) for w in lr.coef_[0]]
        bias = float(lr.intercept_[0])
    else:
        rg = Ridge(alpha=soft_alpha)
        rg.fit(x, [e.soft for e in examples], sample_weight=weights)
        raw = rg.predict(x)
        cal = LogisticRegression(C=100.0, max_iter=1000)
        cal.fit([[v] for v in raw], y, sample_weight=weights)
        a, b = float(cal.coef_[0][0]), float(cal.intercept_[0])
        coef = [a * float(w) for w in rg.coef_]
        bias = a * float(rg.intercept_) + b
    names = vec.get_feature_names_out()
    if by_use:
        uses = [int(n) for n in (x.tocsc().indptr[1:] - x.tocsc().indptr[:-1])]
        order = sorted(range(len(names)), key=lambda i: -abs(coef[i]) * uses[i])
    else:
        order = sorted(range(len(names)), key=lambda i: -abs(coef[i]))
    lin = M.Linear()
    lin.norm = norm
    lin.bias = round(bias, 4)
    kept = 0
    for i in order:
        w = coef[i]
        name = str(names[i])
        is_dense = name.startswith("d|")
        if not is_dense and (kept >= keep or abs(w) < min_abs):
            continue
        ns, key = name[0], name[2:]
        {"c": lin.wc, "a": lin.wa, "d": lin.wd}[ns][key] = round(w if is_dense or not norm else w * GRAM_SCALE, 3)
        if not is_dense:
            kept += 1
    return lin


@dataclass
class Params:
    c_frust: float = 0.1
    c_risk: float = 0.01
    keep_frust: int = 9000
    keep_mild: int = 3000
    keep_risk: int = 3000
    # The forecast is fitted on the moments the evaluation counts (after an agent turn, >= 2 customer
    # turns, before the first frustrated turn); the other moments (early, or once a chat has been
    # frustrated; with risk_other_agent_only False also right after a customer turn) may weigh this much.
    # Cross-validated: 0.0 is best (0.1 and 0.3 cost a little; persistence is the forecast's floor).
    risk_other_weight: float = 0.0
    risk_other_agent_only: bool = True
    risk_norm: bool = False  # the forecast's n-grams count 1 each (not over sqrt(number of n-grams))
    # The forecast is a ridge regression of "3 - the lowest mean rating of the next 3 customer turns"
    # (graded: a 2.7 says more than "not <= 2.5"), calibrated to P(frustrated within 3); None: logistic.
    risk_soft_alpha: float | None = 100.0
    risk_min_abs: float = 0.0  # smaller n-gram weights are dropped


def _folds(dialogues: Sequence[Dialogue], k: int = FOLDS) -> list[list[Dialogue]]:
    idx = list(range(len(dialogues)))
    random.Random(SEED).shuffle(idx)
    return [[dialogues[i] for i in idx[f::k]] for f in range(k)]


@dataclass
class Stages:
    stage1: list[list[Example]]  # per fold: customer turns without history features
    stage2: list[list[Example]]  # per fold: customer turns, history from out-of-fold models
    milds: list[M.Linear]
    risk: list[list[Example]]  # per fold: forecast moments, features from out-of-fold models
    risk_corpus: list[list[str]]  # the corpus of each forecast moment (when known)
    risk_dialogue: list[list[Dialogue]]  # the dialogue of each forecast moment


def stages(
    train: Sequence[Dialogue], p: Params, say: Any, corpus_of: dict[int, str] | None = None
) -> Stages:
    empty = M.Models()
    folds = _folds(train)
    # stage 1: the text-and-context model without the running history, out of fold
    stage1 = [collect(f, empty, use_history=False)[0] for f in folds]
    say(f"stage 1 features: {sum(len(s) for s in stage1)} customer turns")
    stage2: list[list[Example]] = []
    milds: list[M.Linear] = []
    for k, f in enumerate(folds):
        m = M.Models()
        rest = [e for j, s in enumerate(stage1) if j != k for e in s]
        m.frustration = fit_linear(rest, p.c_frust, p.keep_frust)
        m.mild = fit_linear(rest, p.c_frust, p.keep_mild, mild=True)
        milds.append(m.mild)
        stage2.append(collect(f, m)[0])
    say("stage 2 features (out-of-fold history)")
    # risk: features from a frustration model that never saw the dialogue, like at run time
    risk: list[list[Example]] = []
    risk_corpus: list[list[str]] = []
    risk_dialogue: list[list[Dialogue]] = []
    for k, f in enumerate(folds):
        m = M.Models()
        m.frustration = fit_linear(
            [e for j, s in enumerate(stage2) if j != k for e in s], p.c_frust, p.keep_frust
        )
        m.mild = milds[k]
        rs: list[Example] = []
        cs: list[str] = []
        ds: list[Dialogue] = []
        for d in f:
            r = run(d, m, risk_norm=p.risk_norm)[1]
            rs += r
            cs += [(corpus_of or {}).get(id(d), "")] * len(r)
            ds += [d] * len(r)
        risk.append(rs)
        risk_corpus.append(cs)
        risk_dialogue.append(ds)
    say(f"risk features: {sum(len(r) for r in risk)} moments")
    return Stages(stage1, stage2, milds, risk, risk_corpus, risk_dialogue)


def fit_risk(examples: Sequence[Example], p: Params) -> M.Linear:
    use = [
        e
        for e in examples
        if e.eligible or (p.risk_other_weight > 0 and (e.agent or not p.risk_other_agent_only))
    ]
    w = [1.0 if e.eligible else p.risk_other_weight for e in use]
    return fit_linear(
        use,
        p.c_risk,
        p.keep_risk,
        p.risk_min_abs,
        soft_alpha=p.risk_soft_alpha,
        by_use=True,
        weights=w,
        norm=p.risk_norm,
    )


def fit(train: Sequence[Dialogue], p: Params | None = None, log: bool = True) -> M.Models:
    p = p or Params()
    t0 = time.time()

    def say(msg: str) -> None:
        if log:
            print(f"[{time.time() - t0:6.1f}s] {msg}", file=sys.stderr)

    st = stages(train, p, say)
    final = M.Models()
    final.frustration = fit_linear([e for s in st.stage2 for e in s], p.c_frust, p.keep_frust)
    final.mild = fit_linear([e for s in st.stage1 for e in s], p.c_frust, p.keep_mild, mild=True)
    final.risk = fit_risk([e for r in st.risk for e in r], p)
    say("fitted")
    final.meta = {
        "seed": SEED,
        "dev_share": DEV_SHARE,
        "params": p.__dict__,
        "label": "frustrated = mean turn rating <= 2.5 (USS), sat3 == 0 (JDDC)",
        "horizon": HORIZON,
    }
    return final


def forecast_cv(parts: dict[str, tuple[list[Dialogue], list[Dialogue]]], params: Sequence[Params]) -> None:
    """Cross-validated forecast AUROC per corpus on the TRAINING parts only (the same 5 folds as the
    out-of-fold features): how the forecast's settings were chosen. The dev parts are not touched."""
    from sklearn.metrics import roc_auc_score

    train = [d for c in CORPORA for d in parts[c][0]]
    corpus_of = {id(d): c for c in CORPORA for d in parts[c][0]}
    t0 = time.time()
    done: dict[bool, Stages] = {}
    for p in params:
        if p.risk_norm not in done:
            done[p.risk_norm] = stages(
                train, p, lambda m: print(f"[{time.time() - t0:6.1f}s] {m}", file=sys.stderr), corpus_of
            )
        st = done[p.risk_norm]
        ys: dict[str, list[int]] = {c: [] for c in CORPORA}
        zs: dict[str, list[float]] = {c: [] for c in CORPORA}
        for k in range(FOLDS):
            lin = fit_risk([e for j, r in enumerate(st.risk) if j != k for e in r], p)
            for e, c in zip(st.risk[k], st.risk_corpus[k], strict=True):
                if e.eligible:
                    ys[c].append(e.y)
                    zs[c].append(_z(lin, e.feats))
        aucs = {c: float(roc_auc_score(ys[c], zs[c])) for c in CORPORA}
        en = [aucs[c] for c in ENGLISH]
        print(
            f"risk C={p.c_risk} soft_alpha={p.risk_soft_alpha} keep={p.keep_risk} other moments "
            f"x{p.risk_other_weight}{' (agent)' if p.risk_other_agent_only else ''} norm={p.risk_norm}: "
            + " ".join(f"{c} {aucs[c]:.3f}" for c in CORPORA)
            + f" | English min {min(en):.3f} mean {sum(en) / len(en):.3f}"
        )


def _z(lin: M.Linear, feats: dict[str, float]) -> float:
    z = lin.bias
    tables = {"c": lin.wc, "a": lin.wa, "d": lin.wd}
    for k, v in feats.items():
        w = tables[k[0]].get(k[2:])
        if w is not None:
            z += w * v
    return z


def main(argv: list[str] | None = None) -> None:
    global DATA
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=M.ARTEFACT)
    ap.add_argument(
        "--cv", action="store_true", help="only report the forecast's cross-validation on the training parts"
    )
    a = ap.parse_args(argv)
    DATA = a.data
    parts = load_all(a.data)
    if a.cv:
        forecast_cv(
            parts,
            [
                Params(risk_soft_alpha=None),  # logistic on the binary label
                Params(risk_soft_alpha=30.0),
                Params(),
                Params(risk_soft_alpha=300.0),
                Params(risk_other_weight=0.1),
                Params(risk_other_weight=0.3),
                Params(risk_norm=True),
            ],
        )
        return
    train = [d for c in CORPORA for d in parts[c][0]]
    models = fit(train)
    models.router = fit_calibration(a.data)
    models.meta["router"] = "logistic calibration of similarity features; see docs/signals.md"
    M.save(models, a.out)
    print(
        f"wrote {a.out} ({a.out.stat().st_size / 1024:.0f} KB): frustration {len(models.frustration.wc)}+"
        f"{len(models.frustration.wa)} n-grams, risk {len(models.risk.wa)} n-grams"
    )


# ---------------------------------------------------------------- routing calibration


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def load_banking_oos(data: Path = DATA) -> dict[str, list[tuple[str, str]]]:
    base = data / "banking77" / "banking77-oos"
    out: dict[str, list[tuple[str, str]]] = {}
    for part in ("train", "valid", "id-oos/train", "id-oos/valid", "ood-oos/valid"):
        out[part] = list(
            zip(read_lines(base / part / "seq.in"), read_lines(base / part / "label"), strict=True)
        )
    return out


def load_clinc(data: Path = DATA) -> tuple[dict[str, list[tuple[str, str]]], dict[str, list[str]]]:
    raw = json.loads((data / "clinc150" / "clinc150_dev.json").read_text(encoding="utf-8"))
    domains = json.loads((data / "clinc150" / "domains.json").read_text(encoding="utf-8"))
    return {k: [(t, i) for t, i in v] for k, v in raw.items()}, domains


SERVICE_DOMAINS = ("banking", "credit_cards")


def _split_examples(rows: Sequence[tuple[str, str]], share: float, seed: int) -> tuple[list[Any], list[Any]]:
    idx = list(range(len(rows)))
    random.Random(seed).shuffle(idx)
    cut = int(len(idx) * share)
    held = set(idx[:cut])
    return [r for i, r in enumerate(rows) if i not in held], [r for i, r in enumerate(rows) if i in held]


def _subsample(rows: Sequence[tuple[str, str]], per_intent: int, seed: int) -> list[tuple[str, str]]:
    by: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        by.setdefault(r[1], []).append(r)
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for k in sorted(by):
        rs = by[k][:]
        rng.shuffle(rs)
        out += rs[:per_intent]
    return out


def routing_tasks(data: Path = DATA) -> list[tuple[str, list[tuple[str, str]], list[str], list[str]]]:
    """Calibration tasks from the TRAINING parts only: (name, router examples, in-scope texts, out texts)."""
    clinc, domains = load_clinc(data)
    bank = load_banking_oos(data)
    service = {i for d in SERVICE_DOMAINS for i in domains[d]}
    tasks = []
    fit_rows, held = _split_examples(bank["train"], 0.2, SEED)
    near = [t for t, _ in bank["id-oos/train"]]
    tasks.append(("banking77-oos", fit_rows, [t for t, _ in held], near))
    tasks.append(("banking77-oos/10-shot", _subsample(fit_rows, 10, SEED), [t for t, _ in held], near))
    c_fit, c_held = _split_examples(clinc["train"], 0.2, SEED + 1)
    s_fit = [r for r in c_fit if r[1] in service]
    s_in = [t for t, i in c_held if i in service]
    s_out = [t for t, i in c_held if i not in service][:1500] + [t for t, _ in clinc["oos_train"]]
    tasks.append(("clinc-service", s_fit, s_in, s_out))
    tasks.append(("clinc-service/8-shot", _subsample(s_fit, 8, SEED), s_in, s_out))
    return tasks


def fit_calibration(data: Path = DATA, log: bool = True) -> dict[str, float]:
    from sklearn.linear_model import LogisticRegression

    from hitl_console.signals.routing import FEATURES, IntentRouter

    xs: list[list[float]] = []
    ys: list[int] = []
    ws: list[float] = []
    tasks = routing_tasks(data)
    for name, rows, pos, neg in tasks:
        router = IntentRouter(rows, calibration={})
        for texts, y in ((pos, 1), (neg, 0)):
            w = 1000.0 / len(texts)  # every task and class weighs the same
            for t in texts:
                _, f = router.similarity_features(t)
                xs.append([f.get(k, 0.0) for k in FEATURES])
                ys.append(y)
                ws.append(w)
        if log:
            print(
                f"routing calibration task {name}: {len(rows)} examples, {len(pos)} in, {len(neg)} out",
                file=sys.stderr,
            )
    lr = LogisticRegression(C=1.0, max_iter=2000)
    lr.fit(xs, ys, sample_weight=ws)
    cal = {k: round(float(w), 4) for k, w in zip(FEATURES, lr.coef_[0], strict=True)}
    cal["bias"] = round(float(lr.intercept_[0]), 4)
    return cal


if __name__ == "__main__":
    main()
