"""A scikit-learn estimator over :func:`nmf_core.factorize`: ``from nmf_core.sklearn import NMF``.

scikit-learn is needed only by this module (``pip install "nmf-explorer[bench]"`` or
scikit-learn itself); nothing else in the package imports it.

Orientation follows scikit-learn: X (n_samples, n_features) ≈ W H with
W = ``transform(X)`` (n_samples, n_components) and H = ``components_``
(n_components, n_features); in the core's names W is A and H is S.

The parameters are generated from the parameter table (:mod:`nmf_core.params`):
``n_components`` is k, every other setting keeps the table's name, default and
help, so a setting added to the table appears here too.

float32 input is fitted and transformed in float32 (``nmf_core.factorize``'s
``dtype``); anything else in float64.

``transform`` and ``fit_transform`` both compute W by the same exact
non-negative least squares on the fitted components (:func:`nmf_core.project`),
so ``fit(X).transform(X)`` equals ``fit_transform(X)`` (scikit-learn's own NMF
returns the solver's last W from ``fit_transform`` and a new solve from
``transform``, which disagree: scikit-learn issue #18663).  That final exact
W-step can only lower the error of the factorization's last iterate.
"""

from __future__ import annotations

import inspect

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, check_non_negative, validate_data

from .factorize import factorize
from .params import PARAMS
from .project import project

# The settings taken from the table: all but k, which scikit-learn calls n_components.
TABLE_SETTINGS = tuple(name for name in PARAMS if name != "k")


def _signature() -> inspect.Signature:
    P = inspect.Parameter
    return inspect.Signature([
        P("self", P.POSITIONAL_OR_KEYWORD),
        P("n_components", P.POSITIONAL_OR_KEYWORD, default=None),
        *(P(name, P.KEYWORD_ONLY, default=PARAMS[name].default) for name in TABLE_SETTINGS),
    ])


def _docstring() -> str:
    k = PARAMS["k"]
    lines = [
        "Non-negative matrix factorization X ≈ W H as a scikit-learn transformer.",
        "",
        "Parameters (generated from nmf_core.params)",
        "----------",
        "n_components : int or None, default=None",
        f"    k. {k.help} None: min(n_samples, n_features).",
    ]
    for name in TABLE_SETTINGS:
        p = PARAMS[name]
        kind = "{" + ", ".join(p.choices) + "}" if p.choices else p.kind.__name__
        lines += [f"{name} : {kind}, default={p.default!r}", f"    {p.help}"]
    lines += [
        "",
        "Attributes",
        "----------",
        "components_ : (n_components, n_features), H (the core's S).",
        "n_components_ : the k used.",
        "reconstruction_err_ : ‖X − W H‖_F of the training data, W = fit_transform(X).",
        "relative_error_ : reconstruction_err_ / ‖X‖_F.",
        "n_iter_ : iterations run by the best restart.",
        "errors_ : the best restart's relative error after each iteration (errors_[0]: start).",
        "all_errors_ : every restart's curve.",
        "best_run_ : index of the best restart.",
        "result_ : the full nmf_core.NMFResult of the fit.",
        "n_features_in_, feature_names_in_ : as in scikit-learn.",
    ]
    return "\n".join(lines)


_SIGNATURE = _signature()


class NMF(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    __doc__ = _docstring()

    def __init__(self, *args, **kwargs):
        bound = _SIGNATURE.bind(self, *args, **kwargs)
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = _SIGNATURE  # what get_params, clone and help() read

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.requires_fit = True
        return tags

    def _validated(self, X, reset: bool):
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=reset)
        check_non_negative(X, f"{type(self).__name__} (input X)")
        return X

    def fit(self, X, y=None):
        """Fit the factorization to X (n_samples, n_features); y is ignored."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        """Fit, then return W = transform(X) (n_samples, n_components)."""
        X = self._validated(X, reset=True)
        k = min(X.shape) if self.n_components is None else PARAMS["k"].validate(
            self.n_components)
        settings = {name: getattr(self, name) for name in TABLE_SETTINGS}
        result = factorize(X, k, **settings)
        self.result_ = result
        self.components_ = result.S
        self.n_components_ = self._n_features_out = k
        self.n_iter_ = result.n_iter
        self.errors_, self.all_errors_ = result.errors, result.all_errors
        self.best_run_ = result.best_run
        W = self._coefficients(X)
        self.reconstruction_err_ = float(np.linalg.norm(X - W @ self.components_))
        self.relative_error_ = self.reconstruction_err_ / float(np.linalg.norm(X))
        return W

    def transform(self, X):
        """W ≥ 0 minimising the fitted loss between X and W components_, row by row
        (exact NNLS for the Frobenius loss, multiplicative updates to convergence for
        another β: :func:`nmf_core.project`)."""
        check_is_fitted(self)
        return self._coefficients(self._validated(X, reset=False))

    def _coefficients(self, X):
        if self.nonnegative:
            return project(X, S=self.components_, loss=self.loss)
        # the unconstrained model (nonnegative=False): plain least squares
        return np.linalg.lstsq(self.components_.T, X.T, rcond=None)[0].T.astype(
            self.components_.dtype)

    def inverse_transform(self, X):
        """W (n_samples, n_components) back to the data space: W components_."""
        check_is_fitted(self)
        W = check_array(X, dtype=[np.float64, np.float32])
        if W.shape[1] != self.n_components_:
            raise ValueError(f"inverse_transform needs a matrix with {self.n_components_} "
                             f"columns (n_components); got shape {W.shape}")
        return W @ self.components_
