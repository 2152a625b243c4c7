"""The one reader of (user, item, rating[, timestamp]) triples.

The same lines serve as (row, column, value) triples of a sparse matrix: a
"user" is a row id, an "item" a column id, a "rating" the stored value.

Layouts read (the delimiter and the header are detected from the first lines):

- MovieLens 100k ``u.data``: ``user<TAB>item<TAB>rating<TAB>timestamp``, no header;
- MovieLens ``ratings.csv``: a ``userId,movieId,rating,timestamp`` header, commas;
- MovieLens 1M ``ratings.dat``: ``user::item::rating::timestamp``;
- semicolon-, bar- or space-separated versions of these;
- Netflix Prize style: a line ``ITEM:`` opens each item's block of
  ``user,rating[,date]`` lines.

Ids may be any text (surrounding spaces are dropped); users and items are
numbered in order of first appearance.  A timestamp may be a number (seconds)
or a date; it is kept as seconds (float).  A fourth field with no number or
date in it (a comment, say) is ignored, with a note; fields after it always are.

Duplicates: when the same (user, item) pair occurs more than once, the *last*
line wins (a re-rating replaces the earlier one, as in a log) and
``Ratings.notes`` says how many were replaced and where the first was.

Every problem is one ``CSVFormatError`` line naming where it first occurs,
as a user counts: ``line 4`` (1-based physical line) and the field.

Limits: at most ``max_entries`` lines (:data:`DEFAULT_MAX_ENTRIES`, the
stored-entry limit for sparse input), checked from the raw bytes before
parsing; the byte limit follows from it (:data:`BYTES_PER_ENTRY` a line).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from .csvio import _decode, _line_breaks, _reject_binary, _shown
from .errors import CSVFormatError, ParameterError
from .importing import MIB, read_bytes

DEFAULT_MAX_ENTRIES = 20_000_000  # stored entries (ratings, triples) read at most
# The byte limit follows from the entry limit: 40 bytes a line is room for
# "user,item,rating,timestamp" with ten-character ids (MovieLens 20M's
# ratings.csv averages 27), rounded up to whole MiB: 763 MiB.
BYTES_PER_ENTRY = 40
DEFAULT_MAX_BYTES = -(-DEFAULT_MAX_ENTRIES * BYTES_PER_ENTRY // MIB) * MIB
_SAMPLE_LINES = 50
_UNIT_SEPARATOR = "\x1f"  # stands in for a two-character '::' delimiter
_NETFLIX_BLOCK = re.compile(r"^\s*([^,;\t|]+?)\s*:\s*$")


@dataclass(frozen=True, eq=False)
class Ratings:
    """Ratings read from a file.

    ``users``/``items`` (intp) index ``user_ids``/``item_ids``; ``values`` is
    float64; ``timestamps`` is float64 seconds or None.  Each (user, item) pair
    occurs once.  ``lines`` holds the 1-based file line of each kept rating.
    ``notes`` are one-line remarks on what the reader did (duplicates).
    """

    users: np.ndarray
    items: np.ndarray
    values: np.ndarray
    user_ids: tuple[str, ...]
    item_ids: tuple[str, ...]
    timestamps: np.ndarray | None = None
    lines: np.ndarray | None = None
    duplicates: int = 0
    notes: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.user_ids), len(self.item_ids)

    @property
    def n_ratings(self) -> int:
        return int(self.values.size)

    @property
    def scale(self) -> tuple[float, float]:
        """The lowest and highest rating present."""
        return float(self.values.min()), float(self.values.max())

    def subset(self, keep) -> Ratings:
        """The ratings where ``keep`` (a bool array or indices) selects, same ids."""
        def pick(array):
            return None if array is None else array[keep]

        return Ratings(users=self.users[keep], items=self.items[keep],
                       values=self.values[keep], user_ids=self.user_ids,
                       item_ids=self.item_ids, timestamps=pick(self.timestamps),
                       lines=pick(self.lines))


def from_arrays(users, items, values, timestamps=None) -> Ratings:
    """Ratings from in-memory ids and values (ids become text); the duplicate rule
    and the checks are the file reader's, with entry numbers for lines."""
    users, items = np.asarray(users), np.asarray(items)
    values = np.asarray(values, dtype=float)
    if not (users.shape == items.shape == values.shape) or users.ndim != 1:
        raise ParameterError(f"users, items and values must be 1-D of one length; got "
                             f"{users.shape}, {items.shape} and {values.shape}")
    lines = np.arange(1, values.size + 1)
    stamps = None if timestamps is None else np.asarray(timestamps, dtype=float)
    return _assemble(users.astype(str), items.astype(str), values, stamps, lines,
                     where="entry")


def load_ratings(source, *, scale=None, max_entries: int = DEFAULT_MAX_ENTRIES,
                 max_bytes: int | None = None) -> Ratings:
    """Read ratings triples from ``source`` (a path or a file-like object).

    ``scale=(low, high)`` rejects ratings outside it; None accepts any finite
    number.  See the module docstring for layouts, the duplicate rule and limits.
    """
    max_bytes = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    for name, value in (("max_entries", max_entries), ("max_bytes", max_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(f"{name} must be a whole number >= 1; got {value!r}")
    scale = check_scale(scale)
    raw = read_bytes(source, max_bytes)
    _reject_binary(raw)
    entries = _line_breaks(raw) + (not raw.endswith((b"\n", b"\r")))
    if entries > max_entries:
        raise CSVFormatError(f"the file has about {entries:,} lines, over the limit of "
                             f"{max_entries:,} ratings (max_entries)")
    text = _decode(raw)  # located error on bad UTF-8
    sample = [line for line in text[:1 << 16].splitlines() if line.strip()][:_SAMPLE_LINES]
    if not sample:
        raise CSVFormatError("the file is empty: there are no ratings to read")
    del text
    if _NETFLIX_BLOCK.match(sample[0]):
        ratings = _read_netflix(raw)
    else:
        ratings = _read_triples(raw, sample)
    if scale is not None:
        _check_scale_values(ratings, scale)
    return ratings


def check_scale(scale):
    """``scale`` as (low, high) floats with low < high, or None."""
    if scale is None:
        return None
    try:
        low, high = (float(s) for s in scale)
    except (TypeError, ValueError):
        raise ParameterError(f"scale must be two numbers (low, high); got {scale!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ParameterError(f"scale must be finite with low < high; got {scale!r}")
    return low, high


def _delimiter(sample: list[str]) -> str:
    """The delimiter splitting most sample lines into one number (>= 3) of fields;
    ties go to the order tab, '::', comma, semicolon, bar, spaces."""
    def split(line, delimiter):
        return line.split() if delimiter == " " else line.split(delimiter)

    best, best_share = None, 0.0
    for delimiter in ("\t", "::", ",", ";", "|", " "):
        widths = Counter(len(split(line, delimiter)) for line in sample)
        width, agreeing = widths.most_common(1)[0]
        if width >= 3 and agreeing / len(sample) > best_share:
            best, best_share = delimiter, agreeing / len(sample)
    if best is None:
        raise CSVFormatError(
            f"cannot find the fields of line 1 ({_shown(sample[0])}): a ratings line is user, "
            "item and rating (and an optional timestamp), separated by tabs, commas, "
            "semicolons, bars, '::' or spaces")
    return best


def _is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def _read_frame(raw: bytes, delimiter: str, header: int, fast: bool = False,
                names=None):
    """The fields as a DataFrame: ids as text; with ``fast`` the rating and timestamp
    as float64 and blank lines skipped (ValueError if a field is not a number),
    otherwise every field as text and blank lines kept (one row per line)."""
    import pandas as pd

    if delimiter == "::":
        raw, delimiter = raw.replace(b"::", _UNIT_SEPARATOR.encode()), _UNIT_SEPARATOR
    options = {"sep": r"\s+"} if delimiter == " " else {"sep": delimiter}
    dtype = {0: str, 1: str, 2: np.float64, 3: np.float64} if fast else str
    try:
        return pd.read_csv(io.BytesIO(raw), header=None, skiprows=header, dtype=dtype,
                           na_filter=False, skip_blank_lines=fast, encoding="utf-8-sig",
                           engine="c", names=names, **options)
    except pd.errors.ParserError as exc:
        detail = str(exc).split("C error: ")[-1].strip().rstrip(".")
        raise CSVFormatError(f"cannot split the file into fields: {detail}") from None
    except pd.errors.EmptyDataError:
        raise CSVFormatError("the file has a header line but no ratings") from None


def _read_triples(raw: bytes, sample: list[str]) -> Ratings:
    delimiter = _delimiter(sample)
    first = sample[0].split() if delimiter == " " else sample[0].split(delimiter)
    header = int(not _is_number(first[2].strip().strip('"')))
    try:
        frame = _read_frame(raw, delimiter, header, fast=True)
    except ValueError:  # a rating or timestamp that is not a number: located below
        frame = None
    lines_in_file = _line_breaks(raw) + (not raw.endswith((b"\n", b"\r")))
    if frame is not None and frame.shape[1] >= 3 and len(frame) + header == lines_in_file:
        # every line is a rating, so rows are lines; the common case, parsed in C
        lines = np.arange(header + 1, header + 1 + len(frame))
        values = frame[2].to_numpy(np.float64)
        stamps = frame[3].to_numpy(np.float64) if frame.shape[1] > 3 else None
        if np.isfinite(values).all() and (stamps is None or np.isfinite(stamps).all()):
            return _assemble(frame[0], frame[1], values, stamps, lines)
    frame = _read_frame(raw, delimiter, header)
    width = frame.shape[1]
    if width < 3:
        raise CSVFormatError(f"line {header + 1} has {width} field(s); a ratings line is "
                             "user, item and rating (and an optional timestamp)")
    lines = np.arange(header + 1, header + 1 + len(frame))
    cells = [frame[c].str.strip() for c in range(min(width, 4))]
    blank = np.all([(c.str.len() == 0).to_numpy() for c in cells[:3]], axis=0)
    if blank.any():
        keep = ~blank
        cells, lines = [c[keep] for c in cells], lines[keep]
    if lines.size == 0:
        raise CSVFormatError("the file has a header line but no ratings")
    empty = np.flatnonzero((cells[2].str.len() == 0).to_numpy())
    if empty.size:
        raise CSVFormatError(f"line {lines[empty[0]]} has no rating (field 3 is blank; "
                             f"{empty.size:,} in the file)")
    values = _numbers(cells[2], lines, "rating", 3)
    stamps, notes = None, ()
    if len(cells) > 3 and _any_time(cells[3]):
        stamps = _timestamps(cells[3], lines)
    elif len(cells) > 3:
        notes = ("field 4 holds neither numbers nor dates, so it is not a timestamp; it "
                 "was ignored",)
    ratings = _assemble(cells[0], cells[1], values, stamps, lines)
    return replace(ratings, notes=notes + ratings.notes)


def _any_time(cells) -> bool:
    """Whether any cell of the column reads as a number or a date."""
    import pandas as pd

    if pd.to_numeric(cells, errors="coerce").notna().any():
        return True
    filled = cells[cells.str.len() > 0]
    return bool(pd.to_datetime(filled, errors="coerce", format="mixed").notna().any())


def _read_netflix(raw: bytes) -> Ratings:
    frame = _read_frame(raw, ",", 0, names=range(3))
    cells = [frame[c].str.strip() for c in range(min(frame.shape[1], 3))]
    lines = np.arange(1, len(frame) + 1)
    empty = [(c.str.len() == 0).to_numpy() for c in cells]
    marker = empty[1] & cells[0].str.endswith(":").to_numpy()
    block = np.cumsum(marker) - 1
    block_items = cells[0][marker].str.rstrip(":").str.strip().to_numpy()
    rows = ~marker & ~np.all(empty, axis=0)
    values = _numbers(cells[1][rows], lines[rows], "rating", 2)
    stamps = _timestamps(cells[2][rows], lines[rows]) if len(cells) > 2 else None
    items = block_items[block[rows]]
    return _assemble(cells[0][rows], items, values, stamps, lines[rows])


def _numbers(cells, lines, name: str, field: int) -> np.ndarray:
    """The (stripped, text) cells as floats, or a located CSVFormatError at the first
    that is not a finite number."""
    import pandas as pd

    values = pd.to_numeric(cells, errors="coerce").to_numpy(np.float64, na_value=np.nan,
                                                           copy=True)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        t = bad[0]
        cell = str(cells.iloc[t])
        what = "not finite" if _is_number(cell) else "not a number"
        raise CSVFormatError(f"{name} {_shown(cell)} at line {lines[t]}, field {field} "
                             f"is {what} ({bad.size:,} in the file)")
    return values


def _timestamps(cells, lines) -> np.ndarray:
    """Seconds: numbers as they are, dates converted; a located error otherwise."""
    import pandas as pd

    values = pd.to_numeric(cells, errors="coerce").to_numpy(np.float64, na_value=np.nan,
                                                           copy=True)
    dates = np.isnan(values) & (cells.str.len() > 0).to_numpy()
    if dates.any():
        parsed = pd.to_datetime(cells[dates], errors="coerce", format="mixed")
        bad = np.flatnonzero(parsed.isna().to_numpy())
        if bad.size:
            t = np.flatnonzero(dates)[bad[0]]
            raise CSVFormatError(f"timestamp {_shown(str(cells.iloc[t]))} at line "
                                 f"{lines[t]} is neither a number of seconds nor a date")
        values[dates] = (parsed - pd.Timestamp(0)).dt.total_seconds().to_numpy()
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        t = bad[0]
        raise CSVFormatError(f"line {lines[t]} has no timestamp, but other lines do "
                             f"({bad.size:,} without); give every line one or none")
    return values


def _stripped(cells):
    import pandas as pd

    return pd.Series(np.asarray(cells, dtype=object) if not isinstance(cells, pd.Series)
                     else cells, copy=False).astype(str).str.strip()


def _assemble(user_cells, item_cells, values, stamps, lines, where: str = "line") -> Ratings:
    import pandas as pd

    user_cells, item_cells = _stripped(user_cells), _stripped(item_cells)
    for name, cells in (("user", user_cells), ("item", item_cells)):
        empty = np.flatnonzero((cells.str.len() == 0).to_numpy())
        if empty.size:
            raise CSVFormatError(f"{where} {lines[empty[0]]} has no {name} (its field is "
                                 f"blank; {empty.size:,} in the file)")
    users, user_ids = pd.factorize(user_cells)
    items, item_ids = pd.factorize(item_cells)
    users, items = users.astype(np.intp), items.astype(np.intp)
    m = len(item_ids)
    key = users.astype(np.int64) * m + items
    # the last occurrence of each pair: unique on the reversed keys
    _, last_reversed = np.unique(key[::-1], return_index=True)
    duplicates = key.size - last_reversed.size
    notes = ()
    if duplicates:
        keep = np.sort(key.size - 1 - last_reversed)
        first_dropped = np.setdiff1d(np.arange(key.size), keep, assume_unique=True)[0]
        later = np.flatnonzero(key == key[first_dropped])[-1]
        notes = (f"{duplicates:,} duplicate (user, item) pair(s): the last rating of each is "
                 f"kept; the first replaced is {where} {lines[first_dropped]} (user "
                 f"{_shown(str(user_ids[users[first_dropped]]))}, item "
                 f"{_shown(str(item_ids[items[first_dropped]]))}), replaced by {where} "
                 f"{lines[later]}",)
        users, items, values, lines = users[keep], items[keep], values[keep], lines[keep]
        stamps = None if stamps is None else stamps[keep]
    return Ratings(users=users, items=items, values=np.asarray(values, dtype=float),
                   user_ids=tuple(str(u) for u in user_ids),
                   item_ids=tuple(str(i) for i in item_ids), timestamps=stamps,
                   lines=np.asarray(lines), duplicates=int(duplicates), notes=notes)


def _check_scale_values(ratings: Ratings, scale) -> None:
    low, high = scale
    bad = np.flatnonzero((ratings.values < low) | (ratings.values > high))
    if bad.size:
        t = bad[0]
        raise CSVFormatError(f"rating {ratings.values[t]:g} at line {ratings.lines[t]} is "
                             f"outside the scale {low:g}..{high:g} ({bad.size:,} in the file)")
