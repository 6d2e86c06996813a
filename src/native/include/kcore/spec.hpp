#pragma once
// Plain C++ mirrors of the Kubernetes objects the scheduler reads (Pod, Node, Namespace, Service,
// ReplicaSet, StatefulSet, ReplicationController, PodDisruptionBudget). The bindings fill these
// from Python dicts (conversion only); the core compiles them into PodInfo / node rows. Quantities
// are already parsed to int64 (cpu in milli-units, everything else in units).
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kcore {

using StringPairs = std::vector<std::pair<std::string, std::string>>;
using ResourceList = std::vector<std::pair<std::string, std::int64_t>>;  // name -> parsed amount

enum class SelOp : std::uint8_t { kIn, kNotIn, kExists, kDoesNotExist, kGt, kLt };

struct RequirementSpec {
  std::string key;
  SelOp op = SelOp::kIn;
  std::vector<std::string> values;
  bool values_nil = false;  // "values" absent or null (a nil slice in Go; error messages only)
  bool operator==(const RequirementSpec&) const = default;
};

// metav1.LabelSelector; `present` false means a nil selector (matches nothing).
struct LabelSelectorSpec {
  bool present = false;
  StringPairs match_labels;
  std::vector<RequirementSpec> match_expressions;
  bool operator==(const LabelSelectorSpec&) const = default;
};

struct NodeSelectorTermSpec {
  std::vector<RequirementSpec> match_expressions;
  std::vector<RequirementSpec> match_fields;
  bool operator==(const NodeSelectorTermSpec&) const = default;
};

struct PreferredSchedulingTermSpec {
  std::int32_t weight = 0;
  NodeSelectorTermSpec preference;
  bool operator==(const PreferredSchedulingTermSpec&) const = default;
};

struct NodeAffinitySpec {
  bool has_required = false;  // requiredDuringScheduling... present (even with no terms)
  std::vector<NodeSelectorTermSpec> required_terms;
  bool has_preferred = false;  // preferredDuringScheduling... present (even if empty)
  std::vector<PreferredSchedulingTermSpec> preferred;
  bool operator==(const NodeAffinitySpec&) const = default;
};

struct TolerationSpec {
  std::string key;
  std::string op;  // "Exists" or "Equal" ("" = Equal)
  std::string value;
  std::string effect;  // "" = all effects
  bool operator==(const TolerationSpec&) const = default;
};

struct TaintSpec {
  std::string key;
  std::string value;
  std::string effect;
  bool operator==(const TaintSpec&) const = default;
};

struct PortSpec {
  std::string host_ip;
  std::string protocol;
  std::int32_t host_port = 0;
  bool operator==(const PortSpec&) const = default;
};

struct ContainerSpec {
  std::string name;
  std::string image;
  ResourceList requests;        // only keys present in resources.requests
  std::vector<PortSpec> ports;  // entries with hostPort > 0 only
  bool restartable = false;     // init container with restartPolicy: Always (sidecar)
  bool operator==(const ContainerSpec&) const = default;
};

struct TopologySpreadConstraintSpec {
  std::int32_t max_skew = 1;
  std::string topology_key;
  bool do_not_schedule = true;  // whenUnsatisfiable
  LabelSelectorSpec selector;
  std::optional<std::int32_t> min_domains;
  bool honor_node_affinity = true;  // nodeAffinityPolicy (default Honor)
  bool honor_node_taints = false;   // nodeTaintsPolicy (default Ignore)
  std::vector<std::string> match_label_keys;
  bool operator==(const TopologySpreadConstraintSpec&) const = default;
};

struct PodAffinityTermSpec {
  LabelSelectorSpec selector;
  std::vector<std::string> namespaces;
  LabelSelectorSpec namespace_selector;
  std::string topology_key;
  std::int32_t weight = 0;  // preferred terms only
  bool operator==(const PodAffinityTermSpec&) const = default;
};

struct OwnerRefSpec {
  std::string api_version;
  std::string kind;
  std::string name;
  bool operator==(const OwnerRefSpec&) const = default;
};

constexpr std::int64_t kNoTime = std::numeric_limits<std::int64_t>::max();

struct PodSpecIn {
  std::string ns;
  std::string name;
  std::string uid;
  StringPairs labels;
  std::string node_name;
  std::optional<OwnerRefSpec> controller;
  std::vector<ContainerSpec> containers;
  std::vector<ContainerSpec> init_containers;
  ResourceList overhead;
  ResourceList pod_requests;  // spec.resources.requests (pod-level resources)
  bool has_node_selector = false;
  StringPairs node_selector;
  NodeAffinitySpec node_affinity;
  std::vector<TolerationSpec> tolerations;
  std::vector<TopologySpreadConstraintSpec> spread;
  std::vector<PodAffinityTermSpec> affinity_required;
  std::vector<PodAffinityTermSpec> affinity_preferred;
  std::vector<PodAffinityTermSpec> anti_required;
  std::vector<PodAffinityTermSpec> anti_preferred;
  bool has_pod_affinity = false;       // spec.affinity.podAffinity present
  bool has_pod_anti_affinity = false;  // spec.affinity.podAntiAffinity present
  std::int32_t priority = 0;
  bool preempt_never = false;
  bool terminating = false;  // metadata.deletionTimestamp set
  bool terminating_by_preemption =
      false;  // ... and a DisruptionTarget/PreemptionByScheduler condition
  std::int64_t start_time_ns = kNoTime;  // status.startTime (ns since epoch), kNoTime if unset
  std::string nominated_node_name;       // status.nominatedNodeName
  std::string scheduler_name;            // spec.schedulerName ("" = default-scheduler)
};

struct NodeImageSpec {
  std::vector<std::string> names;
  std::int64_t size_bytes = 0;
};

struct NodeSpecIn {
  std::string name;
  StringPairs labels;
  bool unschedulable = false;
  std::vector<TaintSpec> taints;
  ResourceList allocatable;
  std::vector<NodeImageSpec> images;
};

struct NamespaceSpecIn {
  std::string name;
  StringPairs labels;
};

enum class ObjectKind : std::uint8_t {
  kService,
  kReplicaSet,
  kStatefulSet,
  kReplicationController,
  kPodDisruptionBudget,
  kPriorityClass,
  kOther,
};

// Service / RC: `map_selector` (nil => has_map_selector false). RS / SS / PDB: `selector`.
struct ObjectSpecIn {
  ObjectKind kind = ObjectKind::kOther;
  std::string ns;
  std::string name;
  bool has_map_selector = false;
  StringPairs map_selector;
  LabelSelectorSpec selector;
  std::int32_t disruptions_allowed = 0;     // PDB status.disruptionsAllowed
  std::vector<std::string> disrupted_pods;  // PDB status.disruptedPods keys
  std::int32_t value = 0;                   // PriorityClass value
};

}  // namespace kcore
