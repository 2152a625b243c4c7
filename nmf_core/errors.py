"""Error types raised at the package boundary.

Every problem with a user's input (a CSV, a parameter, a matrix) is an
``NMFInputError``; it is a ``ValueError`` so callers that only know about
``ValueError`` still catch it.  Messages are one line and say what is wrong and
where.
"""


class NMFInputError(ValueError):
    """Base class for every input problem the package reports.

    The message is always one line: a multi-line part (such as the repr of an
    array given where a number belongs) is joined onto it with spaces.
    """

    def __init__(self, message: object = "", *args: object):
        text = str(message)
        super().__init__(" ".join(text.split()) if "\n" in text else message, *args)


class ParameterError(NMFInputError):
    """A parameter is out of its declared range or of the wrong type."""


class CSVFormatError(NMFInputError):
    """A CSV could not be read as a finite, non-negative numeric matrix."""


class MatrixError(NMFInputError):
    """A matrix cannot be factored (wrong shape, negative, non-finite, all zero)."""


class MatrixFileError(CSVFormatError):
    """A matrix file other than a CSV (Matrix Market, scipy .npz, triples) could not be read.

    A ``CSVFormatError``, so every caller of the loaders catches one type."""


class TimeLimitError(ParameterError):
    """The time cap (``max_seconds``) cannot give a result with these settings: one
    iteration is estimated far over it, or it passed before the run's start was ready.
    The message names the setting to lower."""
