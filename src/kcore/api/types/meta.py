"""meta.k8s.io/v1 types shared by every kind: ObjectMeta, ListMeta, LabelSelector, Status, ..."""

from __future__ import annotations

from kcore.api.schema import Field, f, obj

P = "io.k8s.apimachinery.pkg.apis.meta.v1."

API_VERSION = f(
    "apiVersion",
    "string",
    "The versioned schema of this representation of an object (group/version).",
    proto=0,
)
KIND = f("kind", "string", "The REST resource this object represents, in CamelCase.", proto=0)


def metadata(proto: int = 1) -> Field:
    """The standard ``metadata`` field."""
    return f("metadata", "ObjectMeta", "Standard object's metadata.", proto=proto)


OwnerReference = obj(
    P + "OwnerReference",
    "Enough information to identify an owning object. The owner must be in the same namespace "
    "as the dependent, or be cluster-scoped.",
    f("apiVersion", "string", "API version of the referent.", required=True, proto=5),
    f("kind", "string", "Kind of the referent.", required=True, proto=1),
    f("name", "string", "Name of the referent.", required=True, proto=3),
    f("uid", "string", "UID of the referent.", required=True, proto=4),
    f(
        "controller",
        "boolean",
        "If true, this reference points to the managing controller.",
        proto=6,
    ),
    f(
        "blockOwnerDeletion",
        "boolean",
        "If true and the owner has the foregroundDeletion finalizer, the owner cannot be deleted "
        "from storage until this reference is removed.",
        proto=7,
    ),
    struct_type="atomic",
)

ManagedFieldsEntry = obj(
    P + "ManagedFieldsEntry",
    "A workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.",
    f("manager", "string", "Identifier of the workflow managing these fields.", proto=1),
    f(
        "operation",
        "string",
        "The type of operation which lead to this entry: Apply or Update.",
        enum=("Apply", "Update"),
        proto=2,
    ),
    f("apiVersion", "string", "The version of the resource this field set applies to.", proto=3),
    f("time", "Time", "When this entry was added; reset only on changes.", proto=4),
    f(
        "fieldsType",
        "string",
        "The discriminator for the field set format; only FieldsV1.",
        proto=6,
    ),
    f("fieldsV1", "FieldsV1", "The set of fields owned, in FieldsV1 format.", proto=7),
    f("subresource", "string", "The subresource used to update this object, if any.", proto=8),
)

ObjectMeta = obj(
    P + "ObjectMeta",
    "Metadata that all persisted resources must have, which includes all objects users must "
    "create.",
    f(
        "name",
        "string",
        "Name must be unique within a namespace. It is required when creating resources, although "
        "some resources may allow a client to request the generation of an appropriate name "
        "automatically. Cannot be updated.",
        proto=1,
    ),
    f(
        "generateName",
        "string",
        "An optional prefix used by the server to generate a unique name ONLY IF the Name field "
        "has not been provided.",
        proto=2,
    ),
    f(
        "namespace",
        "string",
        "The namespace the object belongs to. An empty namespace is the default namespace for "
        "namespaced kinds; cluster-scoped kinds have none. Cannot be updated.",
        proto=3,
    ),
    f("selfLink", "string", "Deprecated: always empty.", proto=4),
    f(
        "uid",
        "string",
        "UID is the unique in time and space value for this object, set by the server on "
        "creation. Read-only.",
        proto=5,
    ),
    f(
        "resourceVersion",
        "string",
        "An opaque value that represents the internal version of this object, used for "
        "optimistic concurrency, change detection and watches. Read-only.",
        proto=6,
    ),
    f(
        "generation",
        "int64",
        "A sequence number representing a specific generation of the desired state. Read-only.",
        proto=7,
    ),
    f(
        "creationTimestamp",
        "Time",
        "The time this object was created, set by the server. Read-only.",
        proto=8,
    ),
    f(
        "deletionTimestamp",
        "Time",
        "RFC 3339 date and time at which this resource will be deleted, set by the server when a "
        "graceful deletion is requested. Read-only.",
        proto=9,
    ),
    f(
        "deletionGracePeriodSeconds",
        "int64",
        "Seconds allowed for this object to terminate gracefully before it is removed. Read-only.",
        proto=10,
    ),
    f(
        "labels",
        "map[string]",
        "Map of string keys and values that can be used to organize and categorize (scope and "
        "select) objects.",
        proto=11,
    ),
    f(
        "annotations",
        "map[string]",
        "Unstructured key value map stored with a resource that may be set by external tools to "
        "store and retrieve arbitrary metadata.",
        proto=12,
    ),
    f(
        "ownerReferences",
        "[]OwnerReference",
        "List of objects depended by this object. If ALL objects in the list have been deleted, "
        "this object will be garbage collected.",
        list_type="map",
        map_keys=("uid",),
        patch_strategy="merge",
        patch_merge_key="uid",
        proto=13,
    ),
    f(
        "finalizers",
        "[]string",
        "Must be empty before the object is deleted from the registry. Each entry identifies a "
        "component responsible for a cleanup step.",
        list_type="set",
        patch_strategy="merge",
        proto=14,
    ),
    f(
        "managedFields",
        "[]ManagedFieldsEntry",
        "Maps workflow-id and version to the set of fields that are managed by that workflow.",
        list_type="atomic",
        proto=17,
    ),
)

ListMeta = obj(
    P + "ListMeta",
    "Metadata that synthetic resources must have, including lists and various status objects.",
    f("selfLink", "string", "Deprecated: always empty.", proto=1),
    f(
        "resourceVersion",
        "string",
        "The version of the list as of the read; pass it to a watch to see later changes.",
        proto=2,
    ),
    f("continue", "string", "Set if the user set a limit and more results are available.", proto=3),
    f("remainingItemCount", "int64", "Number of subsequent items in the list (estimate).", proto=4),
)

LabelSelectorRequirement = obj(
    P + "LabelSelectorRequirement",
    "A selector that contains values, a key, and an operator that relates the key and values.",
    f("key", "string", "The label key that the selector applies to.", required=True, proto=1),
    f(
        "operator",
        "string",
        "Represents a key's relationship to a set of values: In, NotIn, Exists and DoesNotExist.",
        required=True,
        enum=("In", "NotIn", "Exists", "DoesNotExist"),
        proto=2,
    ),
    f(
        "values",
        "[]string",
        "An array of string values. Non-empty for In and NotIn, empty for Exists and DoesNotExist.",
        list_type="atomic",
        proto=3,
    ),
)

LabelSelector = obj(
    P + "LabelSelector",
    "A label query over a set of resources. matchLabels and matchExpressions are ANDed. An "
    "empty label selector matches all objects; a null one matches no objects.",
    f(
        "matchLabels",
        "map[string]",
        "A map of {key,value} pairs; each is equivalent to an In requirement with one value.",
        proto=1,
    ),
    f(
        "matchExpressions",
        "[]LabelSelectorRequirement",
        "A list of label selector requirements. The requirements are ANDed.",
        list_type="atomic",
        proto=2,
    ),
    struct_type="atomic",
)

Condition = obj(
    P + "Condition",
    "One aspect of the current state of a resource.",
    f("type", "string", "Type of condition in CamelCase.", required=True, proto=1),
    f(
        "status",
        "string",
        "Status of the condition: True, False or Unknown.",
        required=True,
        enum=("True", "False", "Unknown"),
        proto=2,
    ),
    f("observedGeneration", "int64", "The generation the condition was set from.", proto=3),
    f(
        "lastTransitionTime",
        "Time",
        "Last time the condition changed status.",
        required=True,
        proto=4,
    ),
    f(
        "reason",
        "string",
        "A programmatic identifier of the last transition.",
        required=True,
        proto=5,
    ),
    f(
        "message",
        "string",
        "A human readable message about the transition.",
        required=True,
        proto=6,
    ),
)

StatusCause = obj(
    P + "StatusCause",
    "More information about a failed request, possibly naming the offending field.",
    f("reason", "string", "A machine-readable description of the cause.", proto=1),
    f("message", "string", "A human-readable description of the cause.", proto=2),
    f("field", "string", "The field of the resource that caused the error, if any.", proto=3),
)

StatusDetails = obj(
    P + "StatusDetails",
    "Extended data associated with the reason of a Status.",
    f("name", "string", "The name of the resource the status refers to.", proto=1),
    f("group", "string", "The group of the resource.", proto=2),
    f("kind", "string", "The kind (for errors: the resource) the status refers to.", proto=3),
    f("uid", "string", "The UID of the resource.", proto=6),
    f(
        "causes",
        "[]StatusCause",
        "Detailed causes, e.g. one per invalid field.",
        list_type="atomic",
        proto=4,
    ),
    f("retryAfterSeconds", "int32", "Seconds the client should wait before retrying.", proto=5),
)

Status = obj(
    P + "Status",
    "A return value for calls that do not return other objects.",
    API_VERSION,
    KIND,
    f("metadata", "ListMeta", "Standard list metadata.", proto=1),
    f("status", "string", "Status of the operation: Success or Failure.", proto=2),
    f("message", "string", "A human-readable description of the status.", proto=3),
    f("reason", "string", "A machine-readable description of why the operation failed.", proto=4),
    f("details", "StatusDetails", "Extended data associated with the reason.", proto=5),
    f("code", "int32", "Suggested HTTP return code.", proto=6),
    gvk=("", "v1", "Status"),
)

Preconditions = obj(
    P + "Preconditions",
    "Must be fulfilled before an operation (update, delete, etc.) is carried out.",
    f("uid", "string", "Target UID.", proto=1),
    f("resourceVersion", "string", "Target resourceVersion.", proto=2),
)

DeleteOptions = obj(
    P + "DeleteOptions",
    "May be provided when deleting an API object.",
    API_VERSION,
    KIND,
    f(
        "gracePeriodSeconds",
        "int64",
        "Seconds before the object should be deleted; zero means delete immediately.",
        proto=1,
    ),
    f(
        "preconditions",
        "Preconditions",
        "Must be fulfilled before a deletion is carried out.",
        proto=2,
    ),
    f("orphanDependents", "boolean", "Deprecated: use propagationPolicy.", proto=3),
    f(
        "propagationPolicy",
        "string",
        "Whether and how garbage collection is performed: Orphan, Background or Foreground.",
        enum=("Orphan", "Background", "Foreground"),
        proto=4,
    ),
    f(
        "dryRun",
        "[]string",
        "When present, modifications are not persisted (All).",
        list_type="atomic",
        proto=5,
    ),
    f(
        "ignoreStoreReadErrorWithClusterBreakingPotential",
        "boolean",
        "Unsafe deletion of corrupt objects.",
        proto=6,
    ),
    gvk=("meta.k8s.io", "v1", "DeleteOptions"),
)

WatchEvent = obj(
    P + "WatchEvent",
    "A single event on a watched resource.",
    f("type", "string", "ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.", required=True, proto=1),
    f(
        "object",
        "RawExtension",
        "The object: the new state for ADDED/MODIFIED, the last state for DELETED, a Status for "
        "ERROR.",
        required=True,
        proto=2,
    ),
    gvk=("meta.k8s.io", "v1", "WatchEvent"),
)

TableColumnDefinition = obj(
    P + "TableColumnDefinition",
    "A column of a Table.",
    f("name", "string", "Human readable column name.", required=True),
    f(
        "type",
        "string",
        "OpenAPI type of the column (string, integer, number, boolean, date).",
        required=True,
    ),
    f(
        "format",
        "string",
        "Optional OpenAPI format modifier (name, date-time, ...).",
        required=True,
    ),
    f("description", "string", "Human readable description of the column.", required=True),
    f("priority", "int32", "0 for the default view, higher for wide output.", required=True),
)

TableRow = obj(
    P + "TableRow",
    "A single row of a Table.",
    f("cells", "[]object", "The cell values, one per column definition.", required=True),
    f("conditions", "[]object", "Conditions of the row (Completed).", list_type="atomic"),
    f(
        "object",
        "RawExtension",
        "The full object or its PartialObjectMetadata, as requested by includeObject.",
    ),
)

Table = obj(
    P + "Table",
    "A tabular representation of a set of API resources (server-side printing).",
    API_VERSION,
    KIND,
    f("metadata", "ListMeta", "Standard list metadata."),
    f(
        "columnDefinitions",
        "[]TableColumnDefinition",
        "The columns of the table.",
        required=True,
        list_type="atomic",
    ),
    f("rows", "[]TableRow", "One row per object.", required=True, list_type="atomic"),
    gvk=("meta.k8s.io", "v1", "Table"),
)

PartialObjectMetadata = obj(
    P + "PartialObjectMetadata",
    "The common metadata of an object, without spec or status.",
    API_VERSION,
    KIND,
    metadata(),
    gvk=("meta.k8s.io", "v1", "PartialObjectMetadata"),
)

APIResource = obj(
    P + "APIResource",
    "A resource served at a group-version.",
    f("name", "string", "The plural name of the resource.", required=True, proto=1),
    f("singularName", "string", "The singular name of the resource.", required=True, proto=6),
    f("namespaced", "boolean", "Whether the resource is namespaced.", required=True, proto=2),
    f("group", "string", "The preferred group of the resource.", proto=8),
    f("version", "string", "The preferred version of the resource.", proto=9),
    f("kind", "string", "The kind of the resource.", required=True, proto=3),
    f("verbs", "[]string", "The verbs the resource supports.", required=True, proto=4),
    f("shortNames", "[]string", "Suggested short names.", list_type="atomic", proto=5),
    f("categories", "[]string", "Groupings such as 'all'.", list_type="atomic", proto=7),
    f("storageVersionHash", "string", "A hash of the storage version.", proto=10),
)

APIResourceList = obj(
    P + "APIResourceList",
    "The resources available at a group-version.",
    API_VERSION,
    KIND,
    f("groupVersion", "string", "The group and version of this list.", required=True, proto=1),
    f("resources", "[]APIResource", "The resources.", required=True, list_type="atomic", proto=2),
    gvk=("", "v1", "APIResourceList"),
)
