"""The dask.distributed engine: a LocalCluster sized to the machine, or an existing cluster.

>>> with Engine() as engine:                      # a LocalCluster, closed on exit
...     result = factorize(open_matrix("X.zarr"), k=20)
>>> with Engine("tcp://scheduler:8786"):        # an existing cluster (Slurm, Kubernetes…)
...     ...

``factorize`` on a dask array uses the innermost active Engine; with none it uses a
``distributed.Client`` the caller already made (``distributed.get_client``), and failing
that starts a LocalCluster for the call and closes it again.
"""

from __future__ import annotations

import contextvars
import os

from ..errors import ParameterError

_ACTIVE: contextvars.ContextVar[Engine | None] = contextvars.ContextVar("engine", default=None)


def current_engine() -> Engine | None:
    """The innermost Engine entered in this context, or None."""
    return _ACTIVE.get()


class Engine:
    """A dask.distributed client, with the cluster it started (if it started one).

    ``scheduler`` is None or "local" for a LocalCluster on this machine, else the address
    of a running scheduler (``tcp://host:8786``, ``tls://…``).  ``workers`` and
    ``memory_limit`` (bytes, or a string such as "400MB") size the local cluster only:
    by default one single-threaded worker per core, sharing the machine's memory.
    """

    def __init__(self, scheduler: str | None = None, workers: int | None = None,
                 memory_limit: int | str | None = None, processes: bool = True):
        self.scheduler = None if scheduler in (None, "", "local") else str(scheduler)
        if self.scheduler is not None and "://" not in self.scheduler:
            raise ParameterError(f"scheduler must be 'local' or an address such as "
                                 f"tcp://host:8786; got {scheduler!r}")
        if self.scheduler is not None and (workers is not None or memory_limit is not None):
            raise ParameterError("workers and memory_limit size a local cluster; an existing "
                                 "cluster at " + self.scheduler + " keeps its own")
        if workers is not None and not (isinstance(workers, int) and workers >= 1):
            raise ParameterError(f"workers must be an integer ≥ 1; got {workers!r}")
        self.workers, self.memory_limit, self.processes = workers, memory_limit, processes
        self.client = self.cluster = None
        self._token = None

    @property
    def owns_cluster(self) -> bool:
        return self.cluster is not None

    def start(self) -> Engine:
        from distributed import Client, LocalCluster

        if self.client is not None:
            return self
        if self.scheduler is None:
            workers = self.workers or os.cpu_count() or 1
            kwargs = {"n_workers": workers, "threads_per_worker": 1, "processes": self.processes,
                      "dashboard_address": ":0"}
            if self.memory_limit is not None:
                kwargs["memory_limit"] = self.memory_limit
            try:
                self.cluster = LocalCluster(**kwargs)
            except ValueError as exc:  # e.g. a memory_limit dask cannot parse
                raise ParameterError(f"cannot start a local cluster: {exc}") from None
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(self.scheduler, timeout="20s")
            except OSError as exc:
                raise ParameterError(f"cannot connect to the scheduler at {self.scheduler}: "
                                     f"{exc}") from None
        return self

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None

    def __enter__(self) -> Engine:
        self.start()
        self._token = _ACTIVE.set(self)
        return self

    def __exit__(self, *exc) -> None:
        _ACTIVE.reset(self._token)
        self.close()

    @property
    def address(self) -> str:
        """The scheduler's address ("local" before a local cluster starts)."""
        if self.client is None:
            return self.scheduler or "local"
        return self.client.scheduler.address

    @property
    def n_workers(self) -> int:
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def describe(self) -> dict:
        """JSON-ready: where the work ran."""
        return {"scheduler": "local" if self.owns_cluster else self.address,
                "workers": self.n_workers}


def engine_for_call():
    """``(client, engine, owned)`` for one factorize call: the active Engine; else the
    caller's own default Client (engine None); else a LocalCluster started now for this
    call, which the caller closes (``owned`` is that Engine, else None)."""
    active = current_engine()
    if active is not None:
        return active.client, active, None
    try:
        from distributed import get_client

        client = get_client()
        return client, None, None
    except ValueError:  # no client in this process
        engine = Engine().start()
        return engine.client, engine, engine
