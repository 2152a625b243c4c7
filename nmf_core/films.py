"""A synthetic "films" ratings set: named genres, users with planted tastes.

Each film has a main genre (weight 1) and, for some, a second one (weight 0.5):
its row of ``profiles``.  Each user has a taste for each genre (mostly for one
or two): their row of ``tastes``.  A rating on the 1–5 star scale is

    round(1.5 + 3 · taste·profile / max + user generosity + film quality + noise),

clipped to 1..5.  Which films a user rated is skewed as in real data: a few
users rate many films and a few films get most ratings (a Zipf-like popularity).
So NMF with k = the number of genres should find the genres as its factors.
Settings are declared once in :data:`FILMS_PARAMS` (generator and sliders).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ParameterError
from .params import PARAMS, Param
from .ratings import DEFAULT_MAX_ENTRIES, Ratings, from_arrays

GENRES = ("Action", "Comedy", "Drama", "Romance", "Sci-Fi", "Horror", "Animation",
          "Documentary")
SCALE = (1.0, 5.0)

FILMS_PARAMS: dict[str, Param] = {p.name: p for p in (
    Param("users", int, 300, "Users in the synthetic films set.", low=2, high=100_000,
          ui_low=20, ui_high=2000),
    Param("films", int, 200, "Films in the synthetic films set.", low=2, high=20_000,
          ui_low=20, ui_high=1000),
    Param("density", float, 0.1, "Share of (user, film) pairs that have a rating.",
          low=0.001, high=0.9, ui_low=0.01, ui_high=0.5),
    Param("noise", float, 0.5, "Standard deviation of the noise on each rating, in stars.",
          low=0.0, high=3.0, ui_high=2.0),
    Param("genres", int, 5, "Genres the films are made of (the planted k).", low=1,
          high=len(GENRES)),
    Param("seed", int, 0, "Random seed of the data set.", low=0,
          high=PARAMS["seed"].high, ui_high=PARAMS["seed"].slider_high),
)}


@dataclass(frozen=True, eq=False)
class Films:
    """The ratings, the planted ``tastes`` (users × genres) and ``profiles``
    (films × genres), in the rows of ``ratings.user_ids``/``item_ids``."""

    ratings: Ratings
    tastes: np.ndarray
    profiles: np.ndarray
    genres: tuple[str, ...]
    noise: float


def planted_ratings(n: int, m: int, n_ratings: int, genres: int = 5, noise: float = 0.5,
                    seed: int = 0, popularity: float = 0.8):
    """(rows, cols, stars, tastes, profiles, main genre of each film): ``n_ratings``
    distinct (user, film) index pairs drawn by activity × appeal, rated as the
    module docstring says.  The engine of :func:`films`, without ids (for large
    benchmark sets)."""
    rng = np.random.default_rng(seed)
    g = genres
    main = rng.integers(0, g, m)
    profiles = np.zeros((m, g))
    profiles[np.arange(m), main] = 1.0
    second = rng.random(m) < 0.3
    profiles[np.flatnonzero(second), rng.integers(0, g, m)[second]] += 0.5
    tastes = rng.gamma(0.4, 1.0, (n, g))
    tastes /= np.maximum(tastes.max(axis=1, keepdims=True), 1e-12)
    generosity = 0.3 * rng.standard_normal(n)
    quality = 0.3 * rng.standard_normal(m)

    activity = rng.lognormal(0.0, 0.8, n)
    appeal = 1.0 / np.arange(1, m + 1) ** popularity
    appeal = appeal[rng.permutation(m)]
    keys = np.empty(0, np.int64)
    for _ in range(20):  # draw pairs by activity × appeal until enough are distinct
        draw = int(1.3 * (n_ratings - keys.size)) + 16
        fresh = (rng.choice(n, draw, p=activity / activity.sum()).astype(np.int64) * m
                 + rng.choice(m, draw, p=appeal / appeal.sum()))
        keys = np.sort(np.concatenate([keys, fresh]))  # distinct, by sorting (fast)
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
        if keys.size >= n_ratings:
            break
    keys = np.sort(rng.permutation(keys)[:n_ratings])
    rows, cols = np.divmod(keys, m)
    affinity = np.einsum("tg,tg->t", tastes[rows], profiles[cols]) / 1.5
    stars = (1.5 + 3.0 * affinity + generosity[rows] + quality[cols]
             + noise * rng.standard_normal(rows.size))
    stars = np.clip(np.round(stars), *SCALE)
    return rows, cols, stars, tastes, profiles, main


def films(users: int = 300, films: int = 200, density: float = 0.1, noise: float = 0.5,
          genres: int = 5, seed: int = 0, popularity: float = 0.8) -> Films:
    """The synthetic films set (see the module docstring); ``popularity`` is the
    Zipf exponent of how often a film is rated (0 = uniform)."""
    values = {name: FILMS_PARAMS[name].validate(v) for name, v in (
        ("users", users), ("films", films), ("density", density), ("noise", noise),
        ("genres", genres), ("seed", seed))}
    n, m, g = values["users"], values["films"], values["genres"]
    wanted = int(round(values["density"] * n * m))
    if wanted > DEFAULT_MAX_ENTRIES:
        raise ParameterError(f"{wanted:,} ratings is over the limit of "
                             f"{DEFAULT_MAX_ENTRIES:,}; lower density, users or films")
    rows, cols, stars, tastes, profiles, main = planted_ratings(
        n, m, max(wanted, 1), g, values["noise"], values["seed"], popularity)
    titles = np.array([f"{GENRES[main[j]]} #{j + 1}" for j in range(m)], dtype=object)
    names = np.array([f"user {i + 1}" for i in range(n)], dtype=object)
    ratings = from_arrays(names[rows], titles[cols], stars)
    # rows of the planted factors in the ratings' id order (first appearance)
    user_rows = np.array([int(u.split()[1]) - 1 for u in ratings.user_ids])
    film_rows = np.array([int(t.rsplit("#", 1)[1]) - 1 for t in ratings.item_ids])
    return Films(ratings=ratings, tastes=tastes[user_rows], profiles=profiles[film_rows],
                 genres=GENRES[:g], noise=values["noise"])
