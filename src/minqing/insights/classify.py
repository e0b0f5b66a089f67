"""Category: suggest the top categories of a text, with scores.

Three signals, combined by a weighted sum of per-category distributions:

1. keywords — each active Category's ``keywords`` (editable in the admin; the
   defaults ship in ``cases/default_categories.py``, with later additions in the
   keyword migrations of ``insights/migrations``); a longer keyword weighs more;
2. similarity to the category's name, description and keywords (character
   bigram TF-IDF cosine);
3. a model trained on the deployment's own decided cases — the category the
   dispatcher finally chose on every dispatched case (``minqing insights train``,
   retrained by the worker). Character 1–3-gram TF-IDF and logistic regression.
   The file lives in ``DATA_DIR/models/``, never in git; a ``TrainedModel`` row
   points at the current one.

A fresh deployment has no decided cases yet: then the model is the **base
model** shipped in the package (``insights/data/base_category_model.joblib``,
built by ``insights/data/build_base_model.py`` from the project's own corpus —
``BASE_CORPUS``: the evaluation/tuning texts and ``train_colloquial.csv``, callers'
words). Every local training starts from the same corpus: base corpus + the
deployment's decided cases (+ one keyword document per category). With the
setting ``MINQING_BASE_MODEL = False`` nothing is shipped in and the first two
signals decide alone until the first local training.
"""

import datetime as dt
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils import timezone

log = logging.getLogger("minqing.insights")

WEIGHTS_WITH_MODEL = (0.40, 0.10, 0.50)  # keywords, description, model
WEIGHTS_WITHOUT_MODEL = (0.75, 0.25, 0.0)
_SPLIT = re.compile(r"[\s;；,，、]+")
_WHITESPACE = re.compile(r"\s\s+")  # as sklearn's char analyzer folds whitespace


class TrainingError(ValueError):
    pass


@dataclass
class Cat:
    code: str
    name: str
    keywords: list
    doc: str


class Catalog:
    """Active categories with their keyword matcher and description vectors."""

    def __init__(self, cats):
        from sklearn.feature_extraction.text import TfidfVectorizer

        from .normalize import normalize

        self.cats = cats
        self.codes = [c.code for c in cats]
        self.pos = {c.code: i for i, c in enumerate(cats)}
        self.other = self.pos.get("other")
        kw = {}
        for i, c in enumerate(cats):
            for k in c.keywords:
                k = normalize(k).lower()
                if len(k) >= 2:
                    kw.setdefault(k, set()).add(i)
        self.keywords = kw
        lengths = {}
        for k in kw:
            lengths.setdefault(k[:2], set()).add(len(k))
        self.lengths = {a: sorted(b, reverse=True) for a, b in lengths.items()}
        self.vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), sublinear_tf=True)
        docs = [normalize(c.doc) for c in cats]
        self.doc_matrix = self.vec.fit_transform(docs) if any(docs) else None
        # for one text at a time (registration): the same TF-IDF without sklearn's per-call overhead
        self.doc_T = self.doc_matrix.T.tocsr() if self.doc_matrix is not None else None

    def keyword_scores(self, content):
        s = np.zeros(len(self.cats))
        hits = set()
        text = content.lower()
        n = len(text)
        for i in range(n - 1):
            for length in self.lengths.get(text[i : i + 2], ()):
                word = text[i : i + length]
                if len(word) == length and word in self.keywords and word not in hits:
                    hits.add(word)
                    cats = self.keywords[word]
                    w = (1.0 + 0.5 * (length - 2)) / len(cats)
                    for c in cats:
                        s[c] += w
        return s

    def description_score_row(self, content):
        """``description_scores([content])[0]``, computed directly (char bigrams, sublinear tf, idf,
        l2 norm — what the vectorizer does) in a few microseconds instead of milliseconds."""
        row = np.zeros(len(self.cats))
        if self.doc_T is None:
            return row
        text = _WHITESPACE.sub(" ", content.lower())
        vocab = self.vec.vocabulary_
        counts = {}
        for i in range(len(text) - 1):
            j = vocab.get(text[i : i + 2])
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return row
        js = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        w = (np.log(np.fromiter(counts.values(), dtype=float, count=len(counts))) + 1.0) * self.vec.idf_[js]
        w /= np.sqrt((w * w).sum())
        t = self.doc_T
        for j, wj in zip(js, w):
            lo, hi = t.indptr[j], t.indptr[j + 1]
            row[t.indices[lo:hi]] += wj * t.data[lo:hi]
        return row

    def description_scores(self, contents):
        if self.doc_matrix is None:
            return np.zeros((len(contents), len(self.cats)))
        m = self.vec.transform(contents)
        return (m @ self.doc_matrix.T).toarray()


_lock = threading.Lock()
_cache = {"catalog": None, "stamp": None, "checked": 0.0, "model": None, "model_key": None, "dirty": 0}
CHECK_EVERY = 30.0


def invalidate(**kwargs):
    _cache["dirty"] += 1
    _cache["checked"] = 0.0


def _stamp():
    from django.db.models import Count, Max

    from minqing.cases.models import Category

    agg = Category.objects.aggregate(n=Count("id"), m=Max("id"))
    latest = _latest_model_row()
    return (agg["n"], agg["m"], _cache["dirty"], latest.pk if latest else None)


def _latest_model_row():
    from .models import TrainedModel

    return TrainedModel.objects.filter(kind="category").order_by("-trained_at", "-id").first()


def catalog():
    now = time.monotonic()
    if _cache["catalog"] is not None and now - _cache["checked"] < CHECK_EVERY:
        return _cache["catalog"], _cache["model"]
    stamp = _stamp()
    _cache["checked"] = now
    if _cache["catalog"] is not None and stamp == _cache["stamp"]:
        return _cache["catalog"], _cache["model"]
    with _lock:
        from minqing.cases.models import Category

        cats = [
            Cat(c.code, c.name, [k for k in _SPLIT.split(c.keywords or "") if k],
                " ".join([c.name, c.description or "", c.keywords or ""]))
            for c in Category.objects.filter(active=True).order_by("position", "code")
        ]
        _cache["catalog"] = Catalog(cats)
        _cache["model"] = _load_model()
        _cache["stamp"] = stamp
    return _cache["catalog"], _cache["model"]


DATA = Path(__file__).resolve().parent / "data"
BASE_MODEL = DATA / "base_category_model.joblib"
# the project's own labelled texts (text,category): what the base model and every retraining start from
BASE_CORPUS = ("eval_tune.csv", "eval_holdout.csv", "eval_fresh.csv", "train_colloquial.csv")


def base_corpus():
    """(normalised text, category code) of the shipped corpus (place names are left in)."""
    import csv

    from .normalize import normalize

    out = []
    for name in BASE_CORPUS:
        path = DATA / name
        if not path.exists():
            continue
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                text, code = (r.get("text") or "").strip(), (r.get("category") or "").strip()
                if text and code:
                    out.append((normalize(text), code))
    return out


def build_base_model(path=BASE_MODEL):
    """Fit the pipeline on ``base_corpus()`` and write it, compressed, to ``path``; returns the size."""
    import joblib

    samples = base_corpus()
    pipe = build_pipeline(max_features=BASE_MAX_FEATURES)
    pipe.fit([t for t, _ in samples], [c for _, c in samples])
    lr = pipe.steps[-1][1]
    lr.coef_ = lr.coef_.astype(np.float32)  # half the size; the probabilities do not move
    tmp = Path(str(path) + ".tmp")
    joblib.dump(pipe, tmp, compress=("xz", 6))
    os.replace(tmp, path)
    return os.path.getsize(path)


def _base_enabled():
    return getattr(settings, "MINQING_BASE_MODEL", True)


def _load_base():
    import joblib

    if not _base_enabled() or not BASE_MODEL.exists():
        return None
    try:
        return joblib.load(BASE_MODEL)
    except Exception:  # noqa: BLE001 - a broken file must not stop suggestions; keywords still work
        log.exception("could not load the base category model %s", BASE_MODEL)
        return None


def _load_model():
    import joblib

    row = _latest_model_row()
    if row is None or not os.path.exists(row.path):
        return _load_base()
    try:
        return joblib.load(row.path)
    except Exception:  # noqa: BLE001 - a broken file must not stop suggestions; keywords still work
        log.exception("could not load the category model %s", row.path)
        return None


def _normalize_rows(m):
    sums = m.sum(axis=1, keepdims=True)
    sums[sums == 0] = 1.0
    return m / sums


def vectorize(contents):
    """The trained model's TF-IDF rows for these contents (None without a model)."""
    _cat, model = catalog()
    if model is None or not contents:
        return None
    return model.steps[0][1].transform(contents)


def score_matrix(contents, cat=None, model=None, vectors=None):
    """(catalog, matrix n×categories) of combined scores, each row summing to 1.
    ``vectors``: the contents' rows from ``vectorize`` when the caller already has them."""
    if cat is None:
        cat, model = catalog()
    n, k = len(contents), len(cat.cats)
    if k == 0:
        return cat, np.zeros((n, 0))
    kw = np.vstack([cat.keyword_scores(c) for c in contents]) if n else np.zeros((0, k))
    kw = _normalize_rows(kw)
    desc = cat.description_scores(contents) ** 2
    desc = _normalize_rows(desc)
    mp = np.zeros((n, k))
    if model is not None and n:
        proba = (model.steps[-1][1].predict_proba(vectors) if vectors is not None
                 else model.predict_proba(contents))
        for j, code in enumerate(model.classes_):
            if code in cat.pos:
                mp[:, cat.pos[code]] = proba[:, j]
    w = WEIGHTS_WITH_MODEL if model is not None else WEIGHTS_WITHOUT_MODEL
    total = w[0] * kw + w[1] * desc + w[2] * mp
    if cat.other is not None:
        empty = total.sum(axis=1) == 0
        total[empty, cat.other] = 1.0
    return cat, _normalize_rows(total)


def _proba_row(model, x):
    """The logistic regression's probabilities for one TF-IDF row (softmax of the decision, as
    ``predict_proba`` computes it), without its input validation."""
    lr = model.steps[-1][1]
    d = np.asarray(x @ lr.coef_.T).ravel() + lr.intercept_
    if len(lr.classes_) == 2:
        p = 1.0 / (1.0 + np.exp(-d[0]))
        return np.array([1.0 - p, p])
    e = np.exp(d - d.max())
    return e / e.sum()


def score_row(content):
    """``score_matrix([content])[1][0]`` for one text, fast: the registration's path."""
    cat, model = catalog()
    k = len(cat.cats)
    if k == 0:
        return None
    kw = cat.keyword_scores(content)
    kw = kw / kw.sum() if kw.sum() else kw
    desc = cat.description_score_row(content) ** 2
    desc = desc / desc.sum() if desc.sum() else desc
    mp = np.zeros(k)
    if model is not None:
        proba = _proba_row(model, model.steps[0][1].transform([content]))
        for j, code in enumerate(model.classes_):
            if code in cat.pos:
                mp[cat.pos[code]] = proba[j]
    w = WEIGHTS_WITH_MODEL if model is not None else WEIGHTS_WITHOUT_MODEL
    total = w[0] * kw + w[1] * desc + w[2] * mp
    if cat.other is not None and total.sum() == 0:
        total[cat.other] = 1.0
    s = total.sum()
    return total / s if s else total


def suggest_many(contents, limit=3, vectors=None):
    cat, model = catalog()
    cat, scores = score_matrix(contents, cat, model, vectors=vectors if model is not None else None)
    out = []
    for row in scores:
        order = np.argsort(-row, kind="stable")[:limit]
        out.append([
            {"code": cat.codes[i], "name": cat.cats[i].name, "score": round(float(row[i]), 3)}
            for i in order if round(float(row[i]), 3) > 0
        ])
    return out


def suggest(content, limit=3):
    return suggest_many([content], limit)[0]


# ---- training ------------------------------------------------------------------------


def decided_samples():
    """(content, category code) of every dispatched case: the dispatcher's final choice."""
    from minqing.cases.models import Case, State

    from .text import read

    rows = (
        Case.objects.filter(category__isnull=False, assigned_at__isnull=False)
        .exclude(state__in=[State.INVALID, State.MERGED])
        .values_list("text", "category__code")
    )
    out = []
    for text, code in rows.iterator(chunk_size=2000):
        out.append((read(text).content, code))
    return out


BASE_MAX_FEATURES = 40000


def build_pipeline(max_features=200000):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1,
                        max_features=max_features),
        LogisticRegression(C=20.0, max_iter=3000),
    )


def train(samples=None, *, extra=(), user=None, min_samples=20):
    """Train on the decided cases (or the given (content, code) samples) plus one
    document per category made of its keywords; save the file and record it."""
    import joblib

    from .models import TrainedModel

    cat, _ = catalog()
    samples = list(samples if samples is not None else decided_samples()) + list(extra)
    samples = [(c, code) for c, code in samples if code in cat.pos]
    if len(samples) < min_samples:
        raise TrainingError(
            f"已分类的案件太少（{len(samples)} < {min_samples}） / too few decided cases to train on "
            f"({len(samples)} < {min_samples})"
        )
    seeds = [(" ".join(c.keywords) + " " + c.name, c.code) for c in cat.cats if c.keywords]
    # start from the shipped corpus (the base model's texts), for the categories this deployment has
    base = [(t, code) for t, code in base_corpus() if code in cat.pos] if _base_enabled() else []
    texts = [s[0] for s in base + samples + seeds]
    labels = [s[1] for s in base + samples + seeds]
    if len(set(labels)) < 2:
        raise TrainingError("至少需要两个分类 / at least two categories are needed")
    pipe = build_pipeline()
    pipe.fit(texts, labels)
    folder = Path(settings.DATA_DIR) / "models"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    path = folder / f"category-{stamp}.joblib"
    tmp = path.with_suffix(".tmp")
    joblib.dump(pipe, tmp)
    os.replace(tmp, path)
    row = TrainedModel.objects.create(
        kind="category", path=str(path), n_samples=len(samples), classes=sorted(set(labels)), trained_by=user
    )
    for old in TrainedModel.objects.filter(kind="category").order_by("-trained_at", "-id")[3:]:
        try:
            os.remove(old.path)
        except OSError:
            pass
        old.delete()
    invalidate()
    return row


def train_job():
    """Worker job: retrain when at least 20 cases were dispatched since the last training."""
    from minqing.cases.models import Case

    last = _latest_model_row()
    since = last.trained_at if last else timezone.now() - dt.timedelta(days=36500)
    new = Case.objects.filter(category__isnull=False, assigned_at__gte=since).count()
    if last is not None and new < 20:
        return f"skipped ({new} newly dispatched cases)"
    try:
        row = train()
    except TrainingError as e:
        return f"skipped: {e}"
    return f"trained on {row.n_samples} cases"


def connect_signals():
    from django.db.models.signals import post_delete, post_save

    from minqing.cases.models import Category

    post_save.connect(invalidate, sender=Category, dispatch_uid="insights_classify_category_saved")
    post_delete.connect(invalidate, sender=Category, dispatch_uid="insights_classify_category_deleted")


# ---- the decision at registration ----------------------------------------------------


def top_category(text):
    """(code, score) of the best category for a raw text, or None (nothing found, or 其他: a
    text about nothing in particular waits for a person): what registration applies
    when the score reaches ``MINQING["CATEGORY_AUTO_THRESHOLD"]``. The catalog and the model
    are loaded once per process (``catalog``); one text costs one reading and one scoring."""
    from .text import read

    content = read(text).content
    if not content:
        return None
    row = score_row(content)
    if row is None:
        return None
    cat, _model = catalog()
    i = int(np.argmax(row))
    # 其他 is where a text with no signal lands (score 1 by default): never a decision
    if row[i] <= 0 or i == cat.other:
        return None
    return cat.codes[i], round(float(row[i]), 3)
