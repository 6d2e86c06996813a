"""etcd-specific behaviour: kube-apiserver's key layout and prefix, JSON values without
resourceVersion, compaction recorded in compact_rev_key, bookmarks advanced by progress
notifications, watches older than the shared window, endpoint failover, unreachable etcd, foreign
values, and the test helper's error without the binary."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import socket
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from kcore.api.errors import Expired, InternalError, ServiceUnavailable
from kcore.storage.etcd import EtcdStore, feed_prefix
from kcore.storage.factory import open_store
from kcore.storage.interface import collection_prefix, object_key
from kcore.testing.etcd import EtcdNotInstalled, EtcdServer
from kcore.util.clock import VirtualClock

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

_ids = itertools.count()


@pytest.fixture
def etcd(etcd_server: EtcdServer) -> Iterator[Callable[..., EtcdStore]]:
    stores: list[EtcdStore] = []
    prefix = f"/kcore-etcd-{next(_ids)}"

    def make(**options: Any) -> EtcdStore:
        s = EtcdStore(
            [etcd_server.endpoint], **{"prefix": prefix, "compaction_interval": 0, **options}
        )
        stores.append(s)
        return s

    yield make
    for s in stores:
        s.close()


def raw_get(server: EtcdServer, key: bytes) -> dict[str, Any] | None:
    body = {"key": base64.b64encode(key).decode()}
    kvs = httpx.post(server.url + "/v3/kv/range", json=body).json().get("kvs")
    return kvs[0] if kvs else None


def raw_put(server: EtcdServer, key: bytes, value: bytes) -> None:
    body = {"key": base64.b64encode(key).decode(), "value": base64.b64encode(value).decode()}
    httpx.post(server.url + "/v3/kv/put", json=body).raise_for_status()


def test_keys_and_values_are_laid_out_as_kube_apiserver_does(
    etcd_server: EtcdServer, etcd: Callable[..., EtcdStore]
) -> None:
    store = etcd(prefix="/registry")
    name = f"n{next(_ids)}"
    node = store.create(
        object_key("nodes", None, name), {"kind": "Node", "metadata": {"name": name}}
    )
    kv = raw_get(etcd_server, f"/registry/minions/{name}".encode())
    assert kv is not None
    value = json.loads(base64.b64decode(kv["value"]))
    assert value == {"kind": "Node", "metadata": {"name": name}}, "no resourceVersion stored"
    assert node["metadata"]["resourceVersion"] == kv["mod_revision"]
    other = etcd(prefix="/other-cluster")
    other.create(object_key("pods", "default", name), {"metadata": {"name": name}})
    assert raw_get(etcd_server, f"/other-cluster/pods/default/{name}".encode()) is not None
    assert store.list(collection_prefix("pods", "default")).items == []


def test_compaction_is_recorded_in_compact_rev_key(
    etcd_server: EtcdServer, etcd: Callable[..., EtcdStore]
) -> None:
    writer, other = etcd(), etcd()
    k = object_key("pods", "default", "a")
    writer.create(k, {"metadata": {}})
    writer.update(k, {"metadata": {}, "spec": {}})
    target = writer.revision
    writer.compact(target)
    kv = raw_get(etcd_server, b"compact_rev_key")
    assert kv is not None
    assert int(base64.b64decode(kv["value"])) == target
    assert other.compacted_revision >= target
    with pytest.raises(Expired, match=rf"too old resource version: 1 \({target}\)"):
        other.list(collection_prefix("pods"), revision=1)


def test_automatic_compaction_follows_the_interval(etcd: Callable[..., EtcdStore]) -> None:
    clock = VirtualClock()
    store = etcd(clock=clock, compaction_interval=60)
    k = object_key("configmaps", "default", "c")
    store.create(k, {"metadata": {}, "n": 0})
    clock.step(61)
    first_tick = store.update(k, {"metadata": {}, "n": 1})  # records the revision
    before = store.compacted_revision
    clock.step(61)
    store.update(k, {"metadata": {}, "n": 2})  # compacts to the previous tick's revision
    assert store.compacted_revision >= int(first_tick["metadata"]["resourceVersion"]) > before


def test_bookmarks_advance_with_progress_notifications(
    etcd: Callable[..., EtcdStore], run: Callable, collect: Callable
) -> None:
    store, outsider = etcd(), etcd(prefix="/kcore-elsewhere")

    async def main() -> None:
        w = store.watch(collection_prefix("pods"), from_revision=store.revision)
        outsider.create(object_key("pods", "x", "y"), {"metadata": {}})  # not in our prefix
        target = outsider.revision
        for _ in range(100):  # etcd notifies progress every 0.25 s in the test server
            w.request_progress()
            (bm,) = await collect(w, 1)
            assert bm.type == "BOOKMARK"
            if bm.revision >= target:
                break
            await asyncio.sleep(0.05)  # bounded poll of a concurrent server
        assert bm.revision >= target
        w.stop()

    run(main())


def test_watch_older_than_the_window_gets_its_own_stream(
    etcd: Callable[..., EtcdStore], run: Callable, collect: Callable
) -> None:
    store = etcd(window=2)
    pods = collection_prefix("pods", "default")
    start = store.revision
    revs = []
    for i in range(6):
        created = store.create(object_key("pods", "default", f"p{i}"), {"metadata": {}})
        revs.append(int(created["metadata"]["resourceVersion"]))

    async def main() -> None:
        recent = store.watch(pods, from_revision=revs[-1])  # opens the shared stream
        store.create(object_key("pods", "default", "p6"), {"metadata": {}})
        (ev,) = await collect(recent, 1)
        assert ev.key == object_key("pods", "default", "p6")
        old = store.watch(pods, from_revision=start)
        assert len(store._dedicated) == 1, "replayed by etcd, not by the shared window"
        got = await collect(old, 7)
        assert [e.revision for e in got[:6]] == revs
        assert got[6].key == object_key("pods", "default", "p6")
        old.stop()
        recent.stop()

    run(main())


def test_failover_to_the_next_endpoint(etcd_server: EtcdServer) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{s.getsockname()[1]}"  # bound but not listening: refused
        store = open_store(f"etcd://{dead},{etcd_server.endpoint}?prefix=/kcore-failover")
        try:
            k = object_key("pods", "default", f"f{next(_ids)}")
            store.create(k, {"metadata": {}})
            assert store.get(k)["metadata"]["resourceVersion"]
        finally:
            store.close()


def test_unreachable_etcd_is_service_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        store = EtcdStore([f"127.0.0.1:{s.getsockname()[1]}"], timeout=2)
        try:
            with pytest.raises(ServiceUnavailable, match="etcd is unreachable at http://127"):
                store.get(object_key("pods", "default", "a"))
        finally:
            store.close()


def test_a_foreign_value_is_a_clear_error(
    etcd_server: EtcdServer, etcd: Callable[..., EtcdStore]
) -> None:
    store = etcd()
    raw_put(etcd_server, f"{store.prefix}/pods/default/proto".encode(), b"k8s\x00\x0a\x02v1")
    with pytest.raises(InternalError, match="is not JSON"):
        store.get(object_key("pods", "default", "proto"))


def test_feed_prefix_groups_watches_by_resource() -> None:
    assert feed_prefix("/registry/pods/default/") == "/registry/pods/"
    assert feed_prefix("/registry/services/specs/ns/") == "/registry/services/"
    assert feed_prefix("/registry/pods/") == "/registry/pods/"
    assert feed_prefix("/registry/") == "/registry/"
    assert feed_prefix("/registry/po") == "/registry/po"


def test_missing_binary_is_an_error_naming_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kcore.testing.etcd.shutil.which", lambda *_a, **_k: None)
    with pytest.raises(EtcdNotInstalled, match="apt-get install etcd-server"):
        EtcdServer().start()
