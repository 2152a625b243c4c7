"""The ratings-triples reader: layouts detected, one rule for duplicates, located errors."""


import numpy as np
import pytest
from loader_support import as_file, one_line_error

from nmf_core import ratings as ratings_module
from nmf_core.errors import ParameterError
from nmf_core.ratings import DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES, from_arrays, load_ratings


def load(data, **options):
    return load_ratings(as_file(data), **options)


def error(data, **options) -> str:
    return one_line_error(load, data, **options)


@pytest.mark.parametrize("text", [
    "196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t377\t1\t878887116\n",  # u.data
    "userId,movieId,rating,timestamp\n196,242,3,881250949\n186,302,3.0,891717742\n"
    "196,377,1,878887116\n",  # ratings.csv
    "196::242::3::881250949\n186::302::3::891717742\n196::377::1::878887116\n",  # ratings.dat
    "196;242;3;881250949\r\n186;302;3;891717742\r\n196;377;1;878887116\r\n",
    "196 242  3 881250949\n186 302 3 891717742\n196 377 1 878887116\n",
    "\ufeffuser|item|rating|time\n196|242|3|881250949\n186|302|3|891717742\n196|377|1|878887116",
])
def test_movielens_layouts(text):
    r = load(text)
    assert r.user_ids == ("196", "186") and r.item_ids == ("242", "302", "377")
    np.testing.assert_array_equal(r.users, [0, 1, 0])
    np.testing.assert_array_equal(r.items, [0, 1, 2])
    np.testing.assert_array_equal(r.values, [3, 3, 1])
    np.testing.assert_array_equal(r.timestamps, [881250949, 891717742, 878887116])
    assert r.shape == (2, 3) and r.n_ratings == 3 and r.notes == ()


def test_netflix_style_blocks_and_dates():
    r = load("1:\n1488844,3,2005-09-06\n822109,5,2005-05-13\n2:\n1488844,4,2005-09-07\n")
    assert r.item_ids == ("1", "2") and r.user_ids == ("1488844", "822109")
    np.testing.assert_array_equal(r.items, [0, 0, 1])
    np.testing.assert_array_equal(r.values, [3, 5, 4])
    assert r.timestamps[2] - r.timestamps[0] == 86400
    np.testing.assert_array_equal(r.lines, [2, 3, 5])


def test_ids_are_any_text_and_blank_lines_are_skipped():
    r = load("user,item,rating\n ann , The Matrix (1999),5\n\nbob,Up,3\nann,Up,4.5\n")
    assert r.user_ids == ("ann", "bob") and r.item_ids == ("The Matrix (1999)", "Up")
    np.testing.assert_array_equal(r.lines, [2, 4, 5])
    assert r.timestamps is None


def test_duplicates_keep_the_last_rating_and_are_counted():
    r = load("a,x,1\nb,y,2\na,x,5\nb,y,3\nc,z,1\n")
    assert r.duplicates == 2
    assert r.n_ratings == 3
    got = {(r.user_ids[u], r.item_ids[i]): v
           for u, i, v in zip(r.users, r.items, r.values, strict=True)}
    assert got == {("a", "x"): 5, ("b", "y"): 3, ("c", "z"): 1}
    assert r.notes == ("2 duplicate (user, item) pair(s): the last rating of each is kept; "
                       "the first replaced is line 1 (user 'a', item 'x'), replaced by "
                       "line 3",)


@pytest.mark.parametrize("text, message", [
    ("a,x,1\nb,y,two\nc,z,3\n", "rating 'two' at line 2, field 3 is not a number (1 in"),
    ("a,x,1\n\nb,y,nan\n", "rating 'nan' at line 3, field 3 is not finite"),
    ("a,x,1\nb,y\n", "line 2 has no rating (field 3 is blank"),
    ("a,x,1\nb,,2\n", "line 2 has no item (its field is blank; 1 in the file)"),
    ("a,x,1\n ,y,2\n", "line 2 has no user"),
    ("a,x,1\nb,y,2,3,4\n", "Expected 3 fields in line 2, saw 5"),
    ("a,x,1,5\nb,y,2,soon\n", "timestamp 'soon' at line 2 is neither"),
    ("a,x,1,5\nb,y,2\n", "line 2 has no timestamp, but other lines do"),
    ("a-b\nc-d\n", "cannot find the fields of line 1 ('a-b')"),
    ("just one field\nanother\n", "line 2 has 1 field(s); a ratings line is user, item"),
    ("\n \n", "the file is empty"),
    ("user,item,rating\n", "header line but no ratings"),
    (b"PK\x03\x04rest", "not a text CSV (it looks like a ZIP archive"),
    (b"a,x,1\nb,y,\xff\n", "not UTF-8 text: invalid byte 0xFF at line 2"),
])
def test_bad_input_is_one_located_line(text, message):
    assert message in error(text)


def test_ratings_outside_the_scale_are_located():
    assert error("a,x,1\nb,y,6\nc,z,0\n", scale=(1, 5)) == (
        "rating 6 at line 2 is outside the scale 1..5 (2 in the file)")
    assert load("a,x,1\nb,y,5\n", scale=(1, 5)).scale == (1.0, 5.0)
    with pytest.raises(ParameterError, match="low < high"):
        load("a,x,1\n", scale=(5, 1))


def test_limits_follow_the_entry_limit():
    assert DEFAULT_MAX_BYTES >= DEFAULT_MAX_ENTRIES * ratings_module.BYTES_PER_ENTRY
    assert "over the limit of 2 ratings (max_entries)" in error("a,x,1\nb,y,2\nc,z,3\n",
                                                                max_entries=2)
    assert "over the limit of 10 bytes" in error("a,x,1\nb,y,2\n", max_bytes=10)
    with pytest.raises(ParameterError):
        load("a,x,1\n", max_entries=0)


def test_from_arrays_applies_the_same_rules():
    r = from_arrays([1, 2, 1], ["x", "y", "x"], [3.0, 4.0, 5.0])
    assert r.user_ids == ("1", "2") and r.duplicates == 1 and "entry 1" in r.notes[0]
    np.testing.assert_array_equal(r.values, [4.0, 5.0])


def test_subset_keeps_the_ids():
    r = load("a,x,1\nb,y,2\nc,z,3\n")
    part = r.subset(r.values > 1)
    assert part.user_ids == r.user_ids and part.n_ratings == 2
    np.testing.assert_array_equal(part.lines, [2, 3])


def test_a_fourth_field_that_is_no_timestamp_is_ignored_with_a_note():
    r = load("a,x,1,great\nb,y,2,meh\n")
    assert r.timestamps is None and r.n_ratings == 2
    assert r.notes == ("field 4 holds neither numbers nor dates, so it is not a timestamp; "
                       "it was ignored",)
    r = load("a,x,1,5,comment\nb,y,2,6,other\n")  # a fifth field is never read
    assert r.timestamps.tolist() == [5.0, 6.0]
