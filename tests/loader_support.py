"""Helpers for the file-reader tests (test_csvio, test_ratings): text or bytes as
an uploaded file, and the one-line message a reader refuses it with."""

from __future__ import annotations

import io

import pytest

from nmf_core.errors import CSVFormatError


def as_file(data: str | bytes) -> io.BytesIO:
    """``data`` as the binary file an upload or ``open(..., "rb")`` gives."""
    return io.BytesIO(data.encode() if isinstance(data, str) else data)


def one_line_error(load, data, **options) -> str:
    """The CSVFormatError message ``load(data, **options)`` raises, checked to be one line."""
    with pytest.raises(CSVFormatError) as info:
        load(data, **options)
    message = str(info.value)
    assert "\n" not in message
    return message
