"""The recommender: planted tastes found, honest held-out figures, cold start, top-N."""

import numpy as np
import pytest

from nmf_core.errors import ParameterError
from nmf_core.films import FILMS_PARAMS, films
from nmf_core.metrics import match_factors
from nmf_core.ratings import from_arrays
from nmf_core.recommend import (
    BASELINES,
    evaluate,
    fit_recommender,
    split_by_time,
    split_leave_n_out,
    split_random,
)


@pytest.fixture(scope="module")
def planted():
    data = films(400, 300, 0.15, noise=0.3, genres=4, seed=3)
    train, test = split_random(data.ratings, 0.2, seed=0)
    return data, train, test, fit_recommender(train, 4, reg=0.03, niter=100)


def test_the_model_beats_every_baseline_and_finds_the_genres(planted):
    data, train, test, model = planted
    figures = evaluate(model, test)
    assert set(figures["baselines"]) == set(BASELINES)
    assert figures["rmse"] < 0.8 * min(figures["baselines"].values())
    assert 0 < figures["mae"] < figures["rmse"]
    assert 0 < figures["precision_at_n"] <= 1 and 0 < figures["recall_at_n"] <= 1
    # each factor is one genre: the films' planted profiles are matched
    assert match_factors(data.profiles, model.fit.H).similarity.min() > 0.85
    assert match_factors(data.tastes, model.fit.W).mean_similarity > 0.8


def test_predictions_are_clipped_to_the_scale(planted):
    _, train, _, model = planted
    users = np.repeat(train.user_ids[:40], 30)
    items = np.tile(train.item_ids[:30], 40)
    predicted = model.predict(users, items)
    assert predicted.min() >= 1 and predicted.max() <= 5
    assert model.scale == (1.0, 5.0)


def test_cold_start_gets_the_baseline_and_is_counted(planted):
    _, train, _, model = planted
    item = train.item_ids[0]
    predicted = model.predict(["nobody", "nobody", train.user_ids[0]], [item, "no film", item])
    assert model.last_cold_start == 2
    base = model.baseline
    np.testing.assert_allclose(predicted[0], np.clip(base.global_mean + base.item_bias[0], 1, 5))
    np.testing.assert_allclose(predicted[1], np.clip(base.global_mean, 1, 5))
    test = from_arrays(["nobody", train.user_ids[1]], [item, item], [3.0, 4.0])
    assert evaluate(model, test)["cold_start"] == 1


def test_recommend_ranks_unrated_films_and_names_their_factor(planted):
    _, train, _, model = planted
    user = train.user_ids[5]
    top = model.recommend(user, 8)
    assert len(top) == 8
    scores = [entry["score"] for entry in top]
    assert scores == sorted(scores, reverse=True)
    rated = {train.item_ids[i] for i in train.items[train.users == 5]}
    assert not rated & {entry["item"] for entry in top}
    everything = model.recommend(user, 8, exclude_rated=False)
    assert everything[0]["score"] >= top[0]["score"]
    for entry in top:
        explained = model.explain(user, entry["item"])
        assert entry["factor"] == int(np.argmax(explained["factors"])) + 1
        assert explained["score"] == pytest.approx(entry["score"])
        raw = model.fit.predict([5], [model.item_ids.index(entry["item"])])[0]
        assert explained["baseline"] + explained["factors"].sum() == pytest.approx(raw)
    assert model.top_items(top[0]["factor"], 3)
    with pytest.raises(ParameterError, match="no training rating"):
        model.recommend("nobody")


def test_auto_chooses_k_and_reg_on_the_training_ratings_only():
    data = films(150, 100, 0.3, noise=0.3, genres=3, seed=1)
    train, test = split_random(data.ratings, 0.2, seed=0)
    model = fit_recommender(train, "auto", ks=(1, 3, 6), regs=(0.03, 0.3), niter=40)
    assert model.scan is not None and list(model.scan.ks) == [1, 3, 6]
    assert model.k == model.scan.best_k and model.k > 1
    assert set(model.reg_curve) == {0.03, 0.3}
    assert model.reg == min(model.reg_curve, key=model.reg_curve.get)
    # the same call on the same training ratings, whatever the test set
    again = fit_recommender(train, "auto", ks=(1, 3, 6), regs=(0.03, 0.3), niter=40)
    np.testing.assert_array_equal(model.scan.cv_error, again.scan.cv_error)


def test_splits():
    stamps = np.arange(12.0)
    ratings = from_arrays(list("aaaabbbbcccd"), list("wxyzwxyzwxyw"), np.ones(12) * 3, stamps)
    train, test = split_leave_n_out(ratings, 2, seed=0)
    assert np.bincount(test.users, minlength=4).tolist() == [2, 2, 2, 0]  # d has one rating
    assert train.n_ratings + test.n_ratings == 12
    train, test = split_by_time(ratings, 0.25)
    assert sorted(test.timestamps) == [9.0, 10.0, 11.0]
    train, test = split_random(ratings, 0.5, seed=1)
    assert train.n_ratings + test.n_ratings == 12 and train.user_ids == ratings.user_ids
    with pytest.raises(ParameterError, match="timestamps"):
        split_by_time(from_arrays(["a"], ["x"], [1.0]))
    with pytest.raises(ParameterError, match="between 0 and 1"):
        split_random(ratings, 1.0)


@pytest.mark.parametrize("k", [0, "five", 2.5])
def test_bad_k_is_a_parameter_error(k):
    ratings = from_arrays(["a", "b"], ["x", "y"], [1.0, 2.0])
    with pytest.raises(ParameterError, match="k must be"):
        fit_recommender(ratings, k)


def test_films_settings_are_declared_once():
    data = films(**{name: p.default for name, p in FILMS_PARAMS.items()})
    assert data.ratings.shape[0] <= FILMS_PARAMS["users"].default
    assert data.ratings.values.min() >= 1 and data.ratings.values.max() <= 5
    with pytest.raises(ParameterError):
        films(users=1)


def test_recall_over_the_whole_catalogue_is_one(planted):
    _, train, test, model = planted
    figures = evaluate(model, test, top_n=len(train.item_ids))
    assert figures["recall_at_n"] == pytest.approx(1.0)  # every unrated item is listed
    assert figures["relevant_from"] == 4.0  # 75 % up the 1–5 scale
    few = evaluate(model, test, top_n=5)
    assert few["recall_at_n"] < 1 and few["precision_at_n"] > 0
