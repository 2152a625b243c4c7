"""The results bundle (A, S, AS, errors.csv, settings.json), written all or nothing."""

import errno
import hashlib
import io
import json
import zipfile

import pytest

from nmf_core import bundle, factorize
from nmf_core.bundle import BUNDLE_FILES, BundleWriteError, bundle_files, write_bundle, zip_bundle
from nmf_core.csvio import load_csv

DATA = b"name,a,b,c\nx,1,2,0\ny,3,4,1\nz,0,1,5\n"


@pytest.fixture
def run():
    loaded = load_csv(io.BytesIO(DATA), scale="max")
    result = factorize(loaded.values, 2, "hals", niter=30, reinit=2, seed=3)
    return result, loaded


def test_files_hold_labels_the_label_header_and_every_setting(run):
    result, loaded = run
    files = bundle_files(result, loaded, source="x.csv", import_settings={"scale": "max"})
    assert tuple(files) == BUNDLE_FILES
    A = load_csv(io.BytesIO(files["A.csv"]))
    assert A.row_labels == ("x", "y", "z") and A.label_header == "name"
    assert A.col_labels == ("factor 1", "factor 2") and (A.values == result.A).all()
    AS = load_csv(io.BytesIO(files["AS.csv"]))
    assert AS.label_header == "name" and AS.col_labels == ("a", "b", "c")
    S = load_csv(io.BytesIO(files["S.csv"]))
    assert (S.values == result.S).all() and S.row_labels == ("factor 1", "factor 2")
    errors = files["errors.csv"].decode().splitlines()
    assert errors[0] == "iteration,best,restart 1,restart 2" and len(errors) == 32
    settings = json.loads(files["settings.json"])
    assert settings["input"]["sha256"] == hashlib.sha256(DATA).hexdigest()
    assert settings["import_settings"] == {"scale": "max"}
    assert settings["params"]["seed"] == settings["seed"] == 3
    assert settings["params"]["niter"] == 30 and settings["cut_short"] is False
    assert settings["column_scale"] == [3.0, 4.0, 5.0]
    assert settings["nmf_core_version"] and settings["best_restart"] == result.best_run + 1


def test_a_cut_short_run_says_so(run):
    _, loaded = run
    result = factorize(loaded.values, 2, "hals", niter=10**5, reinit=1, max_seconds=0.01)
    settings = json.loads(bundle_files(result, loaded, source="x")["settings.json"])
    assert settings["cut_short"] is True


def test_the_zip_holds_the_same_bytes(run):
    files = bundle_files(*run, source="x.csv")
    with zipfile.ZipFile(io.BytesIO(zip_bundle(files))) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == {
            f"nmf_results/{n}": data for n, data in files.items()}


def test_write_bundle_creates_the_folder(run, tmp_path):
    files = bundle_files(*run, source="x.csv")
    write_bundle(tmp_path / "out", files)
    assert {p.name for p in (tmp_path / "out").iterdir()} == set(BUNDLE_FILES)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left


@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_write_leaves_no_partial_set_and_names_the_file(run, tmp_path, monkeypatch,
                                                                 existing):
    files = bundle_files(*run, source="x.csv")
    out = tmp_path / "out"
    if existing:
        out.mkdir()
        (out / "A.csv").write_text("old")
    real_open = open

    def failing_open(path, *args, **kwargs):
        if str(path).endswith("S.csv"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(bundle, "open", failing_open, raising=False)
    with pytest.raises(BundleWriteError, match=r"cannot write .*out/S\.csv: No space left"):
        write_bundle(out, files)
    with pytest.raises(BundleWriteError) as info:
        write_bundle(out, files)
    assert info.value.path == out / "S.csv" and info.value.reason == "No space left on device"
    if existing:
        assert [p.name for p in out.iterdir()] == ["A.csv"]
        assert (out / "A.csv").read_text() == "old"
    else:
        assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == (["out"] if existing else [])
