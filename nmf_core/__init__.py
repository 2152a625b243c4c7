"""NMF Explorer's solver package: pure numpy, no UI imports.

>>> from nmf_core import factorize, factory_example
>>> result = factorize(factory_example().X, k=3, method="hals", seed=1)
"""

from .errors import CSVFormatError, MatrixError, NMFInputError, ParameterError, TimeLimitError
from .factorize import check_matrix, factorize
from .params import DEFAULTS, METHODS, PARAMS, validate_params
from .project import project
from .result import NMFResult, Snapshots

__all__ = [
    "CSVFormatError", "DEFAULTS", "METHODS", "MatrixError", "NMFInputError", "NMFResult",
    "PARAMS", "ParameterError", "Snapshots", "TimeLimitError", "check_matrix", "factorize",
    "project", "validate_params",
]
