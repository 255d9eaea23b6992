"""Prometheus metrics (SPEC §8): requests by route template and status, and the DB pool.

Routes are labelled by their template (``/api/partners/v2.0/org/{org_id}``), never by the
raw path, so the number of series stays bounded whatever clients send; requests that match
no route share the label ``<unmatched>``.

With several worker processes (``serve --workers N``), ``PROMETHEUS_MULTIPROC_DIR`` names a
directory where every worker writes its values and ``/metrics`` — answered by any one
worker — adds them up. ``serve`` sets it (a fresh directory) before the workers start.
"""

from __future__ import annotations

import os
from typing import Any

from litestar import Response, get
from litestar.datastructures import State
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED_ROUTE = "<unmatched>"
_CHECKED_OUT = "energy_contracts_metrics_checked_out"


class Metrics:
    """The metrics of one app. In a single process they live in the app's own registry
    (so several apps in one test process do not collide); in multiprocess mode in files."""

    def __init__(self) -> None:
        self.multiprocess = MULTIPROCESS_DIR_VARIABLE in os.environ
        self.registry: CollectorRegistry | None = (
            None if self.multiprocess else CollectorRegistry(auto_describe=True)
        )
        labels = ("method", "route", "status")
        self.requests = Counter(
            "energy_contracts_http_requests",
            "HTTP requests answered, by method, route template and status.",
            labels,
            registry=self.registry,
        )
        self.latency = Histogram(
            "energy_contracts_http_request_duration_seconds",
            "Time to answer HTTP requests, by method, route template and status.",
            labels,
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        # The labelled children, looked up once per (method, route, status) instead of on
        # every request (``labels()`` takes a lock and builds a key each time). As many as
        # the metrics' own children: the same label values, no others.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self.pool_size = Gauge(
            "energy_contracts_db_pool_size",
            "Database connections each pool keeps open (sum over worker processes).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.pool_checked_out = Gauge(
            "energy_contracts_db_pool_checked_out",
            "Database connections in use by requests (sum over worker processes).",
            registry=self.registry,
            multiprocess_mode="livesum",
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            labels = (method, route, str(status))
            children = self.requests.labels(*labels), self.latency.labels(*labels)
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def instrument_pool(self, engine: AsyncEngine) -> None:
        pool = engine.sync_engine.pool
        size = getattr(pool, "size", None)
        self.pool_size.set(size() if callable(size) else 0)

        @event.listens_for(pool, "checkout")
        def _checked_out(_dbapi: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
            # Only counted once every checkout listener (the liveness ping) has passed.
            info = record.record_info
            if info is not None:
                info[_CHECKED_OUT] = True
                self.pool_checked_out.inc()

        @event.listens_for(pool, "checkin")
        def _checked_in(_dbapi: Any, record: ConnectionPoolEntry) -> None:
            info = record.record_info
            if info is not None and info.pop(_CHECKED_OUT, False):
                self.pool_checked_out.dec()

    def render(self) -> bytes:
        if self.multiprocess:
            registry = CollectorRegistry()
            prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        assert self.registry is not None
        return generate_latest(self.registry)

    def process_exiting(self) -> None:
        """Drop this process's pool gauges from the sums (the counters stay)."""
        if self.multiprocess:
            prometheus_multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


@get(
    "/metrics",
    summary="Prometheus metrics",
    description="Request counts and latency histograms by route template and status, and "
    "database pool use, in the Prometheus text format.",
    tags=["Operations"],
    media_type="text/plain",
    sync_to_thread=False,
)
def metrics(state: State) -> Response[bytes]:
    collected: Metrics = state.metrics
    return Response(collected.render(), media_type=CONTENT_TYPE_LATEST)
