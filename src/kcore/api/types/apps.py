"""apps/v1 kinds: Deployment, ReplicaSet, DaemonSet, StatefulSet (and ControllerRevision-free
status types)."""

from __future__ import annotations

from kcore.api.schema import f, obj
from kcore.api.types.core import ATOMIC, list_kind, merge_by
from kcore.api.types.meta import API_VERSION, KIND, metadata

P = "io.k8s.api.apps.v1."
G = "apps"


def _condition(kind: str) -> None:
    obj(
        P + f"{kind}Condition",
        f"The state of a {kind.lower()} at a certain point.",
        f("type", "string", f"Type of {kind.lower()} condition.", required=True),
        f("status", "string", "Status of the condition: True, False or Unknown.", required=True),
        f("lastUpdateTime", "Time", "The last time this condition was updated.")
        if kind == "Deployment"
        else f("lastTransitionTime", "Time", "Last time the condition transitioned."),
        *(
            [f("lastTransitionTime", "Time", "Last time the condition transitioned.")]
            if kind == "Deployment"
            else []
        ),
        f("reason", "string", "The reason for the condition's last transition."),
        f("message", "string", "A human readable message indicating details about the transition."),
    )


SELECTOR = f(
    "selector",
    "LabelSelector",
    "Label selector for pods. Existing pods whose labels match are affected. It must match "
    "the pod template's labels and is immutable after creation.",
    required=True,
)
TEMPLATE = f(
    "template",
    "PodTemplateSpec",
    "Template describes the pods that will be created.",
    required=True,
)

# ------------------------------------------------------------------ deployment

obj(
    P + "RollingUpdateDeployment",
    "Spec to control the desired behavior of rolling update.",
    f(
        "maxUnavailable",
        "IntOrString",
        "The maximum number (or percentage of desired pods) of pods that can be unavailable "
        "during the update. Defaults to 25%.",
        default="25%",
    ),
    f(
        "maxSurge",
        "IntOrString",
        "The maximum number (or percentage of desired pods) of pods that can be scheduled above "
        "the desired number of pods. Defaults to 25%.",
        default="25%",
    ),
)
obj(
    P + "DeploymentStrategy",
    "How to replace existing pods with new ones.",
    f(
        "type",
        "string",
        "Type of deployment: Recreate or RollingUpdate. Default is RollingUpdate.",
        default="RollingUpdate",
        enum=("Recreate", "RollingUpdate"),
    ),
    f(
        "rollingUpdate",
        "RollingUpdateDeployment",
        "Rolling update config params; present only if type = RollingUpdate.",
    ),
)
obj(
    P + "DeploymentSpec",
    "The specification of the desired behavior of the Deployment.",
    f("replicas", "int32", "Number of desired pods. Defaults to 1.", default=1),
    SELECTOR,
    TEMPLATE,
    f(
        "strategy",
        "DeploymentStrategy",
        "The deployment strategy to use to replace existing pods with new ones.",
        patch_strategy="retainKeys",
    ),
    f(
        "minReadySeconds",
        "int32",
        "Minimum number of seconds for which a newly created pod "
        "should be ready without any of its container crashing, for it to be considered "
        "available. Defaults to 0.",
    ),
    f(
        "revisionHistoryLimit",
        "int32",
        "The number of old ReplicaSets to retain to allow rollback. Defaults to 10.",
        default=10,
    ),
    f("paused", "boolean", "Indicates that the deployment is paused."),
    f(
        "progressDeadlineSeconds",
        "int32",
        "The maximum time in seconds for a deployment to "
        "make progress before it is considered to be failed. Defaults to 600s.",
        default=600,
    ),
)
_condition("Deployment")
obj(
    P + "DeploymentStatus",
    "The most recently observed status of the Deployment.",
    f("observedGeneration", "int64", "The generation observed by the deployment controller."),
    f(
        "replicas",
        "int32",
        "Total number of non-terminated pods targeted by this deployment "
        "(their labels match the selector).",
    ),
    f(
        "updatedReplicas",
        "int32",
        "Total number of non-terminated pods targeted by this "
        "deployment that have the desired template spec.",
    ),
    f(
        "readyReplicas",
        "int32",
        "The number of pods targeted by this Deployment with a Ready Condition.",
    ),
    f(
        "availableReplicas",
        "int32",
        "Total number of available pods (ready for at least "
        "minReadySeconds) targeted by this deployment.",
    ),
    f(
        "unavailableReplicas",
        "int32",
        "Total number of unavailable pods targeted by this deployment.",
    ),
    f("terminatingReplicas", "int32", "Number of terminating pods of this deployment."),
    f(
        "conditions",
        "[]DeploymentCondition",
        "The latest available observations of a deployment's current state.",
        **merge_by("type"),
    ),
    f("collisionCount", "int32", "Count of hash collisions for the Deployment."),
)
obj(
    P + "Deployment",
    "Enables declarative updates for Pods and ReplicaSets.",
    API_VERSION,
    KIND,
    metadata(),
    f("spec", "DeploymentSpec", "Specification of the desired behavior of the Deployment."),
    f("status", "DeploymentStatus", "Most recently observed status of the Deployment."),
    gvk=(G, "v1", "Deployment"),
)
list_kind("Deployment", G, prefix=P)

# ------------------------------------------------------------------ replicaset

obj(
    P + "ReplicaSetSpec",
    "The specification of a ReplicaSet.",
    f("replicas", "int32", "The number of desired pods. Defaults to 1.", default=1),
    f(
        "minReadySeconds",
        "int32",
        "Minimum number of seconds for which a newly created pod "
        "should be ready to be considered available. Defaults to 0.",
    ),
    SELECTOR,
    f(
        "template",
        "PodTemplateSpec",
        "The object that describes the pod that will be created "
        "if insufficient replicas are detected.",
    ),
)
_condition("ReplicaSet")
obj(
    P + "ReplicaSetStatus",
    "The current status of a ReplicaSet.",
    f(
        "replicas",
        "int32",
        "The most recently observed number of non-terminating pods.",
        required=True,
    ),
    f(
        "fullyLabeledReplicas",
        "int32",
        "The number of pods that have labels matching the "
        "labels of the pod template of the replicaset.",
    ),
    f(
        "readyReplicas",
        "int32",
        "The number of pods targeted by this ReplicaSet with a Ready Condition.",
    ),
    f(
        "availableReplicas",
        "int32",
        "The number of available pods (ready for at least minReadySeconds) for this replica set.",
    ),
    f("terminatingReplicas", "int32", "The number of terminating pods of this replica set."),
    f("observedGeneration", "int64", "The generation of the most recently observed ReplicaSet."),
    f(
        "conditions",
        "[]ReplicaSetCondition",
        "The latest available observations of a replica set's current state.",
        **merge_by("type"),
    ),
)
obj(
    P + "ReplicaSet",
    "Ensures that a specified number of pod replicas are running at any given time.",
    API_VERSION,
    KIND,
    metadata(),
    f("spec", "ReplicaSetSpec", "The specification of the desired behavior of the ReplicaSet."),
    f("status", "ReplicaSetStatus", "The most recently observed status of the ReplicaSet."),
    gvk=(G, "v1", "ReplicaSet"),
)
list_kind("ReplicaSet", G, prefix=P)

# ------------------------------------------------------------------ daemonset

obj(
    P + "RollingUpdateDaemonSet",
    "Spec to control the desired behavior of daemon set rolling update.",
    f(
        "maxUnavailable",
        "IntOrString",
        "The maximum number (or percentage) of DaemonSet pods "
        "that can be unavailable during the update. Default is 1.",
        default=1,
    ),
    f(
        "maxSurge",
        "IntOrString",
        "The maximum number (or percentage) of nodes with an existing "
        "available DaemonSet pod that can have an updated DaemonSet pod during an update. "
        "Default is 0.",
        default=0,
    ),
)
obj(
    P + "DaemonSetUpdateStrategy",
    "How to replace existing DaemonSet pods with new pods.",
    f(
        "type",
        "string",
        "Type of daemon set update: RollingUpdate or OnDelete. Default is RollingUpdate.",
        default="RollingUpdate",
        enum=("OnDelete", "RollingUpdate"),
    ),
    f("rollingUpdate", "RollingUpdateDaemonSet", "Rolling update config params."),
)
obj(
    P + "DaemonSetSpec",
    "The specification of a daemon set.",
    SELECTOR,
    f(
        "template",
        "PodTemplateSpec",
        "An object that describes the pod that will be created. "
        "The DaemonSet creates exactly one copy of this pod on every node that matches the "
        "template's node selector.",
        required=True,
    ),
    f(
        "updateStrategy",
        "DaemonSetUpdateStrategy",
        "An update strategy to replace existing DaemonSet pods with new pods.",
    ),
    f(
        "minReadySeconds",
        "int32",
        "The minimum number of seconds for which a newly created "
        "DaemonSet pod should be ready to be considered available. Defaults to 0.",
    ),
    f(
        "revisionHistoryLimit",
        "int32",
        "The number of old history to retain to allow rollback. Defaults to 10.",
        default=10,
    ),
)
_condition("DaemonSet")
obj(
    P + "DaemonSetStatus",
    "The current status of a daemon set.",
    f(
        "currentNumberScheduled",
        "int32",
        "The number of nodes that are running at least 1 "
        "daemon pod and are supposed to run the daemon pod.",
        required=True,
    ),
    f(
        "numberMisscheduled",
        "int32",
        "The number of nodes that are running the daemon pod, "
        "but are not supposed to run the daemon pod.",
        required=True,
    ),
    f(
        "desiredNumberScheduled",
        "int32",
        "The total number of nodes that should be running the daemon pod.",
        required=True,
    ),
    f(
        "numberReady",
        "int32",
        "The number of nodes that should be running the daemon pod and "
        "have one or more of the daemon pod running with a Ready Condition.",
        required=True,
    ),
    f(
        "observedGeneration",
        "int64",
        "The most recent generation observed by the daemon set controller.",
    ),
    f(
        "updatedNumberScheduled",
        "int32",
        "The total number of nodes that are running updated daemon pod.",
    ),
    f(
        "numberAvailable",
        "int32",
        "The number of nodes that should be running the daemon pod "
        "and have one or more of the daemon pod running and available.",
    ),
    f(
        "numberUnavailable",
        "int32",
        "The number of nodes that should be running the daemon pod "
        "and have none of the daemon pod running and available.",
    ),
    f("collisionCount", "int32", "Count of hash collisions for the DaemonSet."),
    f(
        "conditions",
        "[]DaemonSetCondition",
        "The latest available observations of a DaemonSet's current state.",
        **merge_by("type"),
    ),
)
obj(
    P + "DaemonSet",
    "Represents the configuration of a daemon set.",
    API_VERSION,
    KIND,
    metadata(),
    f("spec", "DaemonSetSpec", "The desired behavior of this daemon set."),
    f("status", "DaemonSetStatus", "The current status of this daemon set."),
    gvk=(G, "v1", "DaemonSet"),
)
list_kind("DaemonSet", G, prefix=P)

# ------------------------------------------------------------------ statefulset

obj(
    P + "RollingUpdateStatefulSetStrategy",
    "Parameters of the RollingUpdate strategy.",
    f(
        "partition",
        "int32",
        "Ordinal at which the StatefulSet should be partitioned for updates. Default value is 0.",
    ),
    f(
        "maxUnavailable",
        "IntOrString",
        "The maximum number of pods that can be unavailable during the update. Defaults to 1.",
    ),
)
obj(
    P + "StatefulSetUpdateStrategy",
    "The strategy the StatefulSet controller uses to perform updates.",
    f(
        "type",
        "string",
        "Type of StatefulSet update strategy: RollingUpdate or OnDelete. Default is RollingUpdate.",
        default="RollingUpdate",
        enum=("OnDelete", "RollingUpdate"),
    ),
    f(
        "rollingUpdate",
        "RollingUpdateStatefulSetStrategy",
        "Parameters when type is RollingUpdate.",
    ),
)
obj(
    P + "StatefulSetPersistentVolumeClaimRetentionPolicy",
    "The policy used for PVCs created from the StatefulSet VolumeClaimTemplates.",
    f(
        "whenDeleted",
        "string",
        "What happens to PVCs when the StatefulSet is deleted: Retain or Delete.",
        default="Retain",
    ),
    f(
        "whenScaled",
        "string",
        "What happens to PVCs when the StatefulSet is scaled down: Retain or Delete.",
        default="Retain",
    ),
)
obj(
    P + "StatefulSetOrdinals",
    "The ordinals assigned to replicas.",
    f("start", "int32", "The number representing the first replica's index."),
)
obj(
    P + "StatefulSetSpec",
    "A specification of a StatefulSet.",
    f(
        "replicas",
        "int32",
        "The desired number of replicas of the given Template. Defaults to 1.",
        default=1,
    ),
    SELECTOR,
    f(
        "template",
        "PodTemplateSpec",
        "The object that describes the pod that will be created "
        "if insufficient replicas are detected.",
        required=True,
    ),
    f(
        "volumeClaimTemplates",
        "[]io.k8s.api.core.v1.PersistentVolumeClaim",
        "Claims that pods are allowed to reference.",
        **ATOMIC,
    ),
    f("serviceName", "string", "The name of the service that governs this StatefulSet."),
    f(
        "podManagementPolicy",
        "string",
        "How pods are created during initial scale up: "
        "OrderedReady or Parallel. Default is OrderedReady.",
        default="OrderedReady",
        enum=("OrderedReady", "Parallel"),
    ),
    f(
        "updateStrategy",
        "StatefulSetUpdateStrategy",
        "The strategy used to update pods when a revision is made to the template.",
    ),
    f(
        "revisionHistoryLimit",
        "int32",
        "The maximum number of revisions maintained in the "
        "StatefulSet's revision history. Defaults to 10.",
        default=10,
    ),
    f(
        "minReadySeconds",
        "int32",
        "Minimum number of seconds for which a newly created pod "
        "should be ready to be considered available. Defaults to 0.",
    ),
    f(
        "persistentVolumeClaimRetentionPolicy",
        "StatefulSetPersistentVolumeClaimRetentionPolicy",
        "The lifecycle of persistent volume claims created from volumeClaimTemplates.",
    ),
    f("ordinals", "StatefulSetOrdinals", "Controls the numbering of replica indices."),
)
_condition("StatefulSet")
obj(
    P + "StatefulSetStatus",
    "The current state of a StatefulSet.",
    f("observedGeneration", "int64", "The most recent generation observed for this StatefulSet."),
    f(
        "replicas",
        "int32",
        "The number of Pods created by the StatefulSet controller.",
        required=True,
    ),
    f(
        "readyReplicas",
        "int32",
        "The number of pods created for this StatefulSet with a Ready Condition.",
    ),
    f(
        "currentReplicas",
        "int32",
        "The number of Pods created by the StatefulSet controller "
        "from the StatefulSet version indicated by currentRevision.",
    ),
    f(
        "updatedReplicas",
        "int32",
        "The number of Pods created by the StatefulSet controller "
        "from the StatefulSet version indicated by updateRevision.",
    ),
    f(
        "currentRevision",
        "string",
        "The version of the StatefulSet used to generate Pods in the sequence [0,currentReplicas).",
    ),
    f(
        "updateRevision",
        "string",
        "The version of the StatefulSet used to generate Pods in the "
        "sequence [replicas-updatedReplicas,replicas).",
    ),
    f("collisionCount", "int32", "Count of hash collisions for the StatefulSet."),
    f(
        "conditions",
        "[]StatefulSetCondition",
        "The latest available observations of a statefulset's current state.",
        **merge_by("type"),
    ),
    f("availableReplicas", "int32", "Total number of available pods targeted by this statefulset."),
)
obj(
    P + "StatefulSet",
    "Represents a set of pods with consistent identities: network names and storage.",
    API_VERSION,
    KIND,
    metadata(),
    f("spec", "StatefulSetSpec", "The desired identities of pods in this set."),
    f("status", "StatefulSetStatus", "The current status of Pods in this StatefulSet."),
    gvk=(G, "v1", "StatefulSet"),
)
list_kind("StatefulSet", G, prefix=P)
