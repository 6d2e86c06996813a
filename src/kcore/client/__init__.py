"""Client machinery: the ``Client`` interface, its HTTP and in-process implementations, and
client-go's informer, queue and leader-election machinery under client-go's names."""

from __future__ import annotations

from kcore.client.interface import Client, Registry, WatchStream

__all__ = ["Client", "Registry", "WatchStream"]
