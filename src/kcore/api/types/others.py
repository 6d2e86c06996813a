"""Kinds of the smaller groups: autoscaling (HPA v2, Scale v1), events.k8s.io, coordination,
scheduling, policy (PodDisruptionBudget, Eviction) and node (RuntimeClass)."""

from __future__ import annotations

from kcore.api.schema import f, obj
from kcore.api.types.core import ATOMIC, list_kind, merge_by
from kcore.api.types.meta import API_VERSION, KIND, metadata

# ------------------------------------------------------------------ autoscaling

A1 = "io.k8s.api.autoscaling.v1."
A2 = "io.k8s.api.autoscaling.v2."

obj(
    A1 + "ScaleSpec",
    "The attributes of a scale subresource.",
    f("replicas", "int32", "Desired number of instances for the scaled object."),
)
obj(
    A1 + "ScaleStatus",
    "The current status of a scale subresource.",
    f(
        "replicas",
        "int32",
        "Actual number of observed instances of the scaled object.",
        required=True,
    ),
    f(
        "selector",
        "string",
        "Label query over pods that should match the replicas count, in "
        "the string form of a label selector.",
    ),
)
obj(
    A1 + "Scale",
    "A scaling request for a resource.",
    API_VERSION,
    KIND,
    metadata(),
    f("spec", "ScaleSpec", "The desired behavior of the scale."),
    f("status", "ScaleStatus", "The current status of the scale. Read-only."),
    gvk=("autoscaling", "v1", "Scale"),
)
obj(
    A2 + "CrossVersionObjectReference",
    "Enough information to let you identify the referred resource.",
    f("kind", "string", "Kind of the referent.", required=True),
    f("name", "string", "Name of the referent.", required=True),
    f("apiVersion", "string", "API version of the referent."),
)
obj(
    A2 + "MetricTarget",
    "The target value, average value, or average utilization of a specific metric.",
    f(
        "type",
        "string",
        "Whether the metric type is Utilization, Value, or AverageValue.",
        required=True,
        enum=("AverageValue", "Utilization", "Value"),
    ),
    f("value", "Quantity", "The target value of the metric."),
    f(
        "averageValue",
        "Quantity",
        "The target value of the average of the metric across all relevant pods.",
    ),
    f(
        "averageUtilization",
        "int32",
        "The target value of the average of the resource metric "
        "across all relevant pods, as a percentage of the requested value.",
    ),
)
obj(
    A2 + "MetricValueStatus",
    "The current value of a metric.",
    f("value", "Quantity", "The current value of the metric."),
    f("averageValue", "Quantity", "The current value of the average of the metric."),
    f(
        "averageUtilization",
        "int32",
        "The current value of the average of the resource metric, "
        "as a percentage of the requested value.",
    ),
)
obj(
    A2 + "MetricIdentifier",
    "Defines the name and optionally selector for a metric.",
    f("name", "string", "The name of the given metric.", required=True),
    f("selector", "LabelSelector", "Label selector for the metric."),
)
obj(
    A2 + "ResourceMetricSource",
    "A resource metric known to Kubernetes (requests and limits), such as cpu or memory.",
    f("name", "string", "The name of the resource in question.", required=True),
    f("target", "MetricTarget", "The target value for the given metric.", required=True),
)
obj(
    A2 + "ContainerResourceMetricSource",
    "A resource metric of a single container in each pod.",
    f("name", "string", "The name of the resource in question.", required=True),
    f("target", "MetricTarget", "The target value for the given metric.", required=True),
    f(
        "container",
        "string",
        "The name of the container in the pods of the scaling target.",
        required=True,
    ),
)
obj(
    A2 + "PodsMetricSource",
    "A metric describing each pod in the current scale target.",
    f("metric", "MetricIdentifier", "The target metric.", required=True),
    f("target", "MetricTarget", "The target value for the given metric.", required=True),
)
obj(
    A2 + "ObjectMetricSource",
    "A metric describing a Kubernetes object.",
    f("describedObject", "CrossVersionObjectReference", "The described object.", required=True),
    f("target", "MetricTarget", "The target value for the given metric.", required=True),
    f("metric", "MetricIdentifier", "The target metric.", required=True),
)
obj(
    A2 + "ExternalMetricSource",
    "A global metric not associated with any Kubernetes object.",
    f("metric", "MetricIdentifier", "The target metric.", required=True),
    f("target", "MetricTarget", "The target value for the given metric.", required=True),
)
obj(
    A2 + "MetricSpec",
    "The specification for a single metric; exactly one source matching type must be set.",
    f(
        "type",
        "string",
        "The type of metric source: ContainerResource, External, Object, Pods or Resource.",
        required=True,
        enum=("ContainerResource", "External", "Object", "Pods", "Resource"),
    ),
    f("object", "ObjectMetricSource", "A metric describing a single Kubernetes object."),
    f("pods", "PodsMetricSource", "A metric describing each pod in the scale target."),
    f("resource", "ResourceMetricSource", "A resource metric known to Kubernetes."),
    f("containerResource", "ContainerResourceMetricSource", "A container resource metric."),
    f("external", "ExternalMetricSource", "A global metric."),
)
obj(
    A2 + "ResourceMetricStatus",
    "The current value of a resource metric.",
    f("name", "string", "The name of the resource in question.", required=True),
    f("current", "MetricValueStatus", "The current value of the given metric.", required=True),
)
obj(
    A2 + "ObjectMetricStatus",
    "The current value of a metric describing a single Kubernetes object.",
    f("metric", "MetricIdentifier", "Identifies the target metric.", required=True),
    f("current", "MetricValueStatus", "The current value of the given metric.", required=True),
    f(
        "describedObject",
        "CrossVersionObjectReference",
        "The object the metric describes.",
        required=True,
    ),
)
obj(
    A2 + "PodsMetricStatus",
    "The current value of a metric averaged over the pods of the scale target.",
    f("metric", "MetricIdentifier", "Identifies the target metric.", required=True),
    f("current", "MetricValueStatus", "The current value of the given metric.", required=True),
)
obj(
    A2 + "ContainerResourceMetricStatus",
    "The current value of a resource metric of one container of each pod.",
    f("name", "string", "The name of the resource in question.", required=True),
    f("current", "MetricValueStatus", "The current value of the given metric.", required=True),
    f("container", "string", "The name of the container in the pods.", required=True),
)
obj(
    A2 + "ExternalMetricStatus",
    "The current value of a global metric not associated with any Kubernetes object.",
    f("metric", "MetricIdentifier", "Identifies the target metric.", required=True),
    f("current", "MetricValueStatus", "The current value of the given metric.", required=True),
)
obj(
    A2 + "MetricStatus",
    "The last read state of a single metric.",
    f("type", "string", "The type of metric source.", required=True),
    f("object", "ObjectMetricStatus", "Status of an object metric."),
    f("pods", "PodsMetricStatus", "Status of a pods metric."),
    f("resource", "ResourceMetricStatus", "Status of a resource metric."),
    f("containerResource", "ContainerResourceMetricStatus", "Status of a container metric."),
    f("external", "ExternalMetricStatus", "Status of an external metric."),
)
obj(
    A2 + "HPAScalingPolicy",
    "A single policy which must hold true for a specified past interval.",
    f("type", "string", "The scaling policy: Pods or Percent.", required=True),
    f("value", "int32", "The amount of change which is permitted by the policy.", required=True),
    f(
        "periodSeconds",
        "int32",
        "The window of time for which the policy should hold true.",
        required=True,
    ),
)
obj(
    A2 + "HPAScalingRules",
    "Scaling behavior for one direction.",
    f(
        "stabilizationWindowSeconds",
        "int32",
        "Seconds for which past recommendations are considered while scaling.",
    ),
    f("selectPolicy", "string", "Which policy should be used: Max, Min or Disabled."),
    f("policies", "[]HPAScalingPolicy", "Potential scaling polices.", **ATOMIC),
    f(
        "tolerance",
        "Quantity",
        "The tolerance on the ratio between current and desired metric values.",
    ),
)
obj(
    A2 + "HorizontalPodAutoscalerBehavior",
    "The scaling behavior of the target in both Up and Down directions.",
    f("scaleUp", "HPAScalingRules", "Scaling policy for scaling Up."),
    f("scaleDown", "HPAScalingRules", "Scaling policy for scaling Down."),
)
obj(
    A2 + "HorizontalPodAutoscalerSpec",
    "The desired functionality of the HorizontalPodAutoscaler.",
    f(
        "scaleTargetRef",
        "CrossVersionObjectReference",
        "Points to the target resource to scale.",
        required=True,
    ),
    f(
        "minReplicas",
        "int32",
        "The lower limit for the number of replicas. Defaults to 1.",
        default=1,
    ),
    f("maxReplicas", "int32", "The upper limit for the number of replicas.", required=True),
    f(
        "metrics",
        "[]MetricSpec",
        "The specifications for which to use to calculate the desired "
        "replica count. Defaults to 80% average CPU utilization.",
        **ATOMIC,
    ),
    f("behavior", "HorizontalPodAutoscalerBehavior", "The scaling behavior of the target."),
)
obj(
    A2 + "HorizontalPodAutoscalerCondition",
    "The state of a HorizontalPodAutoscaler at a certain point.",
    f(
        "type",
        "string",
        "Type of the condition: ScalingActive, AbleToScale, ScalingLimited.",
        required=True,
    ),
    f("status", "string", "Status of the condition: True, False or Unknown.", required=True),
    f("lastTransitionTime", "Time", "The last time the condition transitioned."),
    f("reason", "string", "The reason for the condition's last transition."),
    f("message", "string", "A human-readable explanation containing details about the transition."),
)
obj(
    A2 + "HorizontalPodAutoscalerStatus",
    "The current status of a horizontal pod autoscaler.",
    f("observedGeneration", "int64", "The most recent generation observed by this autoscaler."),
    f(
        "lastScaleTime",
        "Time",
        "The last time the HorizontalPodAutoscaler scaled the number of pods.",
    ),
    f("currentReplicas", "int32", "Current number of replicas of pods managed by this autoscaler."),
    f(
        "desiredReplicas",
        "int32",
        "Desired number of replicas of pods managed by this autoscaler.",
        required=True,
    ),
    f(
        "currentMetrics",
        "[]MetricStatus",
        "The last read state of the metrics used by this autoscaler.",
        **ATOMIC,
    ),
    f(
        "conditions",
        "[]HorizontalPodAutoscalerCondition",
        "Conditions needed for this autoscaler to scale its target.",
        **merge_by("type"),
    ),
)
obj(
    A2 + "HorizontalPodAutoscaler",
    "The configuration for a horizontal pod autoscaler, which automatically manages the "
    "replica count of any resource implementing the scale subresource based on the metrics "
    "specified.",
    API_VERSION,
    KIND,
    metadata(),
    f(
        "spec",
        "HorizontalPodAutoscalerSpec",
        "The specification for the behaviour of the autoscaler.",
    ),
    f("status", "HorizontalPodAutoscalerStatus", "The current information about the autoscaler."),
    gvk=("autoscaling", "v2", "HorizontalPodAutoscaler"),
)
list_kind("HorizontalPodAutoscaler", "autoscaling", "v2", prefix=A2)

# ------------------------------------------------------------------ events.k8s.io

E = "io.k8s.api.events.v1."
obj(
    E + "EventSeries",
    "A series of events; the first event is used to create it.",
    f(
        "count",
        "int32",
        "The number of occurrences in this series up to the last heartbeat time.",
        required=True,
    ),
    f(
        "lastObservedTime",
        "MicroTime",
        "The time when the last Event from the series was seen.",
        required=True,
    ),
)
obj(
    E + "Event",
    "A report of an event somewhere in the cluster. It generally denotes some state change in "
    "the system.",
    API_VERSION,
    KIND,
    metadata(),
    f("eventTime", "MicroTime", "The time when this Event was first observed.", required=True),
    f(
        "series",
        "io.k8s.api.events.v1.EventSeries",
        "Data about the Event series this event represents.",
    ),
    f(
        "reportingController",
        "string",
        "The name of the controller that emitted this Event, e.g. kubernetes.io/kubelet.",
    ),
    f("reportingInstance", "string", "The ID of the controller instance."),
    f("action", "string", "What action was taken/failed regarding the regarding object."),
    f("reason", "string", "Why the action was taken, in UpperCamelCase."),
    f("regarding", "ObjectReference", "The object this Event is about."),
    f("related", "ObjectReference", "The optional secondary object for more complex actions."),
    f("note", "string", "A human-readable description of the status of this operation."),
    f("type", "string", "The type of this event (Normal, Warning)."),
    f(
        "deprecatedSource",
        "EventSource",
        "The deprecated field assuring backward compatibility with core.v1 Event type.",
    ),
    f("deprecatedFirstTimestamp", "Time", "Deprecated: core.v1 firstTimestamp."),
    f("deprecatedLastTimestamp", "Time", "Deprecated: core.v1 lastTimestamp."),
    f("deprecatedCount", "int32", "Deprecated: core.v1 count."),
    gvk=("events.k8s.io", "v1", "Event"),
)
list_kind("Event", "events.k8s.io", prefix=E)

# ------------------------------------------------------------------ coordination.k8s.io

C = "io.k8s.api.coordination.v1."
obj(
    C + "LeaseSpec",
    "The specification of a Lease.",
    f("holderIdentity", "string", "The identity of the holder of a current lease."),
    f(
        "leaseDurationSeconds",
        "int32",
        "Duration that candidates for a lease need to wait to "
        "force acquire it, measured against the time of last observed renewTime.",
    ),
    f("acquireTime", "MicroTime", "The time at which the current lease was acquired."),
    f("renewTime", "MicroTime", "The time at which the current holder last updated the lease."),
    f("leaseTransitions", "int32", "The number of transitions of a lease between holders."),
    f("strategy", "string", "The strategy for picking the leader for coordinated leader election."),
    f("preferredHolder", "string", "The holder signalled to be preferred."),
)
obj(
    C + "Lease",
    "Defines a lease concept.",
    API_VERSION,
    KIND,
    metadata(),
    f("spec", "LeaseSpec", "The specification of the Lease."),
    gvk=("coordination.k8s.io", "v1", "Lease"),
)
list_kind("Lease", "coordination.k8s.io", prefix=C)

# ------------------------------------------------------------------ scheduling.k8s.io

S = "io.k8s.api.scheduling.v1."
obj(
    S + "PriorityClass",
    "A mapping from a priority class name to the priority integer value. The value can be any "
    "valid integer.",
    API_VERSION,
    KIND,
    metadata(),
    f(
        "value",
        "int32",
        "The actual value of this priority class: the priority that pods "
        "receive when they have the name of this class in their pod spec.",
        required=True,
    ),
    f(
        "globalDefault",
        "boolean",
        "Whether this PriorityClass is the default for pods without "
        "a priorityClassName. Only one PriorityClass can be marked as globalDefault.",
    ),
    f(
        "description",
        "string",
        "An arbitrary string that usually provides guidelines on when "
        "this priority class should be used.",
    ),
    f(
        "preemptionPolicy",
        "string",
        "The Policy for preempting pods with lower priority: Never "
        "or PreemptLowerPriority. Defaults to PreemptLowerPriority.",
        default="PreemptLowerPriority",
        enum=("Never", "PreemptLowerPriority"),
    ),
    gvk=("scheduling.k8s.io", "v1", "PriorityClass"),
)
list_kind("PriorityClass", "scheduling.k8s.io", prefix=S)

# ------------------------------------------------------------------ policy

PO = "io.k8s.api.policy.v1."
obj(
    PO + "PodDisruptionBudgetSpec",
    "A description of a PodDisruptionBudget.",
    f(
        "minAvailable",
        "IntOrString",
        "An eviction is allowed if at least minAvailable pods "
        "selected by selector will still be available after the eviction.",
    ),
    f(
        "selector",
        "LabelSelector",
        "Label query over pods whose evictions are managed by the disruption budget.",
        patch_strategy="replace",
    ),
    f(
        "maxUnavailable",
        "IntOrString",
        "An eviction is allowed if at most maxUnavailable pods "
        "selected by selector are unavailable after the eviction.",
    ),
    f(
        "unhealthyPodEvictionPolicy",
        "string",
        "When unhealthy running pods should be "
        "considered for eviction: IfHealthyBudget or AlwaysAllow.",
        enum=("AlwaysAllow", "IfHealthyBudget"),
    ),
)
obj(
    PO + "PodDisruptionBudgetStatus",
    "Information about the status of a PodDisruptionBudget.",
    f(
        "observedGeneration",
        "int64",
        "The most recent generation observed when updating this PDB status.",
    ),
    f(
        "disruptedPods",
        "map[Time]",
        "Pods whose eviction was processed but not yet observed "
        "by the PodDisruptionBudget controller.",
    ),
    f(
        "disruptionsAllowed",
        "int32",
        "Number of pod disruptions that are currently allowed.",
        required=True,
    ),
    f("currentHealthy", "int32", "Current number of healthy pods.", required=True),
    f("desiredHealthy", "int32", "Minimum desired number of healthy pods.", required=True),
    f(
        "expectedPods",
        "int32",
        "Total number of pods counted by this disruption budget.",
        required=True,
    ),
    f(
        "conditions",
        "[]Condition",
        "The latest available observations of the PodDisruptionBudget's state.",
        **merge_by("type"),
    ),
)
obj(
    PO + "PodDisruptionBudget",
    "The maximum disruption that can be caused to a collection of pods.",
    API_VERSION,
    KIND,
    metadata(),
    f(
        "spec",
        "PodDisruptionBudgetSpec",
        "Specification of the desired behavior of the PodDisruptionBudget.",
    ),
    f(
        "status",
        "PodDisruptionBudgetStatus",
        "Most recently observed status of the PodDisruptionBudget.",
    ),
    gvk=("policy", "v1", "PodDisruptionBudget"),
)
list_kind("PodDisruptionBudget", "policy", prefix=PO)
obj(
    PO + "Eviction",
    "Evicts a pod from its node subject to certain policies and safety constraints. A "
    "subresource of Pod: POST .../pods/<pod name>/eviction.",
    API_VERSION,
    KIND,
    metadata(),
    f("deleteOptions", "DeleteOptions", "DeleteOptions may be provided."),
    gvk=("policy", "v1", "Eviction"),
)

# ------------------------------------------------------------------ node.k8s.io

N = "io.k8s.api.node.v1."
obj(
    N + "Overhead",
    "The resource overhead associated with running a pod.",
    f("podFixed", "map[Quantity]", "The fixed resource overhead associated with running a pod."),
)
obj(
    N + "Scheduling",
    "The scheduling constraints for nodes supporting a RuntimeClass.",
    f(
        "nodeSelector",
        "map[string]",
        "Labels that must be present on nodes that support this RuntimeClass.",
        map_type="atomic",
    ),
    f(
        "tolerations",
        "[]Toleration",
        "Tolerations appended to pods running with this RuntimeClass.",
        **ATOMIC,
    ),
)
obj(
    N + "RuntimeClass",
    "A class of container runtime supported in the cluster, used to determine which container "
    "runtime is used to run all containers in a pod.",
    API_VERSION,
    KIND,
    metadata(),
    f(
        "handler",
        "string",
        "The underlying runtime and configuration that the CRI "
        "implementation uses to handle pods of this class.",
        required=True,
    ),
    f(
        "overhead",
        "io.k8s.api.node.v1.Overhead",
        "The overhead associated with running a pod for a given RuntimeClass.",
    ),
    f(
        "scheduling",
        "io.k8s.api.node.v1.Scheduling",
        "The scheduling constraints to ensure "
        "that pods running with this RuntimeClass are scheduled to nodes that support it.",
    ),
    gvk=("node.k8s.io", "v1", "RuntimeClass"),
)
list_kind("RuntimeClass", "node.k8s.io", prefix=N)
