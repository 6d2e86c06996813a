"""Service ClusterIP and NodePort allocation, kept in the store so several servers agree.

Each range is one ``RangeAllocation`` record in the store (``/registry/ranges/serviceips`` and
``/registry/ranges/servicenodeports``, as kube-apiserver lays them out) holding the sorted list of
allocated offsets. Every allocation and release is a compare-and-swap on that record
(``guaranteed_update``), so two APIServers on one etcd never hand out the same address. On
start, :meth:`RangeAllocator.repair` rewrites the record from the Services that exist (what
kube-apiserver's repair controllers do), which also frees addresses leaked by a crash between
allocation and the Service write.

Offsets are picked with a seeded generator (random start, then the next free one), as upstream
does, so allocation is spread out yet reproducible in simulation.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_left, insort
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from kcore.api.errors import FieldErrors, NotFound

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from kcore.storage.interface import Store

#: The default Service IP range: 127.96.0.0/12 mirrors Kubernetes' 10.96.0.0/12 inside
#: loopback, so that Service VIPs are reachable on the machine itself (kcore's network rule).
DEFAULT_SERVICE_CIDR = "127.96.0.0/12"
DEFAULT_NODE_PORT_RANGE = (30000, 32767)


class RandomBits(Protocol):
    def randrange(self, stop: int, /) -> int: ...


class RangeFull(Exception):
    """No free value is left in the range."""


class RangeAllocator:
    """Allocates integers ``0 <= offset < size`` through one store record.

    Contract: :meth:`allocate` and :meth:`allocate_next` either record the offset durably and
    return it or raise; :meth:`release` is idempotent. All methods are thread-safe (the store's
    compare-and-swap serialises them, also across processes sharing the store).
    """

    def __init__(self, store: Store, key: str, size: int, rng: RandomBits, range_name: str):
        self.store = store
        self.key = key
        self.size = size
        self.rng = rng
        self.range_name = range_name

    def _record(self, cur: Mapping[str, Any], used: list[int]) -> dict[str, Any]:
        md = dict(cur.get("metadata") or {})
        md["name"] = self.key.rsplit("/", 1)[-1]
        return {
            "apiVersion": "v1",
            "kind": "RangeAllocation",
            "metadata": md,
            "range": self.range_name,
            "allocated": used,
        }

    def _used(self, cur: Mapping[str, Any]) -> list[int]:
        if cur.get("range") not in (None, self.range_name):
            # The configured range changed: keep only offsets that are re-validated by repair.
            return []
        v = cur.get("allocated")
        return list(v) if isinstance(v, list) else []

    def allocated(self) -> set[int]:
        try:
            return set(self._used(self.store.get(self.key)))
        except NotFound:
            return set()

    def allocate(self, offset: int) -> bool:
        """Record ``offset``; ``False`` if it is already taken."""
        taken = False

        def fn(cur: Mapping[str, Any]) -> Mapping[str, Any] | None:
            nonlocal taken
            used = self._used(cur)
            i = bisect_left(used, offset)
            if i < len(used) and used[i] == offset:
                taken = True
                return None
            taken = False
            used.insert(i, offset)
            return self._record(cur, used)

        self.store.guaranteed_update(self.key, fn, ignore_not_found=True)
        return not taken

    def allocate_next(self) -> int:
        """Record and return a free offset (random start, then the next free). ``RangeFull``."""
        chosen = -1

        def fn(cur: Mapping[str, Any]) -> Mapping[str, Any] | None:
            nonlocal chosen
            used = self._used(cur)
            if len(used) >= self.size:
                raise RangeFull(self.range_name)
            start = self.rng.randrange(self.size)
            taken = set(used)
            off = start
            while off in taken:
                off = (off + 1) % self.size
            chosen = off
            insort(used, off)
            return self._record(cur, used)

        self.store.guaranteed_update(self.key, fn, ignore_not_found=True)
        return chosen

    def release(self, offset: int) -> None:
        def fn(cur: Mapping[str, Any]) -> Mapping[str, Any] | None:
            used = self._used(cur)
            i = bisect_left(used, offset)
            if i < len(used) and used[i] == offset:
                del used[i]
                return self._record(cur, used)
            return None

        self.store.guaranteed_update(self.key, fn, ignore_not_found=True)

    def repair(self, offsets: Iterable[int]) -> None:
        """Make the record hold exactly ``offsets`` (those in use by existing objects)."""
        want = sorted({o for o in offsets if 0 <= o < self.size})

        def fn(cur: Mapping[str, Any]) -> Mapping[str, Any] | None:
            if cur and cur.get("range") == self.range_name and self._used(cur) == want:
                return None
            return self._record(cur, want)

        self.store.guaranteed_update(self.key, fn, ignore_not_found=True)


class ServiceAllocators:
    """ClusterIP and NodePort allocation for Services (see the module docstring).

    The first address of the range is the ``kubernetes`` Service's (created first, at bootstrap);
    the network and broadcast addresses are never handed out.
    """

    def __init__(
        self,
        store: Store,
        rng: RandomBits,
        *,
        service_cidr: str = DEFAULT_SERVICE_CIDR,
        node_port_range: tuple[int, int] = DEFAULT_NODE_PORT_RANGE,
    ) -> None:
        try:
            net = ipaddress.ip_network(service_cidr, strict=True)
        except ValueError as err:
            msg = f"invalid service CIDR {service_cidr!r}: {err}"
            raise ValueError(msg) from err
        if net.num_addresses < 8:
            msg = f"service CIDR {service_cidr!r} is too small (at least 8 addresses)"
            raise ValueError(msg)
        lo, hi = node_port_range
        if not (0 < lo <= hi <= 65535):
            msg = f"invalid node port range {lo}-{hi}"
            raise ValueError(msg)
        self.network = net
        self.node_ports = (lo, hi)
        # Offsets count from the first usable address (network address + 1).
        size = min(net.num_addresses - 2, 1 << 20)
        self.ips = RangeAllocator(store, "/registry/ranges/serviceips", size, rng, str(net))
        self.ports = RangeAllocator(
            store, "/registry/ranges/servicenodeports", hi - lo + 1, rng, f"{lo}-{hi}"
        )

    # -- addresses

    def ip_at(self, offset: int) -> str:
        return str(self.network.network_address + 1 + offset)

    def ip_offset(self, ip: str) -> int | None:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return None
        if addr.version != self.network.version or addr not in self.network:
            return None
        off = int(addr) - int(self.network.network_address) - 1
        return off if 0 <= off < self.ips.size else None

    @property
    def kubernetes_service_ip(self) -> str:
        return self.ip_at(0)

    # -- services

    def allocate_service(
        self, svc: dict[str, Any], old: Mapping[str, Any] | None
    ) -> list[Callable[[], None]]:
        """Fill in ``spec.clusterIP(s)`` and node ports of ``svc`` (mutated in place).

        Returns the rollbacks to run if the write that follows fails. Raises ``Invalid`` for a
        requested address or port that is outside the range or already taken.
        """
        rollbacks: list[Callable[[], None]] = []
        spec = svc.get("spec")
        if not isinstance(spec, dict):
            return rollbacks
        name = (svc.get("metadata") or {}).get("name", "")
        errs = FieldErrors("Service", name)
        svc_type = spec.get("type") or "ClusterIP"
        try:
            if svc_type != "ExternalName":
                old_ip = ((old or {}).get("spec") or {}).get("clusterIP") if old else None
                if old is not None and old_ip:
                    # clusterIP is immutable; validation reports a change.
                    spec.setdefault("clusterIP", old_ip)
                    spec.setdefault("clusterIPs", [old_ip] if old_ip != "None" else ["None"])
                else:
                    self._allocate_ip(spec, errs, rollbacks)
            self._allocate_ports(spec, svc_type, old, errs, rollbacks)
            errs.raise_if_any()
        except BaseException:
            for rb in reversed(rollbacks):
                rb()
            raise
        return rollbacks

    def _allocate_ip(
        self, spec: dict[str, Any], errs: FieldErrors, rollbacks: list[Callable[[], None]]
    ) -> None:
        requested = spec.get("clusterIP")
        if not requested:
            ips = spec.get("clusterIPs")
            if isinstance(ips, list) and ips and isinstance(ips[0], str):
                requested = ips[0]
        if requested == "None":
            spec["clusterIP"] = "None"
            spec["clusterIPs"] = ["None"]
            return
        if requested:
            if not isinstance(requested, str):
                errs.invalid("spec.clusterIP", requested, "must be a valid IP address")
                return
            off = self.ip_offset(requested)
            if off is None:
                errs.invalid(
                    "spec.clusterIPs[0]",
                    requested,
                    f"failed to allocate IP {requested}: the provided IP ({requested}) is not "
                    f"in the valid range. The range of valid IPs is {self.network}",
                )
                return
            if not self.ips.allocate(off):
                errs.invalid(
                    "spec.clusterIPs[0]",
                    requested,
                    f"failed to allocate IP {requested}: provided IP is already allocated",
                )
                return
            rollbacks.append(partial(self.ips.release, off))
            spec["clusterIP"] = requested
            spec["clusterIPs"] = [requested]
            return
        try:
            off = self.ips.allocate_next()
        except RangeFull:
            errs.invalid("spec.clusterIPs", "", "failed to allocate a serviceIP: range is full")
            return
        rollbacks.append(partial(self.ips.release, off))
        ip = self.ip_at(off)
        spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]

    def _allocate_ports(
        self,
        spec: dict[str, Any],
        svc_type: str,
        old: Mapping[str, Any] | None,
        errs: FieldErrors,
        rollbacks: list[Callable[[], None]],
    ) -> None:
        ports = spec.get("ports")
        if not isinstance(ports, list):
            return
        needs = svc_type in ("NodePort", "LoadBalancer")
        old_ports = {
            p.get("nodePort")
            for p in (((old or {}).get("spec") or {}).get("ports") or [])
            if isinstance(p, dict)
        }
        lo, hi = self.node_ports
        for i, p in enumerate(ports):
            if not isinstance(p, dict):
                continue
            if not needs:
                if p.get("nodePort") and svc_type not in ("NodePort", "LoadBalancer"):
                    p.pop("nodePort", None)
                continue
            np_ = p.get("nodePort")
            if np_:
                if not isinstance(np_, int) or isinstance(np_, bool):
                    errs.invalid(f"spec.ports[{i}].nodePort", np_, "must be an integer")
                    continue
                if np_ in old_ports:
                    continue
                if not lo <= np_ <= hi:
                    errs.invalid(
                        f"spec.ports[{i}].nodePort",
                        np_,
                        f"provided port is not in the valid range. The range of valid ports is "
                        f"{lo}-{hi}",
                    )
                    continue
                off = np_ - lo
                if not self.ports.allocate(off):
                    errs.invalid(
                        f"spec.ports[{i}].nodePort", np_, "provided port is already allocated"
                    )
                    continue
                rollbacks.append(partial(self.ports.release, off))
                continue
            try:
                off = self.ports.allocate_next()
            except RangeFull:
                errs.invalid(f"spec.ports[{i}].nodePort", 0, "range is full")
                continue
            rollbacks.append(partial(self.ports.release, off))
            p["nodePort"] = lo + off

    def release_service(
        self, svc: Mapping[str, Any], *, keep: Mapping[str, Any] | None = None
    ) -> None:
        """Release what ``svc`` holds and ``keep`` (its replacement, on update) does not."""
        spec = svc.get("spec") or {}
        kspec = (keep or {}).get("spec") or {} if keep is not None else {}
        ip = spec.get("clusterIP")
        if isinstance(ip, str) and ip != kspec.get("clusterIP"):
            off = self.ip_offset(ip)
            if off is not None:
                self.ips.release(off)
        kept_ports = {p.get("nodePort") for p in kspec.get("ports") or [] if isinstance(p, dict)}
        lo, hi = self.node_ports
        for p in spec.get("ports") or []:
            if not isinstance(p, dict):
                continue
            np_ = p.get("nodePort")
            if isinstance(np_, int) and lo <= np_ <= hi and np_ not in kept_ports:
                self.ports.release(np_ - lo)

    def repair(self, services: Iterable[Mapping[str, Any]]) -> None:
        """Rebuild both records from the existing Services (run on start)."""
        ips: list[int] = []
        ports: list[int] = []
        lo, hi = self.node_ports
        for svc in services:
            spec = svc.get("spec") or {}
            ip = spec.get("clusterIP")
            if isinstance(ip, str):
                off = self.ip_offset(ip)
                if off is not None:
                    ips.append(off)
            for p in spec.get("ports") or []:
                np_ = p.get("nodePort") if isinstance(p, dict) else None
                if isinstance(np_, int) and lo <= np_ <= hi:
                    ports.append(np_ - lo)
        self.ips.repair(ips)
        self.ports.repair(ports)
