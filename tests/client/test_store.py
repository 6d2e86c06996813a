"""ThreadSafeStore / Indexer: keys, indices kept in step with writes, replace, add_indexers."""

from __future__ import annotations

import threading

import pytest

from kcore.client.delta_fifo import DeletedFinalStateUnknown
from kcore.client.store import (
    NAMESPACE_INDEX,
    Indexer,
    KeyFuncError,
    meta_namespace_index_func,
    new_indexer,
    new_store,
)


def pod(ns: str, name: str, node: str = "", rv: str = "1") -> dict:
    return {
        "metadata": {"namespace": ns, "name": name, "resourceVersion": rv},
        "spec": {"nodeName": node},
    }


def by_node(obj: dict) -> list[str]:
    return [obj["spec"]["nodeName"]] if obj["spec"]["nodeName"] else []


def test_keys_and_basic_crud() -> None:
    s = new_store()
    a = pod("ns1", "a")
    s.add(a)
    s.add({"metadata": {"name": "node-1"}})
    assert sorted(s.list_keys()) == ["node-1", "ns1/a"]
    assert s.get(a) is a  # stored by reference, never copied
    assert s.get_by_key("ns1/a") is a
    s.delete(a)
    assert s.get_by_key("ns1/a") is None
    s.delete(a)  # deleting an absent key is fine
    assert len(s) == 1


def test_tombstone_deletes_by_key() -> None:
    s = new_store()
    s.add(pod("ns1", "a"))
    s.delete(DeletedFinalStateUnknown("ns1/a", None))
    assert "ns1/a" not in s


def test_key_error_names_the_object() -> None:
    s = new_store()
    with pytest.raises(KeyFuncError, match="couldn't create key"):
        s.add({"spec": {}})


def test_indices_follow_updates_and_deletes() -> None:
    idx = new_indexer(indexers={NAMESPACE_INDEX: meta_namespace_index_func, "node": by_node})
    idx.add(pod("ns1", "a", "n1"))
    idx.add(pod("ns1", "b", "n1"))
    idx.add(pod("ns2", "c", "n2"))
    assert sorted(o["metadata"]["name"] for o in idx.by_index("node", "n1")) == ["a", "b"]
    assert sorted(idx.index_keys(NAMESPACE_INDEX, "ns1")) == ["ns1/a", "ns1/b"]
    idx.update(pod("ns1", "a", "n2", rv="2"))
    assert sorted(idx.index_keys("node", "n2")) == ["ns1/a", "ns2/c"]
    assert idx.index_keys("node", "n1") == ["ns1/b"]
    idx.update(pod("ns1", "b", "", rv="3"))  # unbound: no index value at all
    assert sorted(idx.list_index_func_values("node")) == ["n2"]
    idx.delete(pod("ns2", "c"))
    assert idx.index_keys("node", "n2") == ["ns1/a"]
    assert [o["metadata"]["name"] for o in idx.index("node", pod("x", "y", "n2"))] == ["a"]


def test_unknown_index_is_an_error() -> None:
    idx = new_indexer()
    with pytest.raises(KeyError, match="Index with name nope does not exist"):
        idx.by_index("nope", "x")


def test_failing_index_func_changes_nothing() -> None:
    def bad(obj: dict) -> list[str]:
        if obj["metadata"]["name"] == "boom":
            raise ValueError("cannot index")
        return ["ok"]

    idx = Indexer(indexers={"bad": bad})
    idx.add(pod("ns", "a"))
    with pytest.raises(ValueError, match="cannot index"):
        idx.add(pod("ns", "boom"))
    assert idx.list_keys() == ["ns/a"]
    assert idx.index_keys("bad", "ok") == ["ns/a"]


def test_replace_rebuilds_indices() -> None:
    idx = new_indexer(indexers={"node": by_node})
    idx.add(pod("ns", "old", "n9"))
    idx.replace([pod("ns", "a", "n1"), pod("ns", "b", "n1")], "10")
    assert sorted(idx.list_keys()) == ["ns/a", "ns/b"]
    assert idx.index_keys("node", "n9") == []
    assert sorted(idx.index_keys("node", "n1")) == ["ns/a", "ns/b"]


def test_add_indexers_indexes_existing_and_rejects_conflicts() -> None:
    idx = new_indexer(indexers={NAMESPACE_INDEX: meta_namespace_index_func})
    idx.add(pod("ns", "a", "n1"))
    idx.add_indexers({"node": by_node})
    assert idx.index_keys("node", "n1") == ["ns/a"]
    with pytest.raises(ValueError, match="indexer conflict"):
        idx.add_indexers({"node": by_node})


def test_concurrent_writers_keep_indices_consistent() -> None:
    idx = new_indexer(indexers={"node": by_node})

    def writer(t: int) -> None:
        for i in range(2000):
            idx.update(pod("ns", f"p{i % 50}", f"n{(i + t) % 7}", rv=str(i)))

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for key in idx.list_keys():
        obj = idx.get_by_key(key)
        assert key in idx.index_keys("node", obj["spec"]["nodeName"])
    total = sum(len(idx.index_keys("node", v)) for v in idx.list_index_func_values("node"))
    assert total == len(idx) == 50
