"""nmf_core.scale.engine: a LocalCluster per call when none is given; an existing cluster
by its address.  (Separate from test_scale.py, whose module-wide cluster would be found.)"""

from __future__ import annotations

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="the scale extra (dask) is not installed")
pytest.importorskip("distributed", reason="the scale extra (distributed) is not installed")

from nmf_core import ParameterError, factorize  # noqa: E402
from nmf_core.scale import Engine, current_engine  # noqa: E402

X_SMALL = np.random.default_rng(8).random((200, 30))


def test_no_engine_starts_a_local_cluster_and_closes_it():
    from distributed import get_client

    assert current_engine() is None
    X = da.from_array(X_SMALL, chunks=(100, 120))
    result = factorize(X, 4, "mu", niter=3, seed=0)
    assert result.params["scale"]["scheduler"] == "local"
    with pytest.raises(ValueError):
        get_client()  # nothing left running


def test_an_address_connects_to_an_existing_cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster:
        with Engine(cluster.scheduler_address) as connected:
            assert not connected.owns_cluster and connected.n_workers == 1
            X = da.from_array(X_SMALL, chunks=(100, 120))
            result = factorize(X, 4, "hals", niter=3, seed=0)
        assert result.params["scale"]["scheduler"] == cluster.scheduler_address
        assert result.params["scale"]["workers"] == 1
        assert cluster.scheduler.workers  # our client closed, the cluster did not
    with pytest.raises(ParameterError, match="'local' or an address"):
        Engine("somewhere:8786")
    with pytest.raises(ParameterError, match="size a local cluster"):
        Engine("tcp://127.0.0.1:8786", workers=2)
