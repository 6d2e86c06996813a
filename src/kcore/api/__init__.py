"""Kubernetes object kinds, defaults, validation, selectors, quantities and metadata helpers.

The bottom layer of kcore: it imports nothing else from the package. Objects are plain JSON
dicts; the modules are the public API (see ``docs/api.md``):

* :mod:`kcore.api.meta` - keys, name/label validators, generateName, owner references;
* :mod:`kcore.api.quantity` - ``resource.Quantity``;
* :mod:`kcore.api.labels`, :mod:`kcore.api.fields` - selectors and compiled matchers;
* :mod:`kcore.api.schema` (with :mod:`kcore.api.types`) - declarative schemas, pruning;
* :mod:`kcore.api.defaults`, :mod:`kcore.api.validation` - defaulting and validation;
* :mod:`kcore.api.openapi`, :mod:`kcore.api.tables` - OpenAPI documents, server-side tables;
* :mod:`kcore.api.patch` - JSON/merge/strategic merge patches and server-side apply;
* :mod:`kcore.api.protobuf` - protobuf request decoding;
* :mod:`kcore.api.errors`, :mod:`kcore.api.resources` - Status errors, the served resources.
"""

from __future__ import annotations
