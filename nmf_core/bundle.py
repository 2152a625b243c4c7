"""The results bundle: every file a run is archived and cited with.

One function makes the files, so the CLI's ``--out DIR`` and the app's
"Download all" zip hold the same bytes:

- ``A.csv`` (n × k), ``S.csv`` (k × m) and ``AS.csv`` (n × m), with the input's
  row and column labels and the header above its label column;
- ``errors.csv``: the relative error after each iteration, of the best restart
  and of every restart (restarts numbered from 1, as the CLI's text says);
- ``settings.json``: the nmf_core version, every parameter of the run (seed
  included), the import settings, whether the run was cut short, and the
  SHA-256 of the input's bytes.

:func:`write_bundle` writes them into a temporary folder beside the target and
moves them in only when all are written, so a failure leaves no partial set
and names the file it could not write.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .csvio import to_csv_bytes

BUNDLE_FILES = ("A.csv", "S.csv", "AS.csv", "errors.csv", "settings.json")


class BundleWriteError(OSError):
    """A bundle file could not be written; the message names it (``path``, ``reason``)."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"cannot write {path}: {reason}")
        self.path, self.reason = path, reason


def nmf_core_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("nmf-explorer")
    except PackageNotFoundError:
        return "unknown"


def errors_csv(result) -> bytes:
    """iteration, best, restart 1, restart 2, ...: one line per iteration (blank where
    a restart had stopped)."""
    n = max(len(c) for c in result.all_errors)
    lines = ["iteration,best," + ",".join(f"restart {r + 1}"
                                          for r in range(len(result.all_errors)))]
    for t in range(n):
        best = repr(float(result.errors[t])) if t < len(result.errors) else ""
        cells = [repr(float(c[t])) if t < len(c) and np.isfinite(c[t]) else ""
                 for c in result.all_errors]
        lines.append(",".join([str(t), best, *cells]))
    return ("\n".join(lines) + "\n").encode()


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def settings_json(result, loaded, *, source: str, import_settings: dict | None = None) -> bytes:
    params = {name: value for name, value in result.params.items()
              if not isinstance(value, np.ndarray)}
    document = {
        "nmf_core_version": nmf_core_version(),
        "input": {"source": source, "sha256": getattr(loaded, "sha256", None),
                  "shape": list(loaded.values.shape)},
        "import_settings": import_settings or {},
        "column_scale": getattr(loaded, "column_scale", None),
        "params": params,
        "seed": result.params.get("seed"),
        "cut_short": bool(result.truncated),
        "success": bool(result.success),
        "message": result.message,
        "rel_error": float(result.rel_error),
        "n_iter": int(result.n_iter),
        "best_restart": int(result.best_run) + 1,
        "elapsed_s": float(result.elapsed_s),
    }
    return (json.dumps(_jsonable(document), indent=2, allow_nan=False) + "\n").encode()


def bundle_files(result, loaded, *, source: str,
                 import_settings: dict | None = None) -> dict[str, bytes]:
    """The bundle's files by name (see the module docstring)."""
    factors = tuple(f"factor {i + 1}" for i in range(result.A.shape[1]))
    rows, cols = loaded.row_labels, loaded.col_labels
    corner = getattr(loaded, "label_header", None) or ""
    files = {
        "A.csv": to_csv_bytes(result.A, rows, factors, corner=corner),
        "S.csv": to_csv_bytes(result.S, factors, cols),
        "AS.csv": to_csv_bytes(result.approximation, rows, cols, corner=corner),
        "errors.csv": errors_csv(result),
        "settings.json": settings_json(result, loaded, source=source,
                                       import_settings=import_settings),
    } if isinstance(loaded.values, np.ndarray) else None
    if files is None:  # a sparse X: A S would be n×m, so the bundle leaves it out
        files = {
            "A.csv": to_csv_bytes(result.A, rows, factors, corner=corner),
            "S.csv": to_csv_bytes(result.S, factors, cols),
            "errors.csv": errors_csv(result),
            "settings.json": settings_json(result, loaded, source=source,
                                           import_settings=import_settings),
        }
    return files


def zip_bundle(files: dict[str, bytes], folder: str = "nmf_results") -> bytes:
    """The files in one zip, under ``folder/``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(f"{folder}/{name}", data)
    return out.getvalue()


def write_bundle(folder: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` into ``folder`` all or nothing.

    They go into a temporary folder beside ``folder`` first; only when every
    file is written are they moved in (the folder renamed into place when it
    does not exist yet, else each file replaced).  Any failure removes the
    temporary folder, leaves ``folder`` as it was, and raises BundleWriteError
    naming the file.
    """
    folder = Path(folder)
    target = folder / "?"
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    except OSError as exc:
        raise BundleWriteError(folder, exc.strerror or str(exc)) from exc
    try:
        for name, data in files.items():
            target = folder / name
            with open(staging / name, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
        target = folder
        if not folder.exists():
            os.rename(staging, folder)
            return
        for name in files:
            target = folder / name
            os.replace(staging / name, folder / name)
    except OSError as exc:
        raise BundleWriteError(target, exc.strerror or str(exc)) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
