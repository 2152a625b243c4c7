"""NMF as a recommender: fit ratings, predict the missing ones, rank, explain.

``fit_recommender(train, k, ...)`` fits :mod:`nmf_core.observed` to a
:class:`~nmf_core.ratings.Ratings` set and returns a :class:`Recommender`:

- ``predict(users, items)``: ratings for (user id, item id) pairs, clipped to
  the rating scale (given, or the lowest and highest training rating).  A user
  or item with no training rating (cold start) gets the baseline's prediction
  (μ + user bias + item bias of the separately fitted bias model, with the
  unknown side's bias 0), and ``last_cold_start`` counts them.
- ``recommend(user, n, exclude_rated=True)``: the n highest predictions over
  all items, each with the factor contributing most to it.
- ``explain(user, item)``: the prediction split into its baseline and each
  factor's contribution W[u, f]·H[i, f].

``k="auto"`` chooses k and λ by cross-validation on the training ratings only
(random folds of them), and keeps the curve as a :class:`~nmf_core.model_selection.KScan`
(held-out RMSE against k at the best λ), the Choose k page's type and figure.

``evaluate(model, test)`` gives RMSE, MAE, precision@N and recall@N and the
four baselines' RMSE (global mean, user mean, item mean, user + item biases),
always beside the model's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .errors import ParameterError
from .model_selection import KScan
from .observed import DEFAULT_NITER, ObservedFit, fit_observed
from .params import Param
from .ratings import Ratings, check_scale

DEFAULT_K = 10
DEFAULT_REG = 0.05  # λ per rating (see nmf_core.observed)
AUTO_KS = (1, 2, 3, 5, 8, 12, 20)
AUTO_REGS = (0.02, 0.05, 0.1)
AUTO_FOLDS = 3
AUTO_HOLDOUT = 0.1
TOP_N = 10
EVAL_USERS = 2000  # users ranked over the whole catalogue for precision/recall@N
BASELINES = ("global mean", "user mean", "item mean", "user + item biases")

# The recommender's settings, declared once: the app's controls are built from them.
RECOMMEND_PARAMS: dict[str, Param] = {p.name: p for p in (
    Param("k", int, DEFAULT_K, "Number of factors (tastes) per user and per item.",
          low=1, high=500, ui_high=30),
    Param("auto", bool, True, "Choose k and λ by cross-validation on the training ratings "
          "(3 folds; the curve below)."),
    Param("reg", float, DEFAULT_REG, "λ: L2 penalty on the factors, per rating.",
          low=0.0, high=10.0, ui_high=0.5),
    Param("biased", bool, True, "Fit a global offset and user and item biases beside the "
          "non-negative factors."),
    Param("test_fraction", float, 0.2, "Share of the ratings held out to measure the error.",
          low=0.01, high=0.9, ui_low=0.05, ui_high=0.5),
    Param("top_n", int, TOP_N, "How many recommendations to list.", low=1, high=1000,
          ui_high=30),
)}


@dataclass(frozen=True, eq=False)
class Recommender:
    """A fitted model over the training ids.  ``fit`` holds the factors
    (W users × k, H items × k) and the biases; ``baseline`` the bias-only fit
    used for cold start; ``scan`` the k/λ cross-validation when k was "auto"."""

    fit: ObservedFit
    baseline: ObservedFit
    user_ids: tuple[str, ...]
    item_ids: tuple[str, ...]
    scale: tuple[float, float]
    train: Ratings
    fit_s: float
    scan: KScan | None = None
    reg_curve: dict = field(default_factory=dict)  # λ → held-out RMSE at the chosen k
    _index: dict = field(default_factory=dict, repr=False)

    @property
    def k(self) -> int:
        return self.fit.k

    @property
    def reg(self) -> float:
        return self.fit.reg

    def _lookup(self, ids, which: str) -> np.ndarray:
        table = self._index.get(which)
        if table is None:
            names = self.user_ids if which == "user" else self.item_ids
            table = self._index[which] = {name: i for i, name in enumerate(names)}
        ids = np.atleast_1d(np.asarray(ids, dtype=object))
        return np.fromiter((table.get(str(x).strip(), -1) for x in ids), np.intp, ids.size)

    def user_index(self, user) -> int:
        """The row of ``user`` (an id), or ParameterError naming it."""
        index = int(self._lookup([user], "user")[0])
        if index < 0:
            raise ParameterError(f"user {str(user)!r} has no training rating (ids look like "
                                 f"{', '.join(map(repr, self.user_ids[:3]))})")
        return index

    def predict_indices(self, users: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, int]:
        """Clipped predictions for row/column indices (−1 = unknown), and how many
        pairs were cold start (an unknown or rating-less user or item)."""
        users, items = np.asarray(users, np.intp), np.asarray(items, np.intp)
        known_user = (users >= 0) & (self.train_counts("user")[np.maximum(users, 0)] > 0)
        known_item = (items >= 0) & (self.train_counts("item")[np.maximum(items, 0)] > 0)
        warm = known_user & known_item
        out = np.empty(users.size)
        out[warm] = self.fit.predict(users[warm], items[warm])
        cold = ~warm
        base = self.baseline
        out[cold] = (base.global_mean
                     + np.where(known_user[cold], base.user_bias[np.maximum(users[cold], 0)], 0)
                     + np.where(known_item[cold], base.item_bias[np.maximum(items[cold], 0)], 0))
        return np.clip(out, *self.scale), int(cold.sum())

    def train_counts(self, which: str) -> np.ndarray:
        key = which + "_counts"
        if key not in self._index:
            index, size = ((self.train.users, len(self.user_ids)) if which == "user"
                           else (self.train.items, len(self.item_ids)))
            self._index[key] = np.bincount(index, minlength=size)
        return self._index[key]

    def predict(self, users, items) -> np.ndarray:
        """Predicted ratings for the (user id, item id) pairs, clipped to the scale."""
        users, items = self._lookup(users, "user"), self._lookup(items, "item")
        if users.size != items.size:
            raise ParameterError(f"users and items must be of one length; got {users.size} "
                                 f"and {items.size}")
        values, cold = self.predict_indices(users, items)
        object.__setattr__(self, "last_cold_start", cold)
        return values

    def scores(self, user_index: int) -> np.ndarray:
        """Predicted ratings of every item for one user row (with training
        ratings), clipped."""
        return _score_rows(self, [user_index])[0]

    def recommend(self, user, n: int = TOP_N, exclude_rated: bool = True) -> list[dict]:
        """The ``n`` items with the highest predicted rating for ``user`` (an id):
        ``{item, score, factor}``, where ``factor`` (1-based) contributes most to the
        score (None when no factor contributes, as for an item without ratings)."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ParameterError(f"n must be a whole number >= 1; got {n!r}")
        u = self.user_index(user)
        scores = self.scores(u)
        if exclude_rated:
            scores[self.train.items[self.train.users == u]] = -np.inf
        order = np.argsort(-scores, kind="stable")[: int(n)]
        order = order[np.isfinite(scores[order])]
        contributions = self.fit.W[u] * self.fit.H[order]  # (n, k)
        top = []
        for j, row in zip(order, contributions, strict=True):
            best = int(np.argmax(row)) if row.size and row.max() > 0 else None
            top.append({"item": self.item_ids[j], "score": float(scores[j]),
                        "factor": None if best is None else best + 1})
        return top

    def explain(self, user, item) -> dict:
        """``{baseline, factors, score}``: the unclipped prediction's baseline
        (μ + biases), each factor's contribution W[u, f]·H[i, f] (an array of k), and
        the clipped score.  Their sum (baseline + factors) is the unclipped prediction."""
        u = self.user_index(user)
        i = int(self._lookup([item], "item")[0])
        if i < 0:
            raise ParameterError(f"item {str(item)!r} has no training rating")
        factors = self.fit.W[u] * self.fit.H[i]
        baseline = float(self.fit.baseline([u], [i])[0])
        return {"baseline": baseline, "factors": factors,
                "score": float(np.clip(baseline + factors.sum(), *self.scale))}

    def top_items(self, factor: int, n: int = 5) -> list[str]:
        """The items loading most on ``factor`` (1-based): what the factor is about."""
        column = self.fit.H[:, factor - 1]
        order = np.argsort(-column, kind="stable")[:n]
        return [self.item_ids[j] for j in order if column[j] > 0]


def _fit(train: Ratings, k: int, reg: float, biased: bool, niter: int, seed: int):
    return fit_observed(train.users, train.items, train.values, train.shape, k, reg=reg,
                        biased=biased, niter=niter, seed=seed)


def _rmse(predicted, actual) -> float:
    return float(np.sqrt(np.mean(np.square(predicted - actual))))


def fit_recommender(train: Ratings, k=DEFAULT_K, *, reg: float | None = None,
                    biased: bool = True, niter: int = DEFAULT_NITER, seed: int = 0,
                    scale=None, ks=AUTO_KS, regs=AUTO_REGS,
                    folds: int = AUTO_FOLDS) -> Recommender:
    """Fit ``train``; ``k="auto"`` picks k from ``ks`` and λ from ``regs`` (or the
    given ``reg``) by ``folds``-fold cross-validation on ``train`` alone."""
    started = time.perf_counter()
    scale = check_scale(scale) or train.scale
    if scale[0] == scale[1]:
        scale = (scale[0] - 0.5, scale[1] + 0.5)
    scan, reg_curve = None, {}
    if isinstance(k, str):
        if k != "auto":
            raise ParameterError(f"k must be a whole number >= 1 or 'auto'; got {k!r}")
        regs = (reg,) if reg is not None else tuple(regs)
        k, reg, scan, reg_curve = _choose(train, ks, regs, biased, niter, seed, scale, folds)
    elif isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ParameterError(f"k must be a whole number >= 1 or 'auto'; got {k!r}")
    reg = DEFAULT_REG if reg is None else reg
    fit = _fit(train, int(k), reg, biased, niter, seed)
    baseline = _fit(train, 0, 0.0, True, niter, seed)
    return Recommender(fit=fit, baseline=baseline, user_ids=train.user_ids,
                       item_ids=train.item_ids, scale=scale, train=train, scan=scan,
                       reg_curve=reg_curve, fit_s=time.perf_counter() - started)


def _choose(train, ks, regs, biased, niter, seed, scale, folds):
    """Held-out RMSE of every (k, λ) on random folds of the training ratings."""
    ks = sorted({int(k) for k in ks})
    if not ks or ks[0] < 1:
        raise ParameterError(f"each k to try must be a whole number >= 1; got {ks}")
    rng = np.random.default_rng(seed)
    hidden = [rng.random(train.n_ratings) < AUTO_HOLDOUT for _ in range(folds)]
    cv = np.empty((len(ks), len(regs), folds))
    fit_rmse = np.empty((len(ks), len(regs)))
    for f, hide in enumerate(hidden):
        part = train.subset(~hide)
        baseline = _fit(part, 0, 0.0, True, niter, seed)  # the folds' cold-start baseline
        for a, k in enumerate(ks):
            for b, reg in enumerate(regs):
                model = Recommender(fit=_fit(part, k, reg, biased, niter, seed),
                                    baseline=baseline, user_ids=train.user_ids,
                                    item_ids=train.item_ids, scale=scale, train=part,
                                    fit_s=0.0)
                predicted, _ = model.predict_indices(train.users[hide], train.items[hide])
                cv[a, b, f] = _rmse(predicted, train.values[hide])
                if f == 0:
                    fit_rmse[a, b] = model.fit.train_rmse
    mean = cv.mean(axis=2)
    best_k, best_reg = np.unravel_index(np.argmin(mean), mean.shape)
    scan = KScan(ks=np.array(ks), fit_error=fit_rmse[:, best_reg], cv_error=mean[:, best_reg],
                 cv_std=cv[:, best_reg].std(axis=1))
    reg_curve = {float(r): float(mean[best_k, b]) for b, r in enumerate(regs)}
    return ks[best_k], float(regs[best_reg]), scan, reg_curve


def fit_and_evaluate(ratings: Ratings, *, k=DEFAULT_K, reg: float | None = None,
                     biased: bool = True, test_fraction: float = 0.2, seed: int = 0,
                     ks=AUTO_KS, regs=AUTO_REGS, folds: int = AUTO_FOLDS):
    """(model, figures): a random ``test_fraction`` held out, the rest fitted
    (``k="auto"`` chooses k and λ on it alone), the held-out figures of :func:`evaluate`."""
    train, test = split_random(ratings, test_fraction, seed)
    model = fit_recommender(train, k, reg=reg, biased=biased, seed=seed, ks=ks, regs=regs,
                            folds=folds)
    return model, evaluate(model, test, seed=seed)


# Splits ------------------------------------------------------------------------------

def split_random(ratings: Ratings, fraction: float = 0.2, seed: int = 0):
    """(train, test): a random ``fraction`` of the ratings held out."""
    _check_fraction(fraction)
    test = np.random.default_rng(seed).random(ratings.n_ratings) < fraction
    return ratings.subset(~test), ratings.subset(test)


def split_leave_n_out(ratings: Ratings, n: int = 1, seed: int = 0):
    """(train, test): ``n`` random ratings of every user with more than ``n`` held out."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"n must be a whole number >= 1; got {n!r}")
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(ratings.n_ratings), ratings.users))
    users = ratings.users[order]
    starts = np.searchsorted(users, users, side="left")
    rank = np.arange(users.size) - starts  # position of each rating in its user's shuffle
    counts = np.bincount(users, minlength=ratings.shape[0])[users]
    test = np.zeros(ratings.n_ratings, bool)
    test[order] = (rank < n) & (counts > n)
    return ratings.subset(~test), ratings.subset(test)


def split_by_time(ratings: Ratings, fraction: float = 0.2):
    """(train, test): the latest ``fraction`` of the ratings (by timestamp) held out."""
    _check_fraction(fraction)
    if ratings.timestamps is None:
        raise ParameterError("a split by time needs timestamps (a fourth field); this "
                             "file has none")
    order = np.argsort(ratings.timestamps, kind="stable")
    test = np.zeros(ratings.n_ratings, bool)
    test[order[ratings.n_ratings - int(round(fraction * ratings.n_ratings)):]] = True
    return ratings.subset(~test), ratings.subset(test)


def _check_fraction(fraction):
    if isinstance(fraction, bool) or not 0 < fraction < 1:
        raise ParameterError(f"the test fraction must be between 0 and 1; got {fraction!r}")


def align(test: Ratings, model: Recommender) -> tuple[np.ndarray, np.ndarray]:
    """The test ratings' user and item indices in the model (−1 where unknown)."""
    users = model._lookup(np.asarray(test.user_ids, dtype=object)[test.users], "user")
    items = model._lookup(np.asarray(test.item_ids, dtype=object)[test.items], "item")
    return users, items


# Evaluation ---------------------------------------------------------------------------

def baseline_predictions(model: Recommender, users, items) -> dict[str, np.ndarray]:
    """The four baselines' clipped predictions for index pairs (−1 = unknown)."""
    train = model.train
    mean = float(train.values.mean())

    def means(index, size, asked):
        counts = np.bincount(index, minlength=size)
        sums = np.bincount(index, weights=train.values, minlength=size)
        per = np.divide(sums, counts, out=np.full(size, mean), where=counts > 0)
        return np.where(asked >= 0, per[np.maximum(asked, 0)], mean)

    n, m = len(model.user_ids), len(model.item_ids)
    bias_only = Recommender(fit=model.baseline, baseline=model.baseline,
                            user_ids=model.user_ids, item_ids=model.item_ids,
                            scale=model.scale, train=train, fit_s=0.0)
    biases, _ = bias_only.predict_indices(users, items)
    raw = {"global mean": np.full(np.size(users), mean),
           "user mean": means(train.users, n, users),
           "item mean": means(train.items, m, items)}
    out = {name: np.clip(value, *model.scale) for name, value in raw.items()}
    out["user + item biases"] = biases
    return out


def evaluate(model: Recommender, test: Ratings, *, top_n: int = TOP_N,
             relevant=None, seed: int = 0) -> dict:
    """Held-out figures: ``rmse``, ``mae``, ``precision_at_n``/``recall_at_n`` (an
    item is relevant when its test rating ≥ ``relevant``, by default 75 % up the
    scale; each of up to :data:`EVAL_USERS` test users gets the top ``top_n`` of all
    items they did not rate in training), ``cold_start`` (test pairs with an unknown
    user or item) and ``baselines`` {name: rmse}."""
    users, items = align(test, model)
    predicted, cold = model.predict_indices(users, items)
    low, high = model.scale
    relevant = low + 0.75 * (high - low) if relevant is None else float(relevant)
    precision, recall = _precision_recall(model, users, items, test.values >= relevant,
                                          top_n, seed)
    return {"rmse": _rmse(predicted, test.values),
            "mae": float(np.mean(np.abs(predicted - test.values))),
            "precision_at_n": precision, "recall_at_n": recall, "top_n": top_n,
            "relevant_from": relevant, "cold_start": cold, "n_test": test.n_ratings,
            "baselines": {name: _rmse(p, test.values) for name, p in
                          baseline_predictions(model, users, items).items()},
            "predicted": predicted}


def _precision_recall(model, users, items, liked, top_n, seed):
    """Mean precision@N and recall@N over test users with a relevant test item."""
    warm_user = (users >= 0) & (model.train_counts("user")[np.maximum(users, 0)] > 0)
    keep = warm_user & (items >= 0) & liked
    candidates = np.unique(users[keep])
    if candidates.size == 0:
        return float("nan"), float("nan")
    if candidates.size > EVAL_USERS:
        candidates = np.sort(np.random.default_rng(seed).choice(candidates, EVAL_USERS,
                                                                replace=False))
    rated = _by_user(model.train.users, model.train.items, len(model.user_ids))
    wanted = _by_user(users[keep], items[keep], len(model.user_ids))
    precisions, recalls = [], []
    for start in range(0, candidates.size, 256):
        batch = candidates[start:start + 256]
        scores = _score_rows(model, batch)
        for row, u in zip(scores, batch, strict=True):
            row[rated(u)] = -np.inf
            top = np.argpartition(-row, min(top_n, row.size - 1))[:top_n]
            liked_items = wanted(u)
            hits = np.isin(top, liked_items).sum()
            precisions.append(hits / top_n)
            recalls.append(hits / liked_items.size)
    return float(np.mean(precisions)), float(np.mean(recalls))


def _by_user(users, items, n):
    """A function giving the items of one user, from (user, item) index pairs."""
    order = np.argsort(users, kind="stable")
    indptr = np.concatenate(([0], np.cumsum(np.bincount(users, minlength=n))))
    sorted_items = items[order]
    return lambda u: sorted_items[indptr[u]:indptr[u + 1]]


def _score_rows(model: Recommender, rows) -> np.ndarray:
    """Clipped predictions of every item for users with training ratings (len(rows), m);
    items without training ratings get the baseline's μ + user bias."""
    fit, base = model.fit, model.baseline
    rows = np.asarray(rows, np.intp)
    scores = np.einsum("uf,jf->uj", fit.W[rows], fit.H) if fit.k else np.zeros(
        (rows.size, fit.H.shape[0]))
    if fit.biased:
        scores += fit.global_mean + fit.user_bias[rows][:, None] + fit.item_bias[None, :]
    cold = model.train_counts("item") == 0
    scores[:, cold] = (base.global_mean + base.user_bias[rows])[:, None]
    return np.clip(scores, *model.scale, out=scores)
