#pragma once
// SchedulerCache: the mutable cluster state of one scheduler (nodes, bound/assumed pods,
// namespaces, the objects default spreading and preemption read) with the NodeTable columns and
// the incremental indexes the plugins aggregate from. Not thread-safe: the owner serialises calls.
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "kcore/intern.hpp"
#include "kcore/node_table.hpp"
#include "kcore/pod_info.hpp"
#include "kcore/spec.hpp"

namespace kcore {

// Input errors detected by the core (the bindings map them to Python exceptions).
struct InvalidInput : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
struct NotFound : std::out_of_range {
  using std::out_of_range::out_of_range;
};
struct AlreadyExists : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

inline constexpr std::int32_t kResCpu = 0, kResMemory = 1, kResEphemeral = 2, kResPods = 3;

struct PodRecord {
  bool live = false;
  std::string key;  // "namespace/name"
  std::string name;
  std::string uid;
  PodInfoPtr info;  // may be shared by many pods of one batch (identity lives here)
  std::int32_t row = -1;
  bool assumed = false;                // placed by the scheduler, binding not finished
  std::uint64_t seq = 0;               // insertion order
  std::vector<std::int32_t> term_ids;  // ExistingTerm entries this pod contributes to
};

// One clause of a pod matcher: namespace criterion + label selector.
struct MatchClause {
  bool all_namespaces = false;
  std::vector<std::int32_t> namespaces;  // sorted
  CompiledSelector selector;
};

// Per-node count of pods matching all clauses (optionally excluding terminating pods),
// maintained on every pod add/remove while the matcher lives.
struct Matcher {
  std::vector<MatchClause> clauses;
  bool exclude_terminating = false;
  std::vector<std::int32_t> per_row;
  std::int64_t total = 0;
  std::uint64_t last_used = 0;
};

enum TermKind : std::uint8_t { kReqAnti = 0, kReqAff = 1, kPrefAff = 2, kPrefAnti = 3 };

// A distinct (anti-)affinity term carried by existing pods, with per-node carrier counts.
struct ExistingTerm {
  TermKind kind = kReqAnti;
  AffinityTerm term;
  std::vector<std::int32_t> per_row;
  std::int64_t total = 0;
  std::string key;
};

// A pod nominated to a node (kube-scheduler's nominator: a preemptor waiting for its victims to
// leave) but not placed yet. Filters of lower- or equal-priority pods see it on that node.
struct NominatedPod {
  std::string key;  // "namespace/name"
  PodInfoPtr info;
  std::string node_name;
};

// kube-scheduler's PodNominator. Invariant: a key is in `by_node[n]` if and only if
// `by_key[key].node_name == n`; `by_node` lists keys in nomination order and has no empty lists.
struct Nominator {
  std::unordered_map<std::string, NominatedPod> by_key;
  std::unordered_map<std::string, std::vector<std::string>> by_node;
};

struct ImageState {
  std::int64_t size = 0;  // size reported by the first node that reported the name
  std::int32_t num_nodes = 0;
};

struct ServiceObj {
  std::int32_t ns = -1;
  std::string name;
  bool has_selector = false;
  LabelSet selector;  // map selector
};

struct SelectorObj {
  ObjectKind kind = ObjectKind::kOther;
  std::int32_t ns = -1;
  std::string name;
  bool has_map_selector = false;
  LabelSet map_selector;      // RC
  CompiledSelector selector;  // RS / SS / PDB
  std::int32_t disruptions_allowed = 0;
  std::vector<std::string> disrupted_pods;
};

class SchedulerCache {
 public:
  SchedulerCache();

  // --- nodes -------------------------------------------------------------------------------
  void add_node(const NodeSpecIn& node);
  void update_node(const NodeSpecIn& node);
  void remove_node(const std::string& name);
  std::int32_t row_of(const std::string& node_name) const;  // -1 if unknown

  // --- pods --------------------------------------------------------------------------------
  // Compiles a pod (interning its strings). Throws InvalidInput on bad input.
  PodInfoPtr compile_pod(const PodSpecIn& spec);
  // compile_pod for a pod whose identity the caller passes on separately (a scheduling cycle):
  // returns the PodInfo compiled for an earlier pod with the same scheduling content (the spec
  // but metadata.name and metadata.uid) when one of the last kTemplates is, so replicas of one
  // controller compile once. A shared PodInfo's name and uid are those of the first pod.
  PodInfoPtr compile_pod_shared(const PodSpecIn& spec);
  static constexpr std::size_t kTemplates = 16;
  // Adds a pod bound (or assumed) to `node_name`. Throws NotFound / AlreadyExists.
  void add_pod(const PodInfoPtr& pod, const std::string& node_name, bool assumed);
  // Same, with an explicit identity (batches share one compiled PodInfo across copies).
  void add_pod_as(const PodInfoPtr& pod, const std::string& ns, const std::string& name,
                  const std::string& uid, std::int32_t row, bool assumed);
  void remove_pod(const std::string& key);
  bool has_pod(const std::string& key) const { return pod_by_key_.count(key) != 0; }
  const PodRecord* find_pod(const std::string& key) const;
  void finish_binding(const std::string& key);
  // Temporarily detach / re-attach a pod from its node (preemption dry runs). Keeps the record.
  void detach_pod(std::int32_t slot);
  void attach_pod(std::int32_t slot);
  // Virtually place a pod on a row (nominated pods during filtering): accounted in every column
  // and index like a real pod but not addressable by key. Returns the slot for removal.
  std::int32_t add_virtual_pod(const PodInfoPtr& pod, std::int32_t row);
  void remove_virtual_pod(std::int32_t slot);

  // --- nominator ------------------------------------------------------------------------------
  // Records (or moves) `key`'s nomination to `node_name`. A pod that is already placed (bound or
  // assumed) is not nominated (returns false), as kube-scheduler ignores scheduled pods. Placing
  // a pod (add_pod / add_pod_as) drops its nomination.
  bool add_nominated_pod(const PodInfoPtr& pod, const std::string& key,
                         const std::string& node_name);
  bool delete_nominated_pod_if_exists(const std::string& key);
  // Keys nominated to `node_name`, in nomination order.
  std::vector<std::string> nominated_pods_for_node(const std::string& node_name) const;
  const NominatedPod* nominated_pod(const std::string& key) const;
  std::size_t num_nominated() const noexcept { return nominator_.by_key.size(); }
  // Per live row, the pods nominated to it that a pod of priority `priority` must respect
  // (priority >= `priority`, `self_key` excluded), in nomination order; rows ascending.
  std::vector<std::pair<std::int32_t, std::vector<PodInfoPtr>>> nominated_for(
      std::int32_t priority, const std::string& self_key) const;
  const Nominator& nominator() const noexcept { return nominator_; }
  void set_nominator(Nominator n) { nominator_ = std::move(n); }

  // --- namespaces and objects ---------------------------------------------------------------
  void add_namespace(const NamespaceSpecIn& ns);
  void remove_namespace(const std::string& name);
  void add_object(const ObjectSpecIn& obj);
  void remove_object(ObjectKind kind, const std::string& ns, const std::string& name);

  // --- read access for the framework ------------------------------------------------------
  const NodeTable& table() const noexcept { return t_; }
  NodeTable& mutable_table() noexcept { return t_; }
  const std::vector<std::int32_t>& live_rows() const noexcept { return live_rows_; }
  std::size_t num_nodes() const noexcept { return live_rows_.size(); }
  std::size_t num_pods() const noexcept { return pod_by_key_.size(); }
  const std::vector<PodRecord>& pods() const noexcept { return pods_; }
  std::int32_t slot_of(const std::string& key) const;
  const std::vector<std::int32_t>& pods_on(std::int32_t row) const { return t_.rows[row].pods; }
  Interner& strings() noexcept { return str_; }
  const Interner& strings() const noexcept { return str_; }
  const Interner& resources() const noexcept { return res_; }
  bool resource_is_scalar(std::int32_t r) const { return res_scalar_[static_cast<std::size_t>(r)]; }
  std::int32_t resource_index(const std::string& name);  // interns
  const std::vector<Taint>& taint_universe() const noexcept { return taints_; }
  const ImageState* image(std::int32_t name_id) const;
  const std::vector<std::int32_t>& image_rows(std::int32_t name_id) const;
  const LabelSet* namespace_labels(std::int32_t ns) const;
  std::vector<std::int32_t> namespaces_matching(const CompiledSelector& sel) const;
  const std::vector<ServiceObj>& services() const noexcept { return services_; }
  const SelectorObj* find_object(ObjectKind kind, std::int32_t ns, const std::string& name) const;
  const std::vector<SelectorObj>& pdbs() const noexcept { return pdbs_; }
  std::optional<std::int64_t> numeric(std::int32_t value_id) const;

  // Generations: `row_gen(row)` bumps whenever that row changes; `epoch()` bumps on any change
  // that can alter every row's result (node add/remove/update, namespaces, objects).
  std::uint64_t epoch() const noexcept { return epoch_; }
  std::uint64_t pod_epoch() const noexcept { return pod_epoch_; }
  std::uint64_t affinity_pods() const noexcept { return affinity_pods_; }
  // Existing-term index version: bumps whenever a distinct term appears or disappears.
  std::uint64_t terms_version() const noexcept { return terms_version_; }
  // Dirty-row log: every row whose generation bumped, in order. Positions are absolute;
  // `dirty_base()` is the oldest position still kept (older consumers must rebuild).
  std::uint64_t dirty_end() const noexcept { return dirty_base_ + dirty_log_.size(); }
  std::uint64_t dirty_base() const noexcept { return dirty_base_; }
  std::int32_t dirty_at(std::uint64_t pos) const noexcept {
    return dirty_log_[static_cast<std::size_t>(pos - dirty_base_)];
  }

  // Matchers: per-node counts of pods matching a set of clauses. The reference is valid until the
  // next matcher() call may evict it (1024 matchers are kept, least recently used first out);
  // a holder of matcher_ptr's result pins the matcher (never evicted, always maintained).
  const Matcher& matcher(std::vector<MatchClause> clauses, bool exclude_terminating);
  std::shared_ptr<const Matcher> matcher_ptr(std::vector<MatchClause> clauses,
                                             bool exclude_terminating);
  const std::vector<ExistingTerm>& existing_terms() const noexcept { return terms_; }
  // The identity of a distinct term (ExistingTerm::key) and the live term with it (-1: none).
  static std::string term_key(TermKind kind, const AffinityTerm& t);
  std::int32_t term_id(const std::string& key) const;

  bool pod_matches_clause(const PodInfo& p, const MatchClause& c) const;

 private:
  void ensure_row_capacity(std::size_t rows);
  std::int32_t label_column(std::int32_t key);  // creates
  void set_node_row(std::int32_t row, const NodeSpecIn& node, bool fresh);
  void clear_node_row(std::int32_t row);
  std::int32_t new_slot();  // a live, empty pod record (a freed one if any)
  void account_pod(std::int32_t slot, int sign);
  void index_terms(std::int32_t slot);
  void unindex_terms(std::int32_t slot);
  void bump_row(std::int32_t row) {
    t_.generation[static_cast<std::size_t>(row)] = ++gen_;
    if (dirty_log_.size() >= (std::size_t{1} << 20)) {
      std::size_t half = dirty_log_.size() / 2;
      dirty_log_.erase(dirty_log_.begin(), dirty_log_.begin() + static_cast<std::ptrdiff_t>(half));
      dirty_base_ += half;
    }
    dirty_log_.push_back(row);
  }
  void compile_selector(const LabelSelectorSpec& s, CompiledSelector& out, bool nil_is_nothing);
  void compile_requirements(const std::vector<RequirementSpec>& reqs, CompiledSelector& out);
  void compile_node_term(const NodeSelectorTermSpec& t, NodeTerm& out, const std::string& path,
                         std::vector<std::string>* errors);
  void compile_affinity_term(const PodAffinityTermSpec& t, const std::string& pod_ns,
                             AffinityTerm& out);
  LabelSet intern_labels(const StringPairs& labels);
  void invalidate_ns_matchers();

  Interner str_;  // label keys/values, namespaces, images, IPs, ...
  Interner res_;  // resource names -> resource index
  std::vector<std::uint8_t> res_scalar_;
  NodeTable t_;
  std::vector<std::int32_t> free_rows_;
  std::vector<std::int32_t> live_rows_;  // sorted ascending
  std::unordered_map<std::string, std::int32_t> row_by_name_;
  std::vector<Taint> taints_;
  std::unordered_map<std::uint64_t, std::int32_t> taint_ids_;
  std::unordered_map<std::int32_t, ImageState> images_;
  std::unordered_map<std::int32_t, std::vector<std::int32_t>> image_rows_;
  std::vector<PodRecord> pods_;
  std::vector<std::int32_t> free_slots_;
  std::unordered_map<std::string, std::int32_t> pod_by_key_;
  std::unordered_map<std::int32_t, LabelSet> namespaces_;
  std::vector<ServiceObj> services_;
  std::vector<SelectorObj> owners_;  // RS / SS / RC
  std::vector<SelectorObj> pdbs_;
  std::unordered_map<std::string, std::int32_t> priority_classes_;
  std::unordered_map<std::string, std::shared_ptr<Matcher>>
      matchers_;  // LRU-capped, see matcher_ptr
  std::vector<ExistingTerm> terms_;
  std::unordered_map<std::string, std::int32_t> term_by_key_;
  std::vector<std::int32_t> free_terms_;
  mutable std::vector<std::int8_t> numeric_state_;
  mutable std::vector<std::int64_t> numeric_value_;
  std::uint64_t gen_ = 0, epoch_ = 1, pod_epoch_ = 0, seq_ = 0, use_clock_ = 0;
  std::uint64_t affinity_pods_ = 0;  // live pods carrying any (anti-)affinity term
  std::uint64_t terms_version_ = 0;
  std::vector<std::int32_t> dirty_log_;
  std::uint64_t dirty_base_ = 0;
  Nominator nominator_;
  // compile_pod_shared's memo (least recently used out): content hash, last use, the spec and
  // its PodInfo. Compiled PodInfos stay valid: they hold interned ids, which never change
  // meaning.
  struct Template {
    std::size_t hash = 0;
    std::uint64_t used = 0;
    PodSpecIn spec;
    PodInfoPtr info;
  };
  std::vector<Template> templates_;
  std::uint64_t template_clock_ = 0;
  std::array<std::size_t, 64> seen_{};  // hashes of contents compiled once (ring)
  std::size_t seen_next_ = 0;
};

}  // namespace kcore
