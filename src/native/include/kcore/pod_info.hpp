#pragma once
// PodInfo: a pod's scheduling requirements compiled once (quantities parsed, strings interned,
// selectors compiled). Filters and scores read only this and the NodeTable columns.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kcore/selector.hpp"
#include "kcore/spec.hpp"

namespace kcore {

enum TaintEffect : std::uint8_t {
  kEffectAll = 0,  // toleration with empty effect
  kNoSchedule = 1,
  kPreferNoSchedule = 2,
  kNoExecute = 3,
  kEffectOther = 4,
};

struct Taint {
  std::int32_t key = -1;
  std::int32_t value = -1;
  std::uint8_t effect = kNoSchedule;
  bool operator==(const Taint&) const = default;
};

struct Toleration {
  std::int32_t key = -1;  // -1: empty key (matches every key)
  bool exists = false;    // operator Exists (else Equal)
  std::int32_t value = -1;
  std::uint8_t effect = kEffectAll;
  bool tolerates(const Taint& t) const noexcept {
    if (effect != kEffectAll && effect != t.effect) return false;
    if (key >= 0 && key != t.key) return false;
    return exists || value == t.value;
  }
};

enum Protocol : std::uint8_t { kTCP = 0, kUDP = 1, kSCTP = 2 };

struct PortUse {
  std::int32_t ip = -1;  // interned host IP ("0.0.0.0" for empty)
  std::int32_t proto = kTCP;
  std::int32_t port = 0;
  auto operator<=>(const PortUse&) const = default;
};

// A matchFields requirement: In / NotIn one value on a node field. Only metadata.name is set on
// a node (other keys read as "", as fields.Set lookups do).
struct FieldRequirement {
  bool in = true;
  bool name_key = true;  // the key is metadata.name
  std::string name;      // the value
};

struct NodeTerm {
  std::vector<CompiledRequirement> exprs;
  std::vector<FieldRequirement> fields;
  bool error = false;  // a parse error: the term matches nothing
};

// A nodeaffinity.NodeSelector: ORed terms (empty terms dropped); no terms matches nothing.
struct NodeSelectorCompiled {
  std::vector<NodeTerm> terms;
};

struct PreferredNodeTerm {
  std::int32_t weight = 0;
  NodeTerm term;
};

struct SpreadConstraint {
  std::int32_t max_skew = 1;
  std::int32_t key = -1;  // topology key (interned)
  CompiledSelector selector;
  std::int32_t min_domains = 1;
  bool honor_node_affinity = true;
  bool honor_node_taints = false;
};

// A pod (anti-)affinity term. `namespaces` sorted ids; namespace selector kept compiled.
struct AffinityTerm {
  CompiledSelector selector;
  std::vector<std::int32_t> namespaces;
  CompiledSelector ns_selector;  // nothing when nil
  std::int32_t topology_key = -1;
  std::int32_t weight = 0;
};

struct PodInfo {
  // Identity.
  std::string ns_name, name, uid;
  std::int32_t ns = -1;
  LabelSet labels;
  std::string node_name;  // spec.nodeName (NodeName filter)
  std::string nominated_node_name;
  // Requests: actual (Fit filter, BalancedAllocation) by resource index, zero entries dropped
  // except that `requested_any` records whether anything was requested.
  std::vector<std::pair<std::int32_t, std::int64_t>> requests;
  std::int64_t req_cpu = 0, req_mem = 0, req_eph = 0;
  std::int64_t nonzero_cpu = 0, nonzero_mem = 0;  // with 100m / 200Mi defaults (scoring)
  bool requests_nothing = true;
  // NodeAffinity.
  bool node_affinity_prefilter = false;  // nodeSelector or required affinity present
  bool has_node_selector = false;
  std::vector<std::pair<std::int32_t, std::int32_t>> node_selector;  // key, value ids
  bool has_required_affinity = false;
  NodeSelectorCompiled required;
  // PreFilterResult names from metadata.name In terms: set only when every term has one.
  bool has_name_result = false;
  std::vector<std::string> name_result;
  bool has_preferred = false;
  std::vector<PreferredNodeTerm> preferred;
  // NewPreferredSchedulingTerms' error when a preferred term does not parse ("" when all do):
  // NodeAffinity's PreScore then fails the cycle with an Error status.
  std::string preferred_error;
  // TaintToleration.
  std::vector<Toleration> tolerations;
  // NodePorts.
  std::vector<PortUse> ports;
  // ImageLocality: normalised image name ids of init + regular containers.
  std::vector<std::int32_t> images;
  std::int32_t num_containers = 0;
  // PodTopologySpread (the pod's own constraints; defaults are derived per cycle).
  bool has_spread_constraints = false;
  std::vector<SpreadConstraint> spread_hard, spread_soft;
  std::vector<std::pair<std::int32_t, std::int32_t>> owner;  // unused placeholder
  std::string controller_api_version, controller_kind, controller_name;
  // InterPodAffinity.
  std::vector<AffinityTerm> aff_required, anti_required, aff_preferred, anti_preferred;
  bool has_pod_affinity = false;  // spec.affinity.podAffinity or podAntiAffinity present
  // Preemption / queue.
  std::int32_t priority = 0;
  bool preempt_never = false;
  bool terminating = false;
  bool terminating_by_preemption = false;
  std::int64_t start_time_ns = kNoTime;
  // Equivalence-class signature (filled at compile time; identity excluded). Pods with equal
  // signatures and no spreading/affinity get identical filter codes and scores on a given row.
  std::string signature;
};

using PodInfoPtr = std::shared_ptr<const PodInfo>;

}  // namespace kcore
