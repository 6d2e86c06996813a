"""Client machinery: the ``Client`` interface, its HTTP and in-process implementations, and
client-go's informer, queue and leader-election machinery under client-go's names.

Submodules (one concept each, named as in client-go): :mod:`~kcore.client.interface`,
:mod:`~kcore.client.local` (``LocalClient``), :mod:`~kcore.client.http` (``HTTPClient``),
:mod:`~kcore.client.kubeconfig`, :mod:`~kcore.client.listwatch`,
:mod:`~kcore.client.reflector`, :mod:`~kcore.client.delta_fifo`, :mod:`~kcore.client.store`,
:mod:`~kcore.client.informer`, :mod:`~kcore.client.listers`, :mod:`~kcore.client.workqueue`,
:mod:`~kcore.client.rate_limiters`, :mod:`~kcore.client.leader_election`. See
``docs/client.md``.
"""

from __future__ import annotations

from kcore.client.delta_fifo import DeletedFinalStateUnknown, Delta, DeltaFIFO, Deltas, DeltaType
from kcore.client.http import HTTPClient
from kcore.client.informer import (
    FilteringResourceEventHandler,
    ResourceEventHandler,
    SharedIndexInformer,
    SharedInformerFactory,
    wait_for_cache_sync,
)
from kcore.client.interface import Client, Registry, WatchStream
from kcore.client.kubeconfig import KubeConfig, load_kubeconfig
from kcore.client.leader_election import (
    LeaderCallbacks,
    LeaderElectionConfig,
    LeaderElector,
    LeaseLock,
)
from kcore.client.listers import Lister
from kcore.client.listwatch import ListWatch
from kcore.client.local import LocalClient
from kcore.client.reflector import Reflector
from kcore.client.store import Indexer, Store, ThreadSafeStore
from kcore.client.workqueue import DelayingQueue, Queue, RateLimitingQueue

__all__ = [
    "Client",
    "DelayingQueue",
    "DeletedFinalStateUnknown",
    "Delta",
    "DeltaFIFO",
    "DeltaType",
    "Deltas",
    "FilteringResourceEventHandler",
    "HTTPClient",
    "Indexer",
    "KubeConfig",
    "LeaderCallbacks",
    "LeaderElectionConfig",
    "LeaderElector",
    "LeaseLock",
    "ListWatch",
    "Lister",
    "LocalClient",
    "Queue",
    "RateLimitingQueue",
    "Reflector",
    "Registry",
    "ResourceEventHandler",
    "SharedIndexInformer",
    "SharedInformerFactory",
    "Store",
    "ThreadSafeStore",
    "WatchStream",
    "load_kubeconfig",
    "wait_for_cache_sync",
]
