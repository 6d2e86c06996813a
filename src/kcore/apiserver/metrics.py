"""Prometheus metrics of the APIServer, in the text exposition format (``GET /metrics``).

Names and labels follow kube-apiserver so existing dashboards and queries carry over:

* ``apiserver_request_total{verb, group, version, resource, subresource, scope, code}``
  (counter),
* ``apiserver_request_duration_seconds{verb, group, version, resource, subresource, scope}``
  (histogram with kube-apiserver's buckets; watch requests are not timed, as upstream),
* ``apiserver_registered_watchers{group, version, kind}`` and
  ``apiserver_current_inflight_requests{request_kind}`` (gauges),
* ``apiserver_storage_objects{resource}`` is not kept (it would cost a count per write).

Recording is a couple of dict operations per request; rendering walks the tables. The class is
used from one event loop; its methods are not locked.
"""

from __future__ import annotations

from bisect import bisect_left

#: kube-apiserver's apiserver_request_duration_seconds buckets.
DURATION_BUCKETS: tuple[float, ...] = (
    0.005,
    0.025,
    0.05,
    0.1,
    0.2,
    0.4,
    0.6,
    0.8,
    1.0,
    1.25,
    1.5,
    2.0,
    3.0,
    4.0,
    5.0,
    6.0,
    8.0,
    10.0,
    15.0,
    20.0,
    30.0,
    45.0,
    60.0,
)

# (verb, group, version, resource, subresource, scope)
_Key = tuple[str, str, str, str, str, str]


class _Histogram:
    __slots__ = ("buckets", "count", "sum")

    def __init__(self) -> None:
        self.buckets = [0] * (len(DURATION_BUCKETS) + 1)
        self.count = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.buckets[bisect_left(DURATION_BUCKETS, value)] += 1
        self.count += 1
        self.sum += value


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(names: tuple[str, ...], values: tuple[str, ...]) -> str:
    return ",".join(f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True))


_KEY_LABELS = ("verb", "group", "version", "resource", "subresource", "scope")


class Metrics:
    """Request counters, latency histograms and gauges of one APIServer.

    Invariant: ``_durations[k].count`` equals the sum of ``_requests[(*k, code)]`` over codes for
    every non-watch key ``k`` (both are updated in :meth:`observe`).
    """

    def __init__(self) -> None:
        self._requests: dict[tuple[str, str, str, str, str, str, str], int] = {}
        self._durations: dict[_Key, _Histogram] = {}
        self._watchers: dict[tuple[str, str, str], int] = {}
        self.inflight_readonly = 0
        self.inflight_mutating = 0

    def observe(self, key: _Key, code: int, seconds: float | None) -> None:
        """Count one finished request; ``seconds`` is ``None`` for long-running ones (watch)."""
        ck = (*key, str(code))
        self._requests[ck] = self._requests.get(ck, 0) + 1
        if seconds is not None:
            h = self._durations.get(key)
            if h is None:
                h = self._durations[key] = _Histogram()
            h.observe(seconds)

    def watcher_started(self, group: str, version: str, kind: str) -> None:
        k = (group, version, kind)
        self._watchers[k] = self._watchers.get(k, 0) + 1

    def watcher_stopped(self, group: str, version: str, kind: str) -> None:
        k = (group, version, kind)
        self._watchers[k] = self._watchers.get(k, 0) - 1

    def request_count(self, verb: str, resource: str, code: int | None = None) -> int:
        """Sum of ``apiserver_request_total`` over the other labels (for tests and tools)."""
        return sum(
            n
            for k, n in self._requests.items()
            if k[0] == verb and k[3] == resource and (code is None or k[6] == str(code))
        )

    def render(self) -> str:
        """The Prometheus text exposition (version 0.0.4)."""
        out: list[str] = [
            "# HELP apiserver_request_total Counter of apiserver requests broken out for each "
            "verb, dry run value, group, version, resource, scope, component, and HTTP response "
            "code.",
            "# TYPE apiserver_request_total counter",
        ]
        names = (*_KEY_LABELS, "code")
        for k, n in sorted(self._requests.items()):
            out.append(f"apiserver_request_total{{{_labels(names, k)}}} {n}")
        out += [
            "# HELP apiserver_request_duration_seconds Response latency distribution in seconds "
            "for each verb, dry run value, group, version, resource, subresource, scope and "
            "component.",
            "# TYPE apiserver_request_duration_seconds histogram",
        ]
        for dk, h in sorted(self._durations.items()):
            base = _labels(_KEY_LABELS, dk)
            cum = 0
            for le, c in zip(DURATION_BUCKETS, h.buckets, strict=False):
                cum += c
                out.append(f'apiserver_request_duration_seconds_bucket{{{base},le="{le:g}"}} {cum}')
            out.append(f'apiserver_request_duration_seconds_bucket{{{base},le="+Inf"}} {h.count}')
            out.append(f"apiserver_request_duration_seconds_sum{{{base}}} {h.sum:.9g}")
            out.append(f"apiserver_request_duration_seconds_count{{{base}}} {h.count}")
        out += [
            "# HELP apiserver_registered_watchers Number of currently registered watchers for a "
            "given resource",
            "# TYPE apiserver_registered_watchers gauge",
        ]
        for wk, wn in sorted(self._watchers.items()):
            out.append(
                f"apiserver_registered_watchers{{{_labels(('group', 'version', 'kind'), wk)}}} {wn}"
            )
        out += [
            "# HELP apiserver_current_inflight_requests Maximal number of currently used inflight "
            "request limit of this apiserver per request kind in last second.",
            "# TYPE apiserver_current_inflight_requests gauge",
            f'apiserver_current_inflight_requests{{request_kind="readOnly"}} '
            f"{self.inflight_readonly}",
            f'apiserver_current_inflight_requests{{request_kind="mutating"}} '
            f"{self.inflight_mutating}",
        ]
        return "\n".join(out) + "\n"
