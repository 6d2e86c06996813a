#pragma once
// Framework: runs scheduling cycles of one profile over a SchedulerCache. Every filter and score
// plugin evaluates one pod over all candidate rows in one pass (column loops); diagnosis keeps a
// (code, plugin, reason-set) per row and formats the FitError lazily from counts.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kcore/pod_info.hpp"
#include "kcore/rng.hpp"
#include "kcore/scheduler_cache.hpp"
#include "kcore/status.hpp"

namespace kcore {

enum PluginId : int {
  kNodeUnschedulable = 0,
  kNodeName,
  kTaintToleration,
  kNodeAffinity,
  kNodePorts,
  kNodeResourcesFit,
  kVolumeRestrictions,
  kNodeVolumeLimits,
  kVolumeBinding,
  kVolumeZone,
  kPodTopologySpread,
  kInterPodAffinity,
  kDynamicResources,
  kNodeResourcesBalancedAllocation,
  kImageLocality,
  kDefaultPreemption,
  kNumNativePlugins,
  kExternalBase = 64,  // external (Python) plugins: kExternalBase + index
};

std::string_view native_plugin_name(int id) noexcept;
int native_plugin_id(std::string_view name) noexcept;  // -1 if unknown

// A filter/score plugin implemented outside the core (the bindings wrap Python plugins).
// Called once per pod with the candidate rows; never per node.
class ExternalPlugin {
 public:
  virtual ~ExternalPlugin() = default;
  virtual const std::string& name() const noexcept = 0;
  // OUT pass: 1 = fits, per entry of `rows`; OUT code/reason for rejected rows. false + error on
  // failure.
  virtual bool filter(const PodInfo& pod, const std::vector<std::int32_t>& rows,
                      std::vector<std::uint8_t>& pass, std::uint8_t& code, std::string& reason,
                      std::string& error) = 0;
  // OUT scores aligned with `rows` (feasible rows), already in 0..100.
  virtual bool score(const PodInfo& pod, const std::vector<std::int32_t>& rows,
                     std::vector<std::int64_t>& scores, std::string& error) = 0;
};

enum class ScoringType : std::uint8_t {
  kLeastAllocated,
  kMostAllocated,
  kRequestedToCapacityRatio
};

struct ResourceWeight {
  std::string name;
  std::int64_t weight = 1;
};

struct DefaultSpreadConstraint {
  std::int32_t max_skew = 1;
  std::string topology_key;
  bool do_not_schedule = false;
};

struct ProfileConfig {
  std::vector<int> filters;                          // plugin ids in order
  std::vector<std::pair<int, std::int64_t>> scores;  // (plugin id, weight) in order
  std::vector<int> post_filters;
  std::vector<std::shared_ptr<ExternalPlugin>> external;
  // NodeResourcesFit
  std::vector<std::string> ignored_resources, ignored_resource_groups;
  ScoringType scoring = ScoringType::kLeastAllocated;
  std::vector<ResourceWeight> fit_resources{{"cpu", 1}, {"memory", 1}};
  std::vector<std::pair<std::int64_t, std::int64_t>> shape;  // (utilization, score 0..10)
  // NodeResourcesBalancedAllocation
  std::vector<ResourceWeight> balanced_resources{{"cpu", 1}, {"memory", 1}};
  // InterPodAffinity
  std::int64_t hard_pod_affinity_weight = 1;
  bool ignore_preferred_terms_of_existing_pods = false;
  // PodTopologySpread
  bool system_defaulted = true;
  std::vector<DefaultSpreadConstraint> default_constraints{
      {3, "kubernetes.io/hostname", false}, {5, "topology.kubernetes.io/zone", false}};
  // NodeAffinity addedAffinity
  bool has_added_affinity = false;
  NodeAffinitySpec added_affinity;
  // DefaultPreemption
  std::int64_t min_candidate_nodes_percentage = 10;
  std::int64_t min_candidate_nodes_absolute = 100;
  // percentageOfNodesToScore: -1 = every node (kcore default), 0 = adaptive, 1..100 fixed.
  std::int32_t percentage_of_nodes_to_score = -1;
};

struct PreemptionCandidate {
  std::int32_t row = -1;
  std::vector<std::string> victims;  // most important first
  std::int64_t pdb_violations = 0;
};

// Everything a cycle decided, for explain() and the fidelity replay (filled on request).
struct CycleDetail {
  std::vector<std::int32_t> evaluated_rows;  // rows in evaluation order
  std::vector<std::int32_t> feasible_rows;   // ascending
  struct Failure {
    std::int32_t row;
    std::string plugin;
    std::uint8_t code;
    std::vector<std::string> reasons;
  };
  std::vector<Failure> failures;
  bool prefilter_rejected = false;
  bool has_prefilter_result = false;
  std::vector<std::string> prefilter_result_names;
  std::vector<std::string> score_plugins;
  std::vector<std::int64_t> weights;
  std::vector<std::int64_t> scores;  // feasible x plugins, row-major, aligned with feasible_rows
  std::vector<std::int64_t> totals;  // aligned with feasible_rows
  std::vector<std::int32_t> top_rows;
  std::string post_filter_status;  // "" when PostFilter did not run
  std::vector<std::int32_t> nomination_ties;
  std::vector<PreemptionCandidate> candidates;
};

struct CycleResult {
  Code code = Code::kSuccess;
  std::int32_t row = -1;  // chosen row
  std::string message;    // FitError text, "" on success
  std::int32_t nominated_row = -1;
  std::vector<std::string> victims;  // "ns/name", most important first
  std::int64_t latency_ns = 0;
  // kube-scheduler's Diagnosis sets of a pod that did not fit (Framework::plugin_bit): every
  // plugin that rejected a node or the pod (PreFilter), and those that returned Pending. 0 on
  // success and on an Error.
  std::uint64_t unschedulable_plugins = 0;
  std::uint64_t pending_plugins = 0;
};

class Framework {
 public:
  // `next_start_node_index` (optional) is the rotating start of percentageOfNodesToScore
  // sampling shared by every profile of one scheduler; nullptr keeps a private one.
  Framework(ProfileConfig cfg, SchedulerCache& cache, std::uint64_t seed,
            std::size_t* next_start_node_index = nullptr);

  // One scheduling cycle. Does not mutate the cache (the caller assumes the pod on success).
  // `key` ("namespace/name") identifies the pod in flight when it differs from the compiled
  // PodInfo's (copies of a batch template): nominated pods with that key are not counted.
  // Pods nominated to a node with priority >= the pod's are honoured by the filters
  // (RunFilterPluginsWithNominatedPods), and a pod with status.nominatedNodeName tries that node
  // first.
  CycleResult schedule(const PodInfoPtr& pod, CycleDetail* detail);
  CycleResult schedule(const PodInfoPtr& pod, CycleDetail* detail, const std::string& key);

  // Debug entry points: run one plugin for one pod over every live row (all treated as
  // feasible); per-row codes (filters) or scores, normalised or raw (what Score returns, before
  // NormalizeScore). A failing PreScore leaves zeros and sets `error` (when given).
  std::vector<std::uint8_t> debug_filter(const PodInfoPtr& pod, int plugin);
  std::vector<std::int64_t> debug_score(const PodInfoPtr& pod, int plugin, bool normalized,
                                        std::string* error = nullptr);

  const ProfileConfig& config() const noexcept { return cfg_; }
  // Plugin sets as bit masks: native plugin id i is bit i, external plugin kExternalBase + j
  // is bit kNumNativePlugins + j (at most 64 plugins in all). plugin_bit_names()[b] names bit b.
  static std::uint64_t plugin_bit(int id) noexcept;
  std::vector<std::string> plugin_bit_names() const;
  Rng& rng() noexcept { return rng_; }
  std::uint64_t cache_hits() const noexcept { return cache_hits_; }
  void set_equivalence_cache(bool on) noexcept { use_eq_cache_ = on; }
  // Topology keys with at most this many domains enter equivalence classes by domain, others by
  // the counts of each row's domain (a tuning knob; decisions are identical either way).
  void set_equivalence_coarse_domains(std::size_t n) noexcept;
  bool equivalence_cache() const noexcept { return use_eq_cache_; }

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  ProfileConfig cfg_;
  SchedulerCache& cache_;
  Rng rng_;
  std::uint64_t cache_hits_ = 0;
  bool use_eq_cache_ = true;
  friend struct Impl;
};

}  // namespace kcore
