// One scheduling cycle of the default-profile plugins (kube-scheduler v1.35 semantics), evaluated
// over all candidate rows per plugin. See docs/scheduler-core.md for the data flow.
#include "kcore/framework.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>

namespace kcore {

namespace {

constexpr const char* kNames[kNumNativePlugins] = {
    "NodeUnschedulable",  "NodeName",
    "TaintToleration",    "NodeAffinity",
    "NodePorts",          "NodeResourcesFit",
    "VolumeRestrictions", "NodeVolumeLimits",
    "VolumeBinding",      "VolumeZone",
    "PodTopologySpread",  "InterPodAffinity",
    "DynamicResources",   "NodeResourcesBalancedAllocation",
    "ImageLocality",      "DefaultPreemption"};

constexpr std::uint8_t kOk = static_cast<std::uint8_t>(Code::kSuccess);
constexpr std::uint8_t kUnsched = static_cast<std::uint8_t>(Code::kUnschedulable);
constexpr std::uint8_t kUnresolvable =
    static_cast<std::uint8_t>(Code::kUnschedulableAndUnresolvable);
constexpr std::uint8_t kErr = static_cast<std::uint8_t>(Code::kError);
constexpr std::uint8_t kPending = static_cast<std::uint8_t>(Code::kPending);
constexpr std::int64_t kMaxNodeScore = 100;
constexpr std::int64_t kMiB = 1024 * 1024;

const char* const kReasonUnschedulable = "node(s) were unschedulable";
const char* const kReasonNodeName = "node(s) didn't match the requested node name";
const char* const kReasonTaint = "node(s) had untolerated taint(s)";
const char* const kReasonAffinity = "node(s) didn't match Pod's node affinity/selector";
const char* const kReasonEnforced = "node(s) didn't match scheduler-enforced node affinity";
const char* const kReasonConflict = "pod affinity terms conflict";
const char* const kReasonPorts = "node(s) didn't have free ports for the requested pod ports";
const char* const kReasonSpread = "node(s) didn't match pod topology spread constraints";
const char* const kReasonSpreadLabel =
    "node(s) didn't match pod topology spread constraints (missing required label)";
const char* const kReasonPodAffinity = "node(s) didn't match pod affinity rules";
const char* const kReasonPodAnti = "node(s) didn't match pod anti-affinity rules";
const char* const kReasonExistingAnti = "node(s) didn't satisfy existing pods anti-affinity rules";
const char* const kReasonNoVictims = "No preemption victims found for incoming pod";
const char* const kReasonNotHelpful = "Preemption is not helpful for scheduling";

std::string code_name(std::uint8_t c) {
  switch (c) {
    case 0:
      return "Success";
    case 1:
      return "Error";
    case 2:
      return "Unschedulable";
    case 3:
      return "UnschedulableAndUnresolvable";
    default:
      return "Unknown";
  }
}

// Exact floor(t / a) for 0 <= t, 0 < a, through a pipelined double division with a one-step
// correction (exact whenever both operands are below 2^52; falls back to integer division).
inline std::int64_t exact_div(std::int64_t t, std::int64_t a) noexcept {
  constexpr std::int64_t kLimit = std::int64_t{1} << 52;
  if (t < kLimit && a < kLimit) {
    auto d = static_cast<std::int64_t>(static_cast<double>(t) / static_cast<double>(a));
    if (d * a > t) {
      --d;
    } else if ((d + 1) * a <= t) {
      ++d;
    }
    return d;
  }
  return t / a;
}

bool req_matches(const CompiledRequirement& r, std::int32_t v, const SchedulerCache& c) {
  switch (r.op) {
    case SelOp::kIn:
      return v >= 0 && std::binary_search(r.values.begin(), r.values.end(), v);
    case SelOp::kNotIn:
      return v < 0 || !std::binary_search(r.values.begin(), r.values.end(), v);
    case SelOp::kExists:
      return v >= 0;
    case SelOp::kDoesNotExist:
      return v < 0;
    case SelOp::kGt:
    case SelOp::kLt: {
      if (v < 0 || !r.number_ok) return false;
      auto n = c.numeric(v);
      if (!n) return false;
      return r.op == SelOp::kGt ? *n > r.number : *n < r.number;
    }
  }
  return false;
}

// Per-(topology key, domain) counts (kube-scheduler's topologyPair maps).
struct TopoCounts {
  std::vector<std::pair<std::int32_t, std::vector<std::int64_t>>> keys;
  bool any = false;
  bool positive = false;  // some entry received a positive contribution (all adds are >= 0)
  std::vector<std::int64_t>& at(std::int32_t key, const LabelColumn& col) {
    for (auto& [k, v] : keys) {
      if (k == key) {
        if (v.size() < col.domain_value.size()) v.resize(col.domain_value.size(), 0);
        return v;
      }
    }
    keys.emplace_back(key, std::vector<std::int64_t>(col.domain_value.size(), 0));
    return keys.back().second;
  }
  const std::vector<std::int64_t>* find(std::int32_t key) const {
    for (const auto& [k, v] : keys) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  bool has_positive_entries() const {
    if (positive) return true;
    for (const auto& [k, v] : keys) {
      for (auto x : v) {
        if (x != 0) return true;
      }
    }
    return false;
  }
  std::int64_t get(std::int32_t key, std::int32_t dom) const {
    const auto* v = find(key);
    if (!v || dom < 0 || static_cast<std::size_t>(dom) >= v->size()) return 0;
    return (*v)[static_cast<std::size_t>(dom)];
  }
};

struct PtsConstraint {
  SpreadConstraint c;
  const LabelColumn* col = nullptr;
  bool hostname = false;
  const Matcher* m = nullptr;
  std::vector<std::int64_t> dom_count;
  std::vector<std::uint8_t> dom_present;
  std::int64_t num_domains = 0;
  std::int64_t min_match = std::numeric_limits<std::int32_t>::max();
  bool self_match = false;
};

// --- equivalence-class cache structures ---------------------------------------------------------

constexpr std::int64_t kNoScore = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMissingValue = std::numeric_limits<std::int64_t>::min();
constexpr std::size_t kEqBlock = 16;           // rows per leaf of a class tree
constexpr std::size_t kEqMaxClasses = 256;     // classes per entry before it falls back
constexpr std::size_t kEqCoarseDomains = 16;   // keys with at most this many domains are coarse
constexpr std::size_t kEqMaxEntries = 8;       // signatures kept (least recently used out)
constexpr std::int64_t kEqCoarseTable = 4096;  // largest direct class table (coarse keys)

// Tournament tree over blocks of kEqBlock rows for one class: leaf b holds (max, count) of the
// row-local totals of the class's member rows in block b ((kNoScore, 0) when it has none), so the
// root is the class's best total and the number of member rows at it.
struct ClassTree {
  std::size_t size = 1;
  std::vector<std::int64_t> mx;
  std::vector<std::uint32_t> cnt;

  void init(std::size_t leaves) {
    size = 1;
    while (size < leaves) size <<= 1;
    mx.assign(2 * size, kNoScore);
    cnt.assign(2 * size, 0);
  }
  void pull(std::size_t p) {
    std::size_t a = 2 * p, b = a + 1;
    if (mx[a] > mx[b]) {
      mx[p] = mx[a];
      cnt[p] = cnt[a];
    } else if (mx[a] < mx[b]) {
      mx[p] = mx[b];
      cnt[p] = cnt[b];
    } else {
      mx[p] = mx[a];
      cnt[p] = cnt[a] + cnt[b];
    }
  }
  void build() {
    for (std::size_t p = size - 1; p >= 1; --p) pull(p);
  }
  void set(std::size_t leaf, std::int64_t m, std::uint32_t n) {
    std::size_t p = leaf + size;
    if (mx[p] == m && cnt[p] == n) return;
    mx[p] = m;
    cnt[p] = n;
    for (p >>= 1; p >= 1; p >>= 1) pull(p);
  }
};

// How a topology key enters the class key of a row: by its domain id (coarse: few domains, whose
// counts are looked up per class at pick time), by the counts of the row's domain (fine: many
// small domains; a count change moves that domain's rows between classes), or by the row's own
// count (row: PodTopologySpread's hostname scoring, which reads the node's count).
enum class SlotMode : std::uint8_t { kCoarse, kFine, kRow };

struct EqSlot {
  std::int32_t key = -1;  // label key id
  SlotMode mode = SlotMode::kCoarse;
  const LabelColumn* col = nullptr;  // stable while the cache epoch is unchanged; may be null
  std::size_t pos = 0;               // first position in the class key
  std::vector<std::int32_t> aggs;    // fine / row: aggregates whose values form the key
  // Fine: the live rows of domain d are dom_rows[dom_start[d] .. dom_start[d + 1]) (CSR).
  std::vector<std::int32_t> dom_start, dom_rows;
  std::vector<std::uint32_t> stamp;  // fine: per domain, dedupe of moves
};

// A per-domain sum of weighted per-row counts (kube-scheduler's topology pair maps), maintained
// from the dirty rows. Invariant: by_dom[d] = sum over eligible live rows r with domain d of
// sum over feeds (source, weight) of weight * seen[source][r].
struct EqAgg {
  std::int32_t slot = 0;
  std::size_t key_index = 0;           // class-key position of its domain (coarse) or value
  std::vector<std::uint8_t> eligible;  // per row; empty = every row
  std::vector<std::int64_t> by_dom;    // per domain (row slots: per row)
  std::int64_t total = 0;
  // Domain the eligible rows lacking the key count into, -1 for none. PodTopologySpread
  // scoring with System defaults keys domains by node.Labels[key]: such rows belong to the ""
  // domain (that of key="" when a node carries it, else a slot of its own past the domains).
  std::int64_t absent = -1;
  // PodTopologySpread filter: the minimum over the domains of eligible rows.
  bool track_min = false;
  std::vector<std::uint8_t> present;  // per domain
  std::int64_t num_domains = 0;
  std::map<std::int64_t, std::int64_t> hist;  // count -> number of present domains with it
};

// A per-row count array the aggregates are fed from: a pinned matcher or an existing term
// (term -1 with no matcher: an anticipated term, not live yet, read as zeros until bound).
struct EqSource {
  std::shared_ptr<const Matcher> matcher;
  std::int32_t term = -1;
  bool bound() const noexcept { return matcher || term >= 0; }
  std::vector<std::int32_t> seen;  // per row: the value already in the aggregates
  std::vector<std::pair<std::int32_t, std::int64_t>> feeds;  // (aggregate, weight)
  const std::vector<std::int32_t>& per_row(const SchedulerCache& c) const {
    return matcher ? matcher->per_row : c.existing_terms()[static_cast<std::size_t>(term)].per_row;
  }
};

struct EqPtsHard {
  std::int32_t agg = 0;
  std::int32_t max_skew = 1, min_domains = 1;
  bool self_match = false;
  std::int64_t min = 0;  // scratch of one pick
};

struct EqPtsSoft {
  std::int32_t agg = 0, slot = 0;
  bool hostname = false;
  std::int32_t max_skew = 1;
  double weight = 0;  // scratch of one pick
};

// Rows whose class key is equal get the same verdicts and scores from PodTopologySpread and
// InterPodAffinity; within a class, rows are ranked by their row-local total.
struct EqClass {
  std::vector<std::int64_t> key;
  ClassTree tree;
  std::int64_t members = 0;  // base-feasible live rows in the class
  // Scratch of one pick.
  bool allowed = false, ignored = false, participating = false;
  std::int64_t raw = 0, g = 0;
};

struct KeyHash {
  std::size_t operator()(const std::vector<std::int64_t>& v) const noexcept {
    std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ v.size();
    for (auto x : v) {
      h ^= static_cast<std::uint64_t>(x) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    }
    return static_cast<std::size_t>(h);
  }
};

// Equivalence-class cache entry of one pod signature: per-row base feasibility (every filter
// but PodTopologySpread's skew and InterPodAffinity's counts) and row-local total (every score
// but theirs), rows grouped into classes with one tree each, and the domain aggregates those two
// plugins read. Valid for the cache epoch it was built at; the rows in the dirty log since
// `dirty_pos` are folded in before use.
struct EqEntry {
  std::string sig;
  std::uint64_t epoch = 0, terms_version = 0, dirty_pos = 0, last_used = 0;
  bool cacheable = false;
  bool overflow = false;
  bool balanced_ran = false;
  std::int64_t taint_const = 0, na_const = 0;
  // Rows.
  std::vector<std::uint8_t> base_ok;
  std::vector<std::int64_t> local;      // valid where base_ok
  std::vector<std::int32_t> row_class;  // class of a base-feasible live row, else -1
  std::size_t nblocks = 0;
  // Domain model.
  std::vector<std::int32_t> static_keys;  // label keys a base-feasible row must carry
  std::vector<EqSlot> slots;
  std::vector<EqAgg> aggs;
  std::vector<EqSource> sources;
  std::vector<EqPtsHard> pts_hard;
  bool ipa_filter = false, ipa_self_match_all = false;
  std::vector<std::int32_t> ipa_aff, ipa_anti, ipa_exist;  // aggregates
  bool ipa_score = false;
  std::int64_t ipa_weight = 0;
  std::vector<std::int32_t> ipa_score_aggs;
  bool pts_score = false, pts_require_all = false;
  std::int64_t pts_weight = 0;
  std::vector<EqPtsSoft> pts_soft;
  // Existing terms the aggregates read, by identity (ExistingTerm::key): bound to a live term, or
  // anticipated (id -1): the pod's own terms that match the pod itself, which appear as soon as a
  // copy is placed and are then bound instead of rebuilding the entry.
  struct TermRef {
    std::string key;
    std::int32_t id = -1;
    std::int32_t source = 0;
  };
  std::vector<TermRef> term_refs;
  std::uint32_t move_stamp = 0;
  // Classes.
  std::vector<EqClass> classes;
  std::unordered_map<std::vector<std::int64_t>, std::int32_t, KeyHash> class_ids;
  std::vector<std::int32_t> free_classes;
  std::size_t live_classes = 0;
  std::int32_t trivial_class = -1;  // the class of the empty key (no domain part), if live
  // When every slot is coarse and the key space is small: class id by mixed-radix index of the
  // key (domain + 1 per slot, radix = domains + 1), -1 when that class is not live.
  std::vector<std::int64_t> coarse_radix;
  std::vector<std::int32_t> coarse_table;
};

}  // namespace

std::string_view native_plugin_name(int id) noexcept {
  if (id < 0 || id >= kNumNativePlugins) return {};
  return kNames[id];
}

int native_plugin_id(std::string_view name) noexcept {
  for (int i = 0; i < kNumNativePlugins; ++i) {
    if (name == kNames[i]) return i;
  }
  return -1;
}

struct Framework::Impl {
  Framework& fw;
  SchedulerCache& c;
  // Per-row scratch (sized to table capacity).
  std::vector<std::uint8_t> code;
  std::vector<std::int16_t> plug;
  std::vector<std::int32_t> reason;
  std::vector<std::int8_t> na_match;  // valid where na_stamp[row] == stamp
  std::vector<std::uint32_t> na_stamp;
  std::uint32_t stamp = 1;
  std::vector<std::uint8_t> status_buf;
  std::vector<std::int64_t> rs_count;
  std::vector<std::int64_t> scratch;
  // Reason sets (stable ids).
  std::vector<std::vector<std::string>> reason_sets;
  std::unordered_map<std::string, std::int32_t> reason_ids;
  // Added affinity (NodeAffinityArgs).
  PodInfoPtr added;
  // Per-cycle state.
  const PodInfo* pod = nullptr;
  // Pods nominated to rows that this pod's filters must respect (priority >= its own), rows
  // ascending (SchedulerCache::nominated_for).
  std::vector<std::pair<std::int32_t, std::vector<PodInfoPtr>>> nominated;
  std::vector<std::uint64_t> bad_taints, pref_taints;
  bool any_bad_taint = false, any_pref_taint = false;
  bool na_skip = true;
  bool ports_skip = true;
  bool pts_skip = true;
  std::vector<PtsConstraint> pts;
  bool ipa_skip = true;
  TopoCounts existing_anti, aff_counts, anti_counts;
  bool self_match_all = false;
  std::vector<std::string> ext_reason;  // per external plugin: reason of the last filter
  // Score plugins return their raw scores, NormalizeScore skipped (debug_score only).
  bool raw_scores = false;
  std::vector<std::uint8_t> term_ok, domain_ok;  // scratch of add_term_matches
  std::vector<std::int64_t> term_weight;         // scratch of score_ipa
  std::vector<std::pair<const std::int32_t*, std::int64_t*>> term_dest;
  std::vector<std::unique_ptr<EqEntry>> eq;
  std::uint64_t eq_clock = 0;
  std::vector<std::uint32_t> row_seen;
  std::uint32_t row_seen_stamp = 0;
  std::size_t coarse_domains = kEqCoarseDomains;
  // Scratch of the equivalence-class cache.
  std::vector<std::int64_t> key_buf, score_one, domains_buf;
  std::vector<std::int32_t> one_row{0}, dirty, moved, active, part;

  Impl(Framework& f, SchedulerCache& cache, std::size_t* shared_next_start)
      : fw(f), c(cache), next_start(shared_next_start ? *shared_next_start : own_next_start) {
    if (f.cfg_.has_added_affinity) {
      PodSpecIn spec;
      spec.name = "added-affinity";
      spec.node_affinity = f.cfg_.added_affinity;
      added = c.compile_pod(spec);
    }
  }

  std::int32_t intern_reasons(const std::vector<std::string>& rs) {
    std::string key;
    for (const auto& r : rs) {
      key += r;
      key += '\x1f';
    }
    auto it = reason_ids.find(key);
    if (it != reason_ids.end()) return it->second;
    auto id = static_cast<std::int32_t>(reason_sets.size());
    reason_sets.push_back(rs);
    reason_ids.emplace(std::move(key), id);
    return id;
  }
  // The id of a one-reason set named by a string constant, memoised by address (a cycle asks
  // for several per filter; building the key each time showed up in profiles).
  std::int32_t intern_reason(const char* r) {
    for (const auto& [p, id] : reason_memo) {
      if (p == r) return id;
    }
    std::int32_t id = intern_reasons({std::string(r)});
    reason_memo.emplace_back(r, id);
    return id;
  }
  std::vector<std::pair<const char*, std::int32_t>> reason_memo;

  void ensure_scratch() {
    std::size_t cap = c.table().capacity;
    if (code.size() < cap) {
      code.resize(cap);
      plug.resize(cap);
      reason.resize(cap);
      na_match.resize(cap);
      na_stamp.resize(cap, 0);
      scratch.resize(cap);
      status_buf.resize(cap);
    }
  }

  // --- node affinity helpers -----------------------------------------------------------------
  bool term_matches(const NodeTerm& t, std::int32_t row) const {
    if (t.error) return false;
    const NodeTable& tb = c.table();
    for (const auto& r : t.exprs) {
      if (!req_matches(r, tb.label(row, r.key), c)) return false;
    }
    for (const auto& f : t.fields) {
      bool eq = f.name_key ? tb.rows[static_cast<std::size_t>(row)].name == f.name : f.name.empty();
      if (eq != f.in) return false;
    }
    return true;
  }
  bool selector_matches(const NodeSelectorCompiled& s, std::int32_t row) const {
    for (const auto& t : s.terms) {
      if (term_matches(t, row)) return true;
    }
    return false;
  }
  // The pod's nodeSelector + required node affinity (nodeaffinity.GetRequiredNodeAffinity).
  bool required_matches(std::int32_t row) {
    auto r = static_cast<std::size_t>(row);
    if (na_stamp[r] == stamp) return na_match[r] != 0;
    na_stamp[r] = stamp;
    const NodeTable& tb = c.table();
    bool ok = true;
    for (const auto& [k, v] : pod->node_selector) {
      if (tb.label(row, k) != v) {
        ok = false;
        break;
      }
    }
    if (ok && pod->has_required_affinity) ok = selector_matches(pod->required, row);
    na_match[r] = ok ? 1 : 0;
    return ok;
  }
  bool taints_ok(std::int32_t row) const {
    const NodeTable& tb = c.table();
    const std::uint64_t* b = &tb.taint_bits[static_cast<std::size_t>(row) * tb.taint_words];
    std::uint64_t any = 0;
    for (std::size_t w = 0; w < tb.taint_words; ++w) any |= b[w] & bad_taints[w];
    return any == 0;
  }

  // --- prefilter -----------------------------------------------------------------------------
  MatchClause incoming_clause(const AffinityTerm& t) const {
    MatchClause cl;
    cl.selector = t.selector;
    if (t.ns_selector.everything()) {
      cl.all_namespaces = true;
    } else {
      cl.namespaces = t.namespaces;
      if (!t.ns_selector.nothing) {
        auto extra = c.namespaces_matching(t.ns_selector);
        cl.namespaces.insert(cl.namespaces.end(), extra.begin(), extra.end());
        std::sort(cl.namespaces.begin(), cl.namespaces.end());
        cl.namespaces.erase(std::unique(cl.namespaces.begin(), cl.namespaces.end()),
                            cl.namespaces.end());
      }
    }
    return cl;
  }
  // Existing pod's term vs the incoming pod (AffinityTerm.Matches with the incoming ns labels).
  bool existing_term_matches_incoming(const AffinityTerm& t) const {
    bool ns_ok = std::binary_search(t.namespaces.begin(), t.namespaces.end(), pod->ns);
    if (!ns_ok) {
      static const LabelSet kEmpty;
      const LabelSet* nsl = c.namespace_labels(pod->ns);
      ns_ok = t.ns_selector.matches(nsl ? *nsl : kEmpty,
                                    [this](std::int32_t v) { return c.numeric(v); });
    }
    return ns_ok &&
           t.selector.matches(pod->labels, [this](std::int32_t v) { return c.numeric(v); });
  }

  // Default spreading selector (helper.DefaultSelector); nothing => no default constraints.
  CompiledSelector default_selector() const {
    CompiledSelector sel;
    std::map<std::int32_t, std::int32_t> merged;
    auto numeric = [this](std::int32_t v) { return c.numeric(v); };
    (void)numeric;
    for (const auto& s : c.services()) {
      if (s.ns != pod->ns || !s.has_selector) continue;
      bool match = true;
      for (const auto& [k, v] : s.selector) {
        if (label_value(pod->labels, k) != v) {
          match = false;
          break;
        }
      }
      if (match) {
        for (const auto& [k, v] : s.selector) merged[k] = v;
      }
    }
    std::vector<CompiledRequirement> extra;
    if (!pod->controller_kind.empty()) {
      const std::string& av = pod->controller_api_version;
      const std::string& kind = pod->controller_kind;
      if (av == "v1" && kind == "ReplicationController") {
        if (const auto* o =
                c.find_object(ObjectKind::kReplicationController, pod->ns, pod->controller_name)) {
          for (const auto& [k, v] : o->map_selector) merged[k] = v;
        }
      } else if (av == "apps/v1" && (kind == "ReplicaSet" || kind == "StatefulSet")) {
        ObjectKind ok = kind == "ReplicaSet" ? ObjectKind::kReplicaSet : ObjectKind::kStatefulSet;
        if (const auto* o = c.find_object(ok, pod->ns, pod->controller_name)) {
          if (!o->selector.nothing) extra = o->selector.reqs;
        }
      }
    }
    for (const auto& [k, v] : merged) {
      CompiledRequirement r;
      r.key = k;
      r.op = SelOp::kIn;
      r.values.push_back(v);
      sel.reqs.push_back(std::move(r));
    }
    sel.reqs.insert(sel.reqs.end(), extra.begin(), extra.end());
    return sel;
  }

  std::vector<SpreadConstraint> spread_constraints(bool hard) const {
    if (pod->has_spread_constraints) return hard ? pod->spread_hard : pod->spread_soft;
    std::vector<SpreadConstraint> out;
    bool any = false;
    for (const auto& d : fw.cfg_.default_constraints) any |= d.do_not_schedule == hard;
    if (!any) return out;
    CompiledSelector sel = default_selector();
    if (sel.reqs.empty()) return out;
    for (const auto& d : fw.cfg_.default_constraints) {
      if (d.do_not_schedule != hard) continue;
      SpreadConstraint sc;
      sc.max_skew = d.max_skew;
      sc.key = c.strings().find(d.topology_key);
      sc.selector = sel;
      out.push_back(std::move(sc));
    }
    return out;
  }

  // The pods a spread constraint counts (countPodsMatchSelector): same namespace, not
  // terminating, matching the selector; an empty selector (labelSelector: {}) counts none,
  // although the incoming pod itself matches it (selfMatch).
  MatchClause spread_clause(const SpreadConstraint& sc) const {
    MatchClause cl;
    cl.namespaces.push_back(pod->ns);
    cl.selector = sc.selector;
    if (cl.selector.everything()) cl.selector.nothing = true;
    return cl;
  }
  const Matcher& spread_matcher(const SpreadConstraint& sc) {
    return c.matcher({spread_clause(sc)}, true);
  }

  void prefilter_pts_counts() {
    const auto& rows = c.live_rows();
    for (auto& p : pts) {
      std::size_t nd = p.col ? p.col->domain_value.size() : 0;
      p.dom_count.assign(nd, 0);
      p.dom_present.assign(nd, 0);
      p.m = &spread_matcher(p.c);
    }
    for (auto row : rows) {
      bool all = true;
      for (const auto& p : pts) {
        if (!p.col || p.col->value[static_cast<std::size_t>(row)] < 0) {
          all = false;
          break;
        }
      }
      if (!all) continue;
      for (auto& p : pts) {
        if (p.c.honor_node_affinity && pod->node_affinity_prefilter && !required_matches(row))
          continue;
        if (p.c.honor_node_taints && !taints_ok(row)) continue;
        auto dom = static_cast<std::size_t>(p.col->domain[static_cast<std::size_t>(row)]);
        p.dom_present[dom] = 1;
        p.dom_count[dom] += p.m->per_row[static_cast<std::size_t>(row)];
      }
    }
    for (auto& p : pts) {
      p.num_domains = 0;
      p.min_match = std::numeric_limits<std::int32_t>::max();
      for (std::size_t d = 0; d < p.dom_present.size(); ++d) {
        if (!p.dom_present[d]) continue;
        ++p.num_domains;
        p.min_match = std::min(p.min_match, p.dom_count[d]);
      }
    }
  }

  void prefilter_ipa_counts() {
    existing_anti = TopoCounts{};
    aff_counts = TopoCounts{};
    anti_counts = TopoCounts{};
    const NodeTable& tb = c.table();
    const auto& rows = c.live_rows();
    {
      // Existing pods' required anti-affinity terms that match the incoming pod.
      const auto& terms = c.existing_terms();
      std::vector<std::int64_t>& weight = term_weight;
      weight.assign(terms.size(), 0);
      std::size_t relevant = 0;
      std::int64_t carriers = 0;
      for (std::size_t id = 0; id < terms.size(); ++id) {
        const ExistingTerm& e = terms[id];
        if (e.total <= 0 || e.kind != kReqAnti || !tb.column(e.term.topology_key)) continue;
        if (!existing_term_matches_incoming(e.term)) continue;
        weight[id] = 1;
        ++relevant;
        carriers += e.total;
      }
      sum_existing_terms(weight, relevant, carriers, existing_anti);
    }
    if (!pod->aff_required.empty()) {
      std::vector<MatchClause> cls;
      for (const auto& t : pod->aff_required) cls.push_back(incoming_clause(t));
      const Matcher& m = c.matcher(cls, false);
      for (const auto& t : pod->aff_required) {
        const LabelColumn* col = tb.column(t.topology_key);
        if (!col || m.total == 0) continue;
        std::vector<std::int64_t>* v = nullptr;
        for (auto row : rows) {
          auto r = static_cast<std::size_t>(row);
          if (m.per_row[r] == 0 || col->domain[r] < 0) continue;
          if (!v) v = &aff_counts.at(t.topology_key, *col);
          (*v)[static_cast<std::size_t>(col->domain[r])] += m.per_row[r];
          aff_counts.positive |= m.per_row[r] > 0;
        }
      }
      self_match_all = true;
      for (const auto& cl : cls) self_match_all &= c.pod_matches_clause(*pod, cl);
    }
    for (const auto& t : pod->anti_required) {
      const Matcher& m = c.matcher({incoming_clause(t)}, false);
      const LabelColumn* col = tb.column(t.topology_key);
      if (!col || m.total == 0) continue;
      std::vector<std::int64_t>* v = nullptr;
      for (auto row : rows) {
        auto r = static_cast<std::size_t>(row);
        if (m.per_row[r] == 0 || col->domain[r] < 0) continue;
        if (!v) v = &anti_counts.at(t.topology_key, *col);
        (*v)[static_cast<std::size_t>(col->domain[r])] += m.per_row[r];
        anti_counts.positive |= m.per_row[r] > 0;
      }
    }
  }

  // Runs PreFilter of every filter plugin. Returns false on a rejection (detail filled).
  // Without `with_domains`, PodTopologySpread and InterPodAffinity are left skipped (their
  // PreFilter cannot reject): the equivalence cache keeps their state itself.
  bool prefilter(std::uint8_t& rej_code, std::string& rej_plugin,
                 std::vector<std::string>& rej_reasons, bool& has_result,
                 std::vector<std::string>& result_names, bool with_domains = true) {
    const NodeTable& tb = c.table();
    // Taint bitsets over the universe.
    const auto& uni = c.taint_universe();
    bad_taints.assign(tb.taint_words, 0);
    pref_taints.assign(tb.taint_words, 0);
    for (std::size_t i = 0; i < uni.size(); ++i) {
      const Taint& t = uni[i];
      if (t.effect == kNoSchedule || t.effect == kNoExecute) {
        bool tol = false;
        for (const auto& tl : pod->tolerations) tol |= tl.tolerates(t);
        if (!tol) bad_taints[i / 64] |= std::uint64_t{1} << (i % 64);
      } else if (t.effect == kPreferNoSchedule) {
        bool tol = false;
        for (const auto& tl : pod->tolerations) {
          if (tl.effect == kEffectAll || tl.effect == kPreferNoSchedule) tol |= tl.tolerates(t);
        }
        if (!tol) pref_taints[i / 64] |= std::uint64_t{1} << (i % 64);
      }
    }
    if (++stamp == 0) {
      std::fill(na_stamp.begin(), na_stamp.end(), 0);
      stamp = 1;
    }
    any_bad_taint = false;
    any_pref_taint = false;
    for (auto w : bad_taints) any_bad_taint |= w != 0;
    for (auto w : pref_taints) any_pref_taint |= w != 0;
    na_skip = true;
    ports_skip = true;
    pts_skip = true;
    ipa_skip = true;
    has_result = false;
    for (int id : fw.cfg_.filters) {
      switch (id) {
        case kNodeAffinity:
          na_skip = !(pod->node_affinity_prefilter || added);
          if (pod->has_name_result) {
            if (pod->name_result.empty()) {
              rej_code = kUnresolvable;
              rej_plugin = "NodeAffinity";
              rej_reasons = {kReasonConflict};
              return false;
            }
            has_result = true;
            result_names = pod->name_result;
          }
          break;
        case kNodePorts:
          ports_skip = pod->ports.empty();
          break;
        case kPodTopologySpread: {
          if (!with_domains) break;
          pts.clear();
          for (auto& sc : spread_constraints(true)) {
            PtsConstraint p;
            p.c = std::move(sc);
            p.col = tb.column(p.c.key);
            p.self_match =
                p.c.selector.matches(pod->labels, [this](std::int32_t v) { return c.numeric(v); });
            pts.push_back(std::move(p));
          }
          pts_skip = pts.empty();
          if (!pts_skip) prefilter_pts_counts();
          break;
        }
        case kInterPodAffinity:
          if (!with_domains) break;
          prefilter_ipa_counts();
          ipa_skip = !existing_anti.has_positive_entries() && pod->aff_required.empty() &&
                     pod->anti_required.empty();
          break;
        default:
          break;
      }
    }
    return true;
  }

  // --- filters ---------------------------------------------------------------------------------
  void reject(std::int32_t row, int plugin, std::uint8_t cd, std::int32_t rs) {
    auto r = static_cast<std::size_t>(row);
    code[r] = cd;
    plug[r] = static_cast<std::int16_t>(plugin);
    reason[r] = rs;
  }

  void run_filters(const std::vector<std::int32_t>& rows) {
    const NodeTable& tb = c.table();
    for (auto row : rows) code[static_cast<std::size_t>(row)] = kOk;
    for (int id : fw.cfg_.filters) {
      switch (id) {
        case kNodeUnschedulable: {
          // v1helper.TolerationsTolerateTaint against {node.kubernetes.io/unschedulable, "",
          // NoSchedule}. Ids of strings never interned are -1: no toleration names that key
          // then, but a key-less one still matches (and an Equal one needs the "" value).
          Taint t{c.strings().find("node.kubernetes.io/unschedulable"), c.strings().find(""),
                  kNoSchedule};
          bool tol = false;
          for (const auto& tl : pod->tolerations) tol |= tl.tolerates(t);
          if (tol) break;
          std::int32_t rs = intern_reason(kReasonUnschedulable);
          for (auto row : rows) {
            auto r = static_cast<std::size_t>(row);
            if (code[r] == kOk && tb.unschedulable[r]) reject(row, id, kUnresolvable, rs);
          }
          break;
        }
        case kNodeName: {
          if (pod->node_name.empty()) break;
          std::int32_t rs = intern_reason(kReasonNodeName);
          for (auto row : rows) {
            auto r = static_cast<std::size_t>(row);
            if (code[r] == kOk && tb.rows[r].name != pod->node_name)
              reject(row, id, kUnresolvable, rs);
          }
          break;
        }
        case kTaintToleration: {
          if (!any_bad_taint) break;
          std::int32_t rs = intern_reason(kReasonTaint);
          for (auto row : rows) {
            if (code[static_cast<std::size_t>(row)] == kOk && !taints_ok(row))
              reject(row, id, kUnresolvable, rs);
          }
          break;
        }
        case kNodeAffinity: {
          if (na_skip) break;
          std::int32_t rs = intern_reason(kReasonAffinity);
          std::int32_t rs_enf = intern_reason(kReasonEnforced);
          for (auto row : rows) {
            if (code[static_cast<std::size_t>(row)] != kOk) continue;
            if (added && added->has_required_affinity && !selector_matches(added->required, row)) {
              reject(row, id, kUnresolvable, rs_enf);
            } else if (!required_matches(row)) {
              reject(row, id, kUnresolvable, rs);
            }
          }
          break;
        }
        case kNodePorts: {
          if (ports_skip) break;
          std::int32_t rs = intern_reason(kReasonPorts);
          std::int32_t any_ip = c.strings().find("0.0.0.0");
          for (auto row : rows) {
            auto r = static_cast<std::size_t>(row);
            if (code[r] != kOk) continue;
            const auto& used = tb.rows[r].ports;
            if (used.empty()) continue;
            bool conflict = false;
            for (const auto& w : pod->ports) {
              for (const auto& u : used) {
                if (u.port != w.port || u.proto != w.proto) continue;
                if (w.ip == any_ip || u.ip == any_ip || u.ip == w.ip) {
                  conflict = true;
                  break;
                }
              }
              if (conflict) break;
            }
            if (conflict) reject(row, id, kUnsched, rs);
          }
          break;
        }
        case kNodeResourcesFit:
          filter_fit(rows);
          break;
        case kPodTopologySpread:
          if (!pts_skip) filter_pts(rows);
          break;
        case kInterPodAffinity:
          if (!ipa_skip) filter_ipa(rows);
          break;
        default:
          if (id >= kExternalBase) filter_external(rows, id);
          break;
      }
    }
  }

  bool ignored_resource(std::int32_t r) const {
    const std::string& name = c.resources().name(r);
    if (name.find('/') == std::string::npos || name.find("kubernetes.io/") != std::string::npos) {
      return false;  // only extended resources can be ignored
    }
    for (const auto& i : fw.cfg_.ignored_resources) {
      if (i == name) return true;
    }
    std::string prefix = name.substr(0, name.find('/'));
    for (const auto& g : fw.cfg_.ignored_resource_groups) {
      if (g == prefix) return true;
    }
    return false;
  }

  struct Check {
    std::int32_t r;
    std::int64_t v;
  };

  void filter_fit(const std::vector<std::int32_t>& rows) {
    const NodeTable& tb = c.table();
    // Checked resources in kube-scheduler's order: cpu, memory, ephemeral-storage, scalars.
    std::vector<Check> checks;
    for (std::int32_t base : {kResCpu, kResMemory, kResEphemeral}) {
      for (const auto& [r, v] : pod->requests) {
        if (r == base && v > 0) checks.push_back({r, v});
      }
    }
    std::vector<Check> scalars;
    for (const auto& [r, v] : pod->requests) {
      if (r > kResPods && v > 0 && !ignored_resource(r)) scalars.push_back({r, v});
    }
    std::sort(scalars.begin(), scalars.end(), [this](const Check& a, const Check& b) {
      return c.resources().name(a.r) < c.resources().name(b.r);
    });
    checks.insert(checks.end(), scalars.begin(), scalars.end());
    const auto& pods_alloc = tb.allocatable[kResPods];
    if (checks.size() <= 2 && !pod->requests_nothing) {
      // Common case (cpu and/or memory): fused branch-light pass; failures go to the general path.
      const std::int64_t* pc = tb.pod_count.data();
      const std::int64_t* pa = pods_alloc.data();
      const std::int64_t* a0 =
          tb.allocatable[static_cast<std::size_t>(checks.empty() ? 0 : checks[0].r)].data();
      const std::int64_t* u0 =
          tb.requested[static_cast<std::size_t>(checks.empty() ? 0 : checks[0].r)].data();
      const std::int64_t v0 = checks.empty() ? 0 : checks[0].v;
      const std::int64_t* a1 =
          tb.allocatable[static_cast<std::size_t>(checks.size() < 2 ? 0 : checks[1].r)].data();
      const std::int64_t* u1 =
          tb.requested[static_cast<std::size_t>(checks.size() < 2 ? 0 : checks[1].r)].data();
      const std::int64_t v1 = checks.size() < 2 ? 0 : checks[1].v;
      std::vector<std::int32_t> slow;
      for (auto row : rows) {
        auto i = static_cast<std::size_t>(row);
        if (code[i] != kOk) continue;
        bool fits = (pc[i] + 1 <= pa[i]) & (v0 <= a0[i] - u0[i]) & (v1 <= a1[i] - u1[i]);
        if (!fits) slow.push_back(row);
      }
      if (slow.empty()) return;
      filter_fit_rows(slow, checks);
      return;
    }
    filter_fit_rows(rows, checks);
  }

  void filter_fit_rows(const std::vector<std::int32_t>& rows, const std::vector<Check>& checks) {
    const NodeTable& tb = c.table();
    std::unordered_map<std::uint64_t, std::int32_t> mask_ids;
    const auto& pods_alloc = tb.allocatable[kResPods];
    for (auto row : rows) {
      auto i = static_cast<std::size_t>(row);
      if (code[i] != kOk) continue;
      std::uint64_t mask = 0;
      bool unresolvable = false;
      if (tb.pod_count[i] + 1 > pods_alloc[i]) mask |= 1;
      if (!pod->requests_nothing) {
        for (std::size_t k = 0; k < checks.size() && k < 63; ++k) {
          const auto& ch = checks[k];
          std::int64_t alloc = tb.allocatable[static_cast<std::size_t>(ch.r)][i];
          std::int64_t used = tb.requested[static_cast<std::size_t>(ch.r)][i];
          if (ch.v > alloc - used) {
            mask |= std::uint64_t{1} << (k + 1);
            if (ch.v > alloc) unresolvable = true;
          }
        }
      }
      if (mask == 0) continue;
      std::uint64_t key = mask | (unresolvable ? (std::uint64_t{1} << 63) : 0);
      auto it = mask_ids.find(key);
      std::int32_t rs;
      if (it == mask_ids.end()) {
        std::vector<std::string> rsn;
        if (mask & 1) rsn.emplace_back("Too many pods");
        for (std::size_t k = 0; k < checks.size() && k < 63; ++k) {
          if (mask & (std::uint64_t{1} << (k + 1)))
            rsn.push_back("Insufficient " + c.resources().name(checks[k].r));
        }
        rs = intern_reasons(rsn);
        mask_ids.emplace(key, rs);
      } else {
        rs = it->second;
      }
      reject(row, kNodeResourcesFit, unresolvable ? kUnresolvable : kUnsched, rs);
    }
  }

  void filter_pts(const std::vector<std::int32_t>& rows) {
    std::int32_t rs_label = intern_reason(kReasonSpreadLabel);
    std::int32_t rs_skew = intern_reason(kReasonSpread);
    for (auto row : rows) {
      auto r = static_cast<std::size_t>(row);
      if (code[r] != kOk) continue;
      for (const auto& p : pts) {
        if (!p.col || p.col->value[r] < 0) {
          reject(row, kPodTopologySpread, kUnresolvable, rs_label);
          break;
        }
        std::int64_t min_match = p.num_domains < p.c.min_domains ? 0 : p.min_match;
        auto dom = static_cast<std::size_t>(p.col->domain[r]);
        std::int64_t match = dom < p.dom_count.size() ? p.dom_count[dom] : 0;
        std::int64_t skew = match + (p.self_match ? 1 : 0) - min_match;
        if (skew > p.c.max_skew) {
          reject(row, kPodTopologySpread, kUnsched, rs_skew);
          break;
        }
      }
    }
  }

  // Per-domain verdicts of one topology key (positive count), read per row through the key's
  // domain column: the filter touches two arrays per probe and row.
  struct DomainProbe {
    const std::int32_t* dom = nullptr;  // null: the key is on no node
    std::vector<std::uint8_t> positive;
  };
  DomainProbe domain_probe(std::int32_t key, const std::vector<std::int64_t>* counts) const {
    DomainProbe p;
    const LabelColumn* col = c.table().column(key);
    if (!col) return p;
    p.dom = col->domain.data();
    p.positive.assign(col->domain_value.size(), 0);
    if (counts) {
      for (std::size_t d = 0; d < p.positive.size() && d < counts->size(); ++d) {
        p.positive[d] = (*counts)[d] > 0 ? 1 : 0;
      }
    }
    return p;
  }

  void filter_ipa(const std::vector<std::int32_t>& rows) {
    std::int32_t rs_aff = intern_reason(kReasonPodAffinity);
    std::int32_t rs_anti = intern_reason(kReasonPodAnti);
    std::int32_t rs_exist = intern_reason(kReasonExistingAnti);
    bool aff_empty = !aff_counts.has_positive_entries();
    bool anti_any = anti_counts.has_positive_entries();
    bool exist_any = existing_anti.has_positive_entries();
    std::vector<DomainProbe> aff, anti, exist;
    bool aff_key_missing = false;  // some required affinity key is on no node: every row fails
    for (const auto& t : pod->aff_required) {
      aff.push_back(domain_probe(t.topology_key, aff_counts.find(t.topology_key)));
      aff_key_missing |= aff.back().dom == nullptr;
    }
    if (anti_any) {
      for (const auto& t : pod->anti_required) {
        const auto* cnt = anti_counts.find(t.topology_key);
        if (!cnt) continue;
        anti.push_back(domain_probe(t.topology_key, cnt));
        if (!anti.back().dom) anti.pop_back();
      }
    }
    if (exist_any) {
      for (const auto& [key, counts] : existing_anti.keys) {
        exist.push_back(domain_probe(key, &counts));
        if (!exist.back().dom) exist.pop_back();
      }
    }
    const bool self_ok = aff_empty && self_match_all;
    auto positive = [](const DomainProbe& p, std::size_t r) {
      std::int32_t d = p.dom[r];
      return d >= 0 && p.positive[static_cast<std::size_t>(d)] != 0;
    };
    for (auto row : rows) {
      auto r = static_cast<std::size_t>(row);
      if (code[r] != kOk) continue;
      bool ok = !aff_key_missing, pods_exist = true;
      for (std::size_t i = 0; ok && i < aff.size(); ++i) {
        std::int32_t d = aff[i].dom[r];
        if (d < 0) {
          ok = false;
        } else if (!aff[i].positive[static_cast<std::size_t>(d)]) {
          pods_exist = false;
        }
      }
      if (ok && !pods_exist) ok = self_ok;
      if (!ok) {
        reject(row, kInterPodAffinity, kUnresolvable, rs_aff);
        continue;
      }
      bool bad = false;
      for (const auto& p : anti) bad = bad || positive(p, r);
      if (bad) {
        reject(row, kInterPodAffinity, kUnsched, rs_anti);
        continue;
      }
      for (const auto& p : exist) bad = bad || positive(p, r);
      if (bad) reject(row, kInterPodAffinity, kUnsched, rs_exist);
    }
  }

  void filter_external(const std::vector<std::int32_t>& rows, int id) {
    auto& plugin = fw.cfg_.external[static_cast<std::size_t>(id - kExternalBase)];
    std::vector<std::int32_t> cand;
    for (auto row : rows) {
      if (code[static_cast<std::size_t>(row)] == kOk) cand.push_back(row);
    }
    if (cand.empty()) return;
    std::vector<std::uint8_t> pass;
    std::uint8_t cd = kUnsched;
    std::string rsn, err;
    if (!plugin->filter(*pod, cand, pass, cd, rsn, err)) {
      std::int32_t rs = intern_reasons({err});
      for (auto row : cand) reject(row, id, kErr, rs);
      return;
    }
    std::int32_t rs = intern_reasons({rsn});
    for (std::size_t k = 0; k < cand.size(); ++k) {
      if (!pass[k]) reject(cand[k], id, cd, rs);
    }
  }

  // --- scores ----------------------------------------------------------------------------------
  std::int64_t pod_request(std::int32_t r, bool nonzero) const {
    if (nonzero && r == kResCpu) return pod->nonzero_cpu;
    if (nonzero && r == kResMemory) return pod->nonzero_mem;
    for (const auto& [k, v] : pod->requests) {
      if (k == r) return v;
    }
    return 0;
  }

  // resourceAllocationScorer inputs for one row; returns false when the resource is dropped.
  bool alloc_req(std::int32_t r, std::int32_t row, std::int64_t pod_req, bool use_requested,
                 std::int64_t& alloc, std::int64_t& req) const {
    const NodeTable& tb = c.table();
    auto i = static_cast<std::size_t>(row);
    if (r < 0) return false;
    if (pod_req == 0 && c.resource_is_scalar(r)) return false;
    alloc = tb.allocatable[static_cast<std::size_t>(r)][i];
    if (alloc == 0) return false;
    std::int64_t node_req;
    if (!use_requested && r == kResCpu) {
      node_req = tb.nonzero_cpu[i];
    } else if (!use_requested && r == kResMemory) {
      node_req = tb.nonzero_mem[i];
    } else if (r == kResPods) {
      return false;
    } else {
      node_req = tb.requested[static_cast<std::size_t>(r)][i];
    }
    req = node_req + pod_req;
    return true;
  }

  static std::int64_t broken_linear(const std::vector<std::pair<std::int64_t, std::int64_t>>& shape,
                                    std::int64_t p) {
    for (std::size_t i = 0; i < shape.size(); ++i) {
      if (p <= shape[i].first) {
        if (i == 0) return shape[0].second;
        return shape[i - 1].second + (shape[i].second - shape[i - 1].second) *
                                         (p - shape[i - 1].first) /
                                         (shape[i].first - shape[i - 1].first);
      }
    }
    return shape.empty() ? 0 : shape.back().second;
  }

  bool default_resources(const std::vector<ResourceWeight>& res) const {
    return res.size() == 2 && res[0].name == "cpu" && res[1].name == "memory";
  }

  void score_fit(const std::vector<std::int32_t>& F, std::vector<std::int64_t>& out) {
    const auto& res = fw.cfg_.fit_resources;
    if (fw.cfg_.scoring == ScoringType::kLeastAllocated && default_resources(res)) {
      // LeastAllocated over cpu and memory (non-zero requests), branch-light column loop.
      const NodeTable& tb = c.table();
      const std::int64_t* ac = tb.allocatable[kResCpu].data();
      const std::int64_t* am = tb.allocatable[kResMemory].data();
      const std::int64_t* rc = tb.nonzero_cpu.data();
      const std::int64_t* rm = tb.nonzero_mem.data();
      const std::int64_t wc = res[0].weight, wm = res[1].weight;
      const std::int64_t pc = pod->nonzero_cpu, pm = pod->nonzero_mem;
      for (std::size_t k = 0; k < F.size(); ++k) {
        auto i = static_cast<std::size_t>(F[k]);
        std::int64_t a1 = ac[i], a2 = am[i];
        std::int64_t q1 = rc[i] + pc, q2 = rm[i] + pm;
        std::int64_t s1 = (a1 == 0 || q1 > a1) ? 0 : exact_div((a1 - q1) * kMaxNodeScore, a1);
        std::int64_t s2 = (a2 == 0 || q2 > a2) ? 0 : exact_div((a2 - q2) * kMaxNodeScore, a2);
        std::int64_t ws = (a1 != 0 ? wc : 0) + (a2 != 0 ? wm : 0);
        std::int64_t num = (a1 != 0 ? s1 * wc : 0) + (a2 != 0 ? s2 * wm : 0);
        out[k] = ws == 0 ? 0 : (ws == 2 ? num / 2 : num / ws);
      }
      return;
    }
    std::vector<std::int32_t> idx;
    std::vector<std::int64_t> preq;
    for (const auto& rw : res) {
      std::int32_t r = c.resources().find(rw.name);
      idx.push_back(r);
      preq.push_back(r < 0 ? 0 : pod_request(r, true));
    }
    std::vector<std::pair<std::int64_t, std::int64_t>> shape;
    for (const auto& [u, s] : fw.cfg_.shape) shape.emplace_back(u, s * (kMaxNodeScore / 10));
    for (std::size_t k = 0; k < F.size(); ++k) {
      std::int64_t node_score = 0, weight_sum = 0;
      for (std::size_t j = 0; j < res.size(); ++j) {
        std::int64_t alloc = 0, req = 0;
        if (!alloc_req(idx[j], F[k], preq[j], false, alloc, req)) continue;
        std::int64_t w = res[j].weight;
        std::int64_t s;
        switch (fw.cfg_.scoring) {
          case ScoringType::kLeastAllocated:
            s = req > alloc ? 0 : (alloc - req) * kMaxNodeScore / alloc;
            node_score += s * w;
            weight_sum += w;
            break;
          case ScoringType::kMostAllocated:
            s = std::min(req, alloc) * kMaxNodeScore / alloc;
            node_score += s * w;
            weight_sum += w;
            break;
          case ScoringType::kRequestedToCapacityRatio:
            s = req > alloc ? broken_linear(shape, 100) : broken_linear(shape, req * 100 / alloc);
            if (s > 0) {
              node_score += s * w;
              weight_sum += w;
            }
            break;
        }
      }
      if (weight_sum == 0) {
        out[k] = 0;
      } else if (fw.cfg_.scoring == ScoringType::kRequestedToCapacityRatio) {
        out[k] = static_cast<std::int64_t>(
            std::round(static_cast<double>(node_score) / static_cast<double>(weight_sum)));
      } else {
        out[k] = node_score / weight_sum;
      }
    }
  }

  bool score_balanced(const std::vector<std::int32_t>& F, std::vector<std::int64_t>& out) {
    const auto& res = fw.cfg_.balanced_resources;
    std::vector<std::int32_t> idx;
    std::vector<std::int64_t> preq;
    bool best_effort = true;
    for (const auto& rw : res) {
      std::int32_t r = c.resources().find(rw.name);
      idx.push_back(r);
      std::int64_t v = r < 0 ? 0 : pod_request(r, false);
      preq.push_back(v);
      if (v != 0) best_effort = false;
    }
    if (best_effort) return false;
    if (default_resources(res)) {
      const NodeTable& tb = c.table();
      const std::int64_t* ac = tb.allocatable[kResCpu].data();
      const std::int64_t* am = tb.allocatable[kResMemory].data();
      const std::int64_t* rc = tb.requested[kResCpu].data();
      const std::int64_t* rm = tb.requested[kResMemory].data();
      const std::int64_t pc = preq[0], pm = preq[1];
      for (std::size_t k = 0; k < F.size(); ++k) {
        auto i = static_cast<std::size_t>(F[k]);
        std::int64_t a1 = ac[i], a2 = am[i];
        double f1 =
            a1 != 0 ? std::min(1.0, static_cast<double>(rc[i] + pc) / static_cast<double>(a1)) : 0;
        double f2 =
            a2 != 0 ? std::min(1.0, static_cast<double>(rm[i] + pm) / static_cast<double>(a2)) : 0;
        double sd = (a1 != 0 && a2 != 0) ? std::fabs((f1 - f2) / 2) : 0.0;
        out[k] = static_cast<std::int64_t>((1 - sd) * static_cast<double>(kMaxNodeScore));
      }
      return true;
    }
    std::vector<double> fr;
    for (std::size_t k = 0; k < F.size(); ++k) {
      fr.clear();
      double total = 0;
      for (std::size_t j = 0; j < res.size(); ++j) {
        std::int64_t alloc = 0, req = 0;
        if (!alloc_req(idx[j], F[k], preq[j], true, alloc, req)) continue;
        double f = static_cast<double>(req) / static_cast<double>(alloc);
        if (f > 1) f = 1;
        total += f;
        fr.push_back(f);
      }
      double sd = 0;
      if (fr.size() == 2) {
        sd = std::fabs((fr[0] - fr[1]) / 2);
      } else if (fr.size() > 2) {
        double mean = total / static_cast<double>(fr.size());
        double sum = 0;
        for (double f : fr) sum += (f - mean) * (f - mean);
        sd = std::sqrt(sum / static_cast<double>(fr.size()));
      }
      out[k] = static_cast<std::int64_t>((1 - sd) * static_cast<double>(kMaxNodeScore));
    }
    return true;
  }

  void score_taint(const std::vector<std::int32_t>& F, std::vector<std::int64_t>& out) {
    const NodeTable& tb = c.table();
    if (!any_pref_taint) {
      std::fill(out.begin(), out.end(), raw_scores ? 0 : kMaxNodeScore);
      return;
    }
    std::int64_t mx = 0;
    for (std::size_t k = 0; k < F.size(); ++k) {
      const std::uint64_t* b = &tb.taint_bits[static_cast<std::size_t>(F[k]) * tb.taint_words];
      std::int64_t n = 0;
      for (std::size_t w = 0; w < tb.taint_words; ++w)
        n += __builtin_popcountll(b[w] & pref_taints[w]);
      out[k] = n;
      mx = std::max(mx, n);
    }
    if (raw_scores) return;
    for (auto& s : out) s = mx == 0 ? kMaxNodeScore : kMaxNodeScore - kMaxNodeScore * s / mx;
  }

  // Adds `weight` to out[k] for every row F[k] matching a preferred term. Each expression is
  // evaluated once per distinct value of its label column (a table over the column's domains),
  // then the rows read the table: one pass per expression over the rows, no per-row lookups
  // of the key's column or of parsed numbers.
  void add_term_matches(const NodeTerm& t, std::int64_t weight, const std::vector<std::int32_t>& F,
                        std::vector<std::int64_t>& out) {
    if (t.error) return;
    const NodeTable& tb = c.table();
    std::vector<std::uint8_t>& ok = term_ok;
    ok.assign(F.size(), 1);
    for (const auto& r : t.exprs) {
      const LabelColumn* col = tb.column(r.key);
      const std::uint8_t absent = req_matches(r, -1, c) ? 1 : 0;
      if (!col) {
        if (!absent) std::fill(ok.begin(), ok.end(), 0);
        continue;
      }
      std::vector<std::uint8_t>& table = domain_ok;
      table.resize(col->domain_value.size() + 1);
      table[0] = absent;  // index d + 1 for domain d; 0 for rows without the label
      for (std::size_t d = 0; d < col->domain_value.size(); ++d)
        table[d + 1] = req_matches(r, col->domain_value[d], c) ? 1 : 0;
      const std::int32_t* dom = col->domain.data();
      const std::uint8_t* tab = table.data();
      for (std::size_t k = 0; k < F.size(); ++k)
        ok[k] &= tab[dom[static_cast<std::size_t>(F[k])] + 1];
    }
    for (const auto& f : t.fields) {
      for (std::size_t k = 0; k < F.size(); ++k) {
        bool eq =
            f.name_key ? tb.rows[static_cast<std::size_t>(F[k])].name == f.name : f.name.empty();
        ok[k] &= eq == f.in ? 1 : 0;
      }
    }
    for (std::size_t k = 0; k < F.size(); ++k) out[k] += ok[k] ? weight : 0;
  }

  bool score_node_affinity(const std::vector<std::int32_t>& F, std::vector<std::int64_t>& out) {
    bool added_pref = added && added->has_preferred;
    if (!pod->has_preferred && !added_pref) return false;
    std::fill(out.begin(), out.end(), 0);
    if (added_pref) {
      for (const auto& t : added->preferred) add_term_matches(t.term, t.weight, F, out);
    }
    for (const auto& t : pod->preferred) add_term_matches(t.term, t.weight, F, out);
    std::int64_t mx = 0;
    for (auto s : out) mx = std::max(mx, s);
    if (raw_scores) return true;
    for (auto& s : out) s = mx == 0 ? s : kMaxNodeScore * s / mx;
    return true;
  }

  void score_image(const std::vector<std::int32_t>& F, std::vector<std::int64_t>& out) {
    const auto total = static_cast<double>(c.num_nodes());
    std::vector<std::int32_t> touched;
    for (auto img : pod->images) {
      const ImageState* st = c.image(img);
      if (!st) continue;
      auto contrib = static_cast<std::int64_t>(static_cast<double>(st->size) *
                                               (static_cast<double>(st->num_nodes) / total));
      for (auto row : c.image_rows(img)) {
        auto r = static_cast<std::size_t>(row);
        if (scratch[r] == 0) touched.push_back(row);
        scratch[r] += contrib == 0 ? 0 : contrib;
      }
    }
    const std::int64_t min_t = 23 * kMiB;
    const std::int64_t max_t = 1000 * kMiB * pod->num_containers;
    for (std::size_t k = 0; k < F.size(); ++k) {
      std::int64_t sum = scratch[static_cast<std::size_t>(F[k])];
      if (sum < min_t) {
        sum = min_t;
      } else if (sum > max_t) {
        sum = max_t;
      }
      out[k] = max_t == min_t ? 0 : kMaxNodeScore * (sum - min_t) / (max_t - min_t);
    }
    for (auto row : touched) scratch[static_cast<std::size_t>(row)] = 0;
  }

  bool score_pts(const std::vector<std::int32_t>& F, std::vector<std::int64_t>& out) {
    std::vector<SpreadConstraint> cons = spread_constraints(false);
    if (cons.empty() || c.num_nodes() == 0) return false;
    const NodeTable& tb = c.table();
    bool require_all = pod->has_spread_constraints || !fw.cfg_.system_defaulted;
    std::int32_t hostname_key = c.strings().find("kubernetes.io/hostname");
    // Upstream keys the domains by node.Labels[key], "" when the label is absent: with System
    // defaulting, nodes without the key share the "" domain with nodes labelled key="".
    struct Soft {
      SpreadConstraint c;
      const LabelColumn* col;
      bool hostname;
      const Matcher* m;
      std::vector<std::int64_t> cnt;  // per domain (+1 slot for "" when no node has key="")
      std::vector<std::uint8_t> present;
      double weight;
      std::size_t absent_dom;  // domain of the rows lacking the key (the "" value)
    };
    std::vector<Soft> soft;
    const std::int32_t empty_value = c.strings().find("");
    for (auto& sc : cons) {
      Soft s{sc, tb.column(sc.key), sc.key >= 0 && sc.key == hostname_key, nullptr, {}, {}, 0, 0};
      std::size_t nd = s.col ? s.col->domain_value.size() : 0;
      s.cnt.assign(nd + 1, 0);
      s.present.assign(nd + 1, 0);
      s.absent_dom = nd;
      if (s.col && empty_value >= 0) {
        auto it = s.col->domain_of_value.find(empty_value);
        if (it != s.col->domain_of_value.end()) s.absent_dom = static_cast<std::size_t>(it->second);
      }
      soft.push_back(std::move(s));
    }
    for (auto& s : soft) s.m = &spread_matcher(s.c);
    auto has_all = [&](std::size_t r) {
      for (const auto& s : soft) {
        if (!s.col || s.col->value[r] < 0) return false;
      }
      return true;
    };
    auto dom_of = [](const Soft& s, std::size_t r) -> std::size_t {
      if (!s.col || s.col->value[r] < 0) return s.absent_dom;  // the "" value
      return static_cast<std::size_t>(s.col->domain[r]);
    };
    std::vector<std::uint8_t> ignored(F.size(), 0);
    std::int64_t n_ignored = 0;
    std::vector<std::int64_t> topo_size(soft.size(), 0);
    for (std::size_t k = 0; k < F.size(); ++k) {
      auto r = static_cast<std::size_t>(F[k]);
      if (require_all && !has_all(r)) {
        ignored[k] = 1;
        ++n_ignored;
        continue;
      }
      for (std::size_t i = 0; i < soft.size(); ++i) {
        if (soft[i].hostname) continue;
        std::size_t d = dom_of(soft[i], r);
        if (!soft[i].present[d]) {
          soft[i].present[d] = 1;
          ++topo_size[i];
        }
      }
    }
    for (std::size_t i = 0; i < soft.size(); ++i) {
      std::int64_t sz =
          soft[i].hostname ? static_cast<std::int64_t>(F.size()) - n_ignored : topo_size[i];
      soft[i].weight = std::log(static_cast<double>(sz + 2));
    }
    for (auto row : c.live_rows()) {
      auto r = static_cast<std::size_t>(row);
      if (require_all && !has_all(r)) continue;
      for (auto& s : soft) {
        if (s.c.honor_node_affinity && pod->node_affinity_prefilter && !required_matches(row))
          continue;
        if (s.c.honor_node_taints && !taints_ok(row)) continue;
        if (s.hostname) continue;
        std::size_t d = dom_of(s, r);
        if (!s.present[d]) continue;
        s.cnt[d] += s.m->per_row[r];
      }
    }
    std::int64_t mn = std::numeric_limits<std::int64_t>::max(), mx = 0;
    for (std::size_t k = 0; k < F.size(); ++k) {
      if (ignored[k]) continue;
      auto r = static_cast<std::size_t>(F[k]);
      double score = 0;
      for (const auto& s : soft) {
        if (!s.col || s.col->value[r] < 0) continue;
        std::int64_t cnt = s.hostname ? s.m->per_row[r] : s.cnt[dom_of(s, r)];
        score += static_cast<double>(cnt) * s.weight + static_cast<double>(s.c.max_skew - 1);
      }
      out[k] = static_cast<std::int64_t>(std::round(score));
      mn = std::min(mn, out[k]);
      mx = std::max(mx, out[k]);
    }
    if (raw_scores) return true;  // ignored rows score 0 (raw and normalised)
    for (std::size_t k = 0; k < F.size(); ++k) {
      if (ignored[k]) {
        out[k] = 0;
      } else if (mx == 0) {
        out[k] = kMaxNodeScore;
      } else {
        out[k] = kMaxNodeScore * (mx + mn - out[k]) / mx;
      }
    }
    return true;
  }

  // Sums existing terms per domain of their topology keys: topo[key][domain] += weight[id] for
  // every carrier of term id with weight[id] != 0 (whose key has a column). Per term over the
  // rows (its per-row carrier counts), or once over the pods carrying terms, whichever touches
  // less (`relevant` terms, `carriers` their carriers): both give the same sums.
  void sum_existing_terms(const std::vector<std::int64_t>& weight, std::size_t relevant,
                          std::int64_t carriers, TopoCounts& topo) {
    if (relevant == 0) return;
    const NodeTable& tb = c.table();
    const auto& live = c.live_rows();
    const auto& terms = c.existing_terms();
    if (relevant * live.size() <= c.pods().size() + static_cast<std::size_t>(carriers)) {
      for (std::size_t id = 0; id < terms.size(); ++id) {
        if (weight[id] == 0) continue;
        std::int32_t key = terms[id].term.topology_key;
        const LabelColumn* col = tb.column(key);
        const std::int32_t* dom = col->domain.data();
        const std::int32_t* cnt = terms[id].per_row.data();
        std::vector<std::int64_t>* v = nullptr;
        for (auto row : live) {
          auto r = static_cast<std::size_t>(row);
          if (cnt[r] == 0 || dom[r] < 0) continue;  // (a node without labels has no domain)
          if (!v) v = &topo.at(key, *col);
          std::int64_t add = weight[id] * cnt[r];
          (*v)[static_cast<std::size_t>(dom[r])] += add;
          topo.any = true;
          topo.positive |= add > 0;
        }
      }
      return;
    }
    // The per-domain vectors of the keys first (stable addresses), then one pass over the pods.
    for (std::size_t id = 0; id < terms.size(); ++id) {
      if (weight[id] == 0) continue;
      std::int32_t key = terms[id].term.topology_key;
      topo.at(key, *tb.column(key));
    }
    std::vector<std::pair<const std::int32_t*, std::int64_t*>>& dest = term_dest;
    dest.assign(terms.size(), {nullptr, nullptr});
    for (std::size_t id = 0; id < terms.size(); ++id) {
      if (weight[id] == 0) continue;
      std::int32_t key = terms[id].term.topology_key;
      const LabelColumn* col = tb.column(key);
      for (auto& [k, v] : topo.keys) {
        if (k == key) dest[id] = {col->domain.data(), v.data()};
      }
    }
    for (const auto& rec : c.pods()) {
      if (rec.term_ids.empty()) continue;  // no terms, a free slot or a detached pod
      auto r = static_cast<std::size_t>(rec.row);
      for (auto id : rec.term_ids) {
        auto i = static_cast<std::size_t>(id);
        std::int64_t w = weight[i];
        if (w == 0) continue;
        std::int32_t d = dest[i].first[r];
        if (d < 0) continue;
        dest[i].second[d] += w;
        topo.any = true;
        topo.positive |= w > 0;
      }
    }
  }

  bool score_ipa(const std::vector<std::int32_t>& F, std::vector<std::int64_t>& out) {
    bool has_constraints = !pod->aff_preferred.empty() || !pod->anti_preferred.empty();
    if (fw.cfg_.ignore_preferred_terms_of_existing_pods && !has_constraints) return false;
    const NodeTable& tb = c.table();
    const auto& live = c.live_rows();
    TopoCounts topo;
    // One pass over the rows per term: weighted per-row counts summed per domain of the key.
    auto add_rows = [&](const std::vector<std::int32_t>& per_row, std::int32_t key,
                        std::int64_t w) {
      const LabelColumn* col = tb.column(key);
      if (!col) return;
      const std::int32_t* dom = col->domain.data();
      std::vector<std::int64_t>* v = nullptr;
      for (auto row : live) {
        auto r = static_cast<std::size_t>(row);
        std::int32_t cnt = per_row[r];
        if (cnt == 0 || dom[r] < 0) continue;  // (a node without labels has no domain)
        if (!v) v = &topo.at(key, *col);
        (*v)[static_cast<std::size_t>(dom[r])] += w * cnt;
        topo.any = true;
      }
    };
    for (const auto& t : pod->aff_preferred) {
      const Matcher& m = c.matcher({incoming_clause(t)}, false);
      if (m.total > 0) add_rows(m.per_row, t.topology_key, t.weight);
    }
    for (const auto& t : pod->anti_preferred) {
      const Matcher& m = c.matcher({incoming_clause(t)}, false);
      if (m.total > 0) add_rows(m.per_row, t.topology_key, -static_cast<std::int64_t>(t.weight));
    }
    // Existing pods' terms that match the incoming pod, with their weights.
    const auto& terms = c.existing_terms();
    std::vector<std::int64_t>& weight = term_weight;
    weight.assign(terms.size(), 0);
    std::size_t relevant = 0;
    std::int64_t carriers = 0;
    for (std::size_t id = 0; id < terms.size(); ++id) {
      const ExistingTerm& e = terms[id];
      if (e.total <= 0) continue;
      std::int64_t w;
      switch (e.kind) {
        case kReqAff:
          if (fw.cfg_.hard_pod_affinity_weight <= 0) continue;
          w = fw.cfg_.hard_pod_affinity_weight;
          break;
        case kPrefAff:
          w = e.term.weight;
          break;
        case kPrefAnti:
          w = -static_cast<std::int64_t>(e.term.weight);
          break;
        default:
          continue;
      }
      if (!existing_term_matches_incoming(e.term) || !tb.column(e.term.topology_key)) continue;
      weight[id] = w;
      ++relevant;
      carriers += e.total;
    }
    sum_existing_terms(weight, relevant, carriers, topo);
    if (!topo.any) return false;
    std::vector<std::pair<const std::int32_t*, const std::vector<std::int64_t>*>> cols;
    for (const auto& [key, vals] : topo.keys) {
      const LabelColumn* col = tb.column(key);
      if (col) cols.emplace_back(col->domain.data(), &vals);
    }
    std::int64_t mn = std::numeric_limits<std::int64_t>::max(),
                 mx = std::numeric_limits<std::int64_t>::min();
    for (std::size_t k = 0; k < F.size(); ++k) {
      auto r = static_cast<std::size_t>(F[k]);
      std::int64_t s = 0;
      for (const auto& [dom, vals] : cols) {
        std::int32_t d = dom[r];
        if (d >= 0 && static_cast<std::size_t>(d) < vals->size())
          s += (*vals)[static_cast<std::size_t>(d)];
      }
      out[k] = s;
      mn = std::min(mn, s);
      mx = std::max(mx, s);
    }
    if (raw_scores) return true;
    std::int64_t diff = mx - mn;
    for (auto& s : out) {
      double f = 0;
      if (diff > 0)
        f = static_cast<double>(kMaxNodeScore) *
            (static_cast<double>(s - mn) / static_cast<double>(diff));
      s = static_cast<std::int64_t>(f);
    }
    return true;
  }

  // The error of the first PreScore plugin that fails for the pod in flight (only NodeAffinity
  // can: a preferred term that does not parse), as RunPreScorePlugins words it.
  bool prescore_error(std::string& msg) const {
    for (const auto& [id, weight] : fw.cfg_.scores) {
      if (id == kNodeAffinity && !pod->preferred_error.empty()) {
        msg = "running PreScore plugin \"NodeAffinity\": " + pod->preferred_error;
        return true;
      }
    }
    return false;
  }

  // Diagnosis.AddPluginStatus: a rejected status (Unschedulable, UnschedulableAndUnresolvable
  // or Pending) adds its plugin to the unschedulable set; Pending also to the pending set.
  static void note_rejection(std::uint8_t cd, int plugin, CycleResult& res) {
    if (cd != kUnsched && cd != kUnresolvable && cd != kPending) return;
    std::uint64_t bit = Framework::plugin_bit(plugin);
    res.unschedulable_plugins |= bit;
    if (cd == kPending) res.pending_plugins |= bit;
  }

  // Runs one score plugin over F; false when its PreScore skipped.
  bool run_score(int id, const std::vector<std::int32_t>& F, std::vector<std::int64_t>& out,
                 std::string& err) {
    out.assign(F.size(), 0);
    switch (id) {
      case kTaintToleration:
        score_taint(F, out);
        return true;
      case kNodeAffinity:
        return score_node_affinity(F, out);
      case kNodeResourcesFit:
        score_fit(F, out);
        return true;
      case kVolumeBinding:
        return false;
      case kPodTopologySpread:
        return score_pts(F, out);
      case kInterPodAffinity:
        return score_ipa(F, out);
      case kDynamicResources:
        return true;  // no claims: 0 on every node
      case kNodeResourcesBalancedAllocation:
        return score_balanced(F, out);
      case kImageLocality:
        score_image(F, out);
        return true;
      default:
        if (id >= kExternalBase) {
          auto& plugin = fw.cfg_.external[static_cast<std::size_t>(id - kExternalBase)];
          if (!plugin->score(*pod, F, out, err)) return false;
          return true;
        }
        return false;
    }
  }

  std::string plugin_label(int id) const {
    if (id >= kExternalBase)
      return fw.cfg_.external[static_cast<std::size_t>(id - kExternalBase)]->name();
    return std::string(native_plugin_name(id));
  }

  // --- preemption ------------------------------------------------------------------------------
  static bool more_important(const PodInfo& a, const PodInfo& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    return a.start_time_ns < b.start_time_ns;
  }

  // Re-runs every filter on one row with the current cache state (pods detached/attached).
  std::uint8_t eval_row(std::int32_t row, std::int32_t& rs) {
    if (!pts_skip) prefilter_pts_counts();
    if (!ipa_skip) {
      prefilter_ipa_counts();
    }
    std::vector<std::int32_t> one{row};
    run_filters(one);
    nominated_pass(row);
    rs = reason[static_cast<std::size_t>(row)];
    return code[static_cast<std::size_t>(row)];
  }

  // --- nominated pods (RunFilterPluginsWithNominatedPods) -----------------------------------
  const std::vector<PodInfoPtr>* nominated_on(std::int32_t row) const {
    auto it = std::lower_bound(nominated.begin(), nominated.end(), row,
                               [](const auto& e, std::int32_t r) { return e.first < r; });
    return (it != nominated.end() && it->first == row) ? &it->second : nullptr;
  }

  // First pass of RunFilterPluginsWithNominatedPods on one row: the filters with the row's
  // nominated pods virtually placed there (node columns, matchers and term indexes, then the
  // PreFilter state of PodTopologySpread and InterPodAffinity recomputed; their Skip decisions
  // stay those of the real PreFilter). Writes the row's code/plugin/reason; true if it passed.
  bool filter_with_nominated(std::int32_t row, const std::vector<PodInfoPtr>& pods) {
    auto r = static_cast<std::size_t>(row);
    std::vector<PtsConstraint> saved_pts;
    TopoCounts saved_anti, saved_aff, saved_inc_anti;
    bool saved_self = self_match_all;
    if (!pts_skip) saved_pts = pts;
    if (!ipa_skip) {
      saved_anti = existing_anti;
      saved_aff = aff_counts;
      saved_inc_anti = anti_counts;
    }
    std::vector<std::int32_t> slots;
    slots.reserve(pods.size());
    for (const auto& p : pods) {
      PodInfoPtr v = p;
      if (p->terminating) {
        // Upstream's AddPod extensions count a nominated pod whatever its deletionTimestamp.
        auto copy = std::make_shared<PodInfo>(*p);
        copy->terminating = false;
        v = std::move(copy);
      }
      slots.push_back(c.add_virtual_pod(v, row));
    }
    if (!pts_skip) prefilter_pts_counts();
    if (!ipa_skip) prefilter_ipa_counts();
    std::vector<std::int32_t> one{row};
    run_filters(one);
    bool ok = code[r] == kOk;
    for (auto it = slots.rbegin(); it != slots.rend(); ++it) c.remove_virtual_pod(*it);
    if (!pts_skip) pts = std::move(saved_pts);
    if (!ipa_skip) {
      existing_anti = std::move(saved_anti);
      aff_counts = std::move(saved_aff);
      anti_counts = std::move(saved_inc_anti);
    }
    self_match_all = saved_self;
    return ok;
  }

  // Combines both passes for a row already filtered without nominated pods (the second pass):
  // if the row has nominated pods, the first pass runs; its failure is the row's status,
  // otherwise the second pass's status stands.
  void nominated_pass(std::int32_t row) {
    const std::vector<PodInfoPtr>* pods = nominated_on(row);
    if (!pods) return;
    auto r = static_cast<std::size_t>(row);
    std::uint8_t c2 = code[r];
    std::int16_t p2 = plug[r];
    std::int32_t rs2 = reason[r];
    if (filter_with_nominated(row, *pods)) {
      code[r] = c2;
      plug[r] = p2;
      reason[r] = rs2;
    }
  }

  struct Victims {
    std::vector<std::int32_t> slots;
    std::int64_t pdb_violations = 0;
  };

  // SelectVictimsOnNode: returns the status code (kOk when victims found).
  std::uint8_t select_victims(std::int32_t row, Victims& out, std::int32_t& rs) {
    const auto& recs = c.pods();
    std::vector<std::int32_t> potential;
    for (auto slot : c.pods_on(row)) {
      if (recs[static_cast<std::size_t>(slot)].info->priority < pod->priority)
        potential.push_back(slot);
    }
    if (potential.empty()) {
      rs = intern_reason(kReasonNoVictims);
      return kUnresolvable;
    }
    for (auto s : potential) c.detach_pod(s);
    std::vector<std::uint8_t> detached(potential.size(), 1);
    auto reattach_all = [&]() {
      for (std::size_t k = 0; k < potential.size(); ++k) {
        if (detached[k]) c.attach_pod(potential[k]);
      }
    };
    std::uint8_t st = eval_row(row, rs);
    if (st != kOk) {
      reattach_all();
      return st;
    }
    std::vector<std::size_t> order(potential.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return more_important(*recs[static_cast<std::size_t>(potential[a])].info,
                            *recs[static_cast<std::size_t>(potential[b])].info);
    });
    // PDB violations (filterPodsWithPDBViolation), in importance order.
    const auto& pdbs = c.pdbs();
    std::vector<std::int64_t> allowed;
    for (const auto& p : pdbs) allowed.push_back(p.disruptions_allowed);
    std::vector<std::size_t> violating, non_violating;
    for (auto k : order) {
      const PodInfo& vp = *recs[static_cast<std::size_t>(potential[k])].info;
      const std::string& vname = recs[static_cast<std::size_t>(potential[k])].name;
      bool violated = false;
      if (!vp.labels.empty()) {
        for (std::size_t i = 0; i < pdbs.size(); ++i) {
          const auto& pdb = pdbs[i];
          if (pdb.ns != vp.ns) continue;
          if (pdb.selector.nothing || pdb.selector.reqs.empty()) continue;
          if (!pdb.selector.matches(vp.labels, [this](std::int32_t v) { return c.numeric(v); }))
            continue;
          if (std::find(pdb.disrupted_pods.begin(), pdb.disrupted_pods.end(), vname) !=
              pdb.disrupted_pods.end())
            continue;
          if (--allowed[i] < 0) violated = true;
        }
      }
      (violated ? violating : non_violating).push_back(k);
    }
    std::vector<std::size_t> victims;
    std::int64_t num_violating = 0;
    auto reprieve = [&](std::size_t k) {
      c.attach_pod(potential[k]);
      detached[k] = 0;
      std::int32_t r2;
      bool fits = eval_row(row, r2) == kOk;
      if (!fits) {
        c.detach_pod(potential[k]);
        detached[k] = 1;
        victims.push_back(k);
      }
      return fits;
    };
    for (auto k : violating) {
      if (!reprieve(k)) ++num_violating;
    }
    for (auto k : non_violating) reprieve(k);
    if (!violating.empty() && !non_violating.empty()) {
      std::stable_sort(victims.begin(), victims.end(), [&](std::size_t a, std::size_t b) {
        return more_important(*recs[static_cast<std::size_t>(potential[a])].info,
                              *recs[static_cast<std::size_t>(potential[b])].info);
      });
    }
    reattach_all();
    if (victims.empty()) {
      rs = intern_reasons({"expected at least one victim pod on node \"" +
                           c.table().rows[static_cast<std::size_t>(row)].name + "\""});
      return kErr;
    }
    for (auto k : victims) out.slots.push_back(potential[k]);
    out.pdb_violations = num_violating;
    rs = -1;
    return kOk;
  }

  static std::string histogram(const std::map<std::string, std::int64_t>& counts) {
    std::vector<std::string> parts;
    for (const auto& [r, n] : counts) {
      if (n > 0) parts.push_back(std::to_string(n) + " " + r);
    }
    std::sort(parts.begin(), parts.end());
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i) out += ", ";
      out += parts[i];
    }
    return out;
  }

  // DefaultPreemption PostFilter. Returns the status code; fills message / nomination.
  std::uint8_t preempt(const std::vector<std::uint8_t>& status_code,
                       const std::vector<std::int32_t>& all_rows, std::string& msg,
                       std::int32_t& nominated, std::vector<std::string>& victims_out,
                       CycleDetail* detail) {
    if (pod->preempt_never) {
      msg = "preemption: not eligible due to preemptionPolicy=Never.";
      return kUnsched;
    }
    if (!pod->nominated_node_name.empty()) {
      std::int32_t nrow = c.row_of(pod->nominated_node_name);
      if (nrow >= 0 && status_code[static_cast<std::size_t>(nrow)] != kUnresolvable) {
        for (auto slot : c.pods_on(nrow)) {
          const PodInfo& p = *c.pods()[static_cast<std::size_t>(slot)].info;
          if (p.priority < pod->priority && p.terminating_by_preemption) {
            msg = "preemption: not eligible due to a terminating pod on the nominated node.";
            return kUnsched;
          }
        }
      }
    }
    std::vector<std::int32_t> potential;
    for (auto row : all_rows) {
      if (status_code[static_cast<std::size_t>(row)] == kUnsched) potential.push_back(row);
    }
    auto n_all = static_cast<std::int64_t>(all_rows.size());
    std::map<std::string, std::int64_t> hist;
    if (potential.empty()) {
      hist[kReasonNotHelpful] = n_all;
      msg = "0/" + std::to_string(n_all) + " nodes are available: " + histogram(hist) + ".";
      msg = "preemption: " + msg;
      return kUnsched;
    }
    auto np = static_cast<std::int64_t>(potential.size());
    std::int64_t num = np * fw.cfg_.min_candidate_nodes_percentage / 100;
    if (num < fw.cfg_.min_candidate_nodes_absolute) num = fw.cfg_.min_candidate_nodes_absolute;
    if (num > np) num = np;
    auto offset = static_cast<std::int64_t>(fw.rng_.below(static_cast<std::uint64_t>(np)));
    struct Cand {
      std::int32_t row;
      Victims v;
    };
    std::vector<Cand> cands;
    std::int64_t non_violating = 0;
    std::int64_t evaluated = 0;
    for (std::int64_t i = 0; i < np; ++i) {
      std::int32_t row = potential[static_cast<std::size_t>((offset + i) % np)];
      Victims v;
      std::int32_t rs = -1;
      std::uint8_t st = select_victims(row, v, rs);
      ++evaluated;
      if (st == kOk) {
        if (v.pdb_violations == 0) ++non_violating;
        cands.push_back({row, std::move(v)});
        if (non_violating > 0 && static_cast<std::int64_t>(cands.size()) >= num) break;
        continue;
      }
      for (const auto& r : reason_sets[static_cast<std::size_t>(rs)]) hist[r] += 1;
    }
    if (cands.empty()) {
      hist[kReasonNotHelpful] += n_all - evaluated;
      msg = "preemption: 0/" + std::to_string(n_all) + " nodes are available: " + histogram(hist) +
            ".";
      return kUnsched;
    }
    const auto& recs = c.pods();
    auto victim_info = [&](std::int32_t slot) -> const PodInfo& {
      return *recs[static_cast<std::size_t>(slot)].info;
    };
    std::vector<std::size_t> all(cands.size());
    std::iota(all.begin(), all.end(), 0);
    std::vector<std::function<std::int64_t(const Cand&)>> fns = {
        [](const Cand& cd) { return -cd.v.pdb_violations; },
        [&](const Cand& cd) {
          return -static_cast<std::int64_t>(victim_info(cd.v.slots[0]).priority);
        },
        [&](const Cand& cd) {
          std::int64_t sum = 0;
          for (auto s : cd.v.slots)
            sum += static_cast<std::int64_t>(victim_info(s).priority) + (std::int64_t{1} << 31);
          return -sum;
        },
        [](const Cand& cd) { return -static_cast<std::int64_t>(cd.v.slots.size()); },
        [&](const Cand& cd) {
          std::int64_t earliest = victim_info(cd.v.slots[0]).start_time_ns;
          std::int32_t maxp = victim_info(cd.v.slots[0]).priority;
          for (auto s : cd.v.slots) {
            const PodInfo& p = victim_info(s);
            if (p.priority == maxp) {
              earliest = std::min(earliest, p.start_time_ns);
            } else if (p.priority > maxp) {
              maxp = p.priority;
              earliest = p.start_time_ns;
            }
          }
          return earliest;
        },
    };
    for (const auto& f : fns) {
      std::vector<std::size_t> sel;
      std::int64_t best = std::numeric_limits<std::int64_t>::min();
      for (auto i : all) {
        std::int64_t s = f(cands[i]);
        if (s > best) {
          best = s;
          sel.clear();
        }
        if (s == best) sel.push_back(i);
      }
      all = std::move(sel);
      if (all.size() == 1) break;
    }
    std::vector<std::size_t> ties = all;
    std::sort(ties.begin(), ties.end(),
              [&](std::size_t a, std::size_t b) { return cands[a].row < cands[b].row; });
    std::size_t pick = ties[static_cast<std::size_t>(fw.rng_.below(ties.size()))];
    nominated = cands[pick].row;
    for (auto s : cands[pick].v.slots) victims_out.push_back(recs[static_cast<std::size_t>(s)].key);
    if (detail) {
      for (auto i : ties) detail->nomination_ties.push_back(cands[i].row);
      for (const auto& cd : cands) {
        PreemptionCandidate pc;
        pc.row = cd.row;
        pc.pdb_violations = cd.v.pdb_violations;
        for (auto s : cd.v.slots) pc.victims.push_back(recs[static_cast<std::size_t>(s)].key);
        detail->candidates.push_back(std::move(pc));
      }
    }
    return kOk;
  }

  // --- equivalence-class cache -----------------------------------------------------------------
  bool profile_cacheable() const {
    if (!fw.cfg_.external.empty() || fw.cfg_.percentage_of_nodes_to_score >= 0) return false;
    for (const auto& [id, w] : fw.cfg_.scores) {
      if (id >= kNumNativePlugins) return false;
    }
    return true;
  }

  bool uses_filter(int id) const {
    return std::find(fw.cfg_.filters.begin(), fw.cfg_.filters.end(), id) != fw.cfg_.filters.end();
  }
  bool uses_score(int id, std::int64_t& weight) const {
    for (const auto& [s, w] : fw.cfg_.scores) {
      if (s == id) {
        weight = w;
        return true;
      }
    }
    return false;
  }
  bool uses_plugin(int id) const {
    std::int64_t w = 0;
    return uses_filter(id) || uses_score(id, w);
  }

  // Domain of row r for a slot: the label's domain id (coarse / fine), the row itself (row
  // slots), or -1 when the row lacks the key.
  static std::int64_t eq_dom(const EqSlot& s, std::size_t r) {
    if (!s.col || s.col->value[r] < 0) return -1;
    return s.mode == SlotMode::kRow ? static_cast<std::int64_t>(r) : s.col->domain[r];
  }

  // Domain of row r in an aggregate: eq_dom, or the aggregate's absent domain for rows lacking
  // the key.
  static std::int64_t eq_agg_dom(const EqAgg& a, const EqSlot& s, std::size_t r) {
    std::int64_t d = eq_dom(s, r);
    return d < 0 ? a.absent : d;
  }

  std::int32_t eq_slot(EqEntry& e, std::int32_t key, bool row_mode) {
    const NodeTable& tb = c.table();
    for (std::size_t i = 0; i < e.slots.size(); ++i) {
      const EqSlot& s = e.slots[i];
      if (s.key == key && (s.mode == SlotMode::kRow) == row_mode)
        return static_cast<std::int32_t>(i);
    }
    EqSlot s;
    s.key = key;
    s.col = tb.column(key);
    if (row_mode) {
      s.mode = SlotMode::kRow;
    } else {
      std::size_t distinct = 0;
      if (s.col) {
        std::vector<std::uint8_t> seen(s.col->domain_value.size(), 0);
        for (auto row : c.live_rows()) {
          std::int32_t d = s.col->domain[static_cast<std::size_t>(row)];
          if (d >= 0 && !seen[static_cast<std::size_t>(d)]) {
            seen[static_cast<std::size_t>(d)] = 1;
            ++distinct;
          }
        }
      }
      s.mode = distinct <= coarse_domains ? SlotMode::kCoarse : SlotMode::kFine;
    }
    e.slots.push_back(std::move(s));
    return static_cast<std::int32_t>(e.slots.size() - 1);
  }

  std::int32_t eq_agg(EqEntry& e, std::int32_t slot) {
    EqAgg a;
    a.slot = slot;
    const EqSlot& s = e.slots[static_cast<std::size_t>(slot)];
    std::size_t n =
        s.mode == SlotMode::kRow ? c.table().capacity : (s.col ? s.col->domain_value.size() : 0);
    a.by_dom.assign(n, 0);
    e.aggs.push_back(std::move(a));
    if (s.mode != SlotMode::kCoarse) {
      e.slots[static_cast<std::size_t>(slot)].aggs.push_back(
          static_cast<std::int32_t>(e.aggs.size() - 1));
    }
    return static_cast<std::int32_t>(e.aggs.size() - 1);
  }

  // One aggregate per (list, topology key): kube-scheduler's topology-pair maps are keyed by key.
  std::int32_t eq_agg_for_key(EqEntry& e, std::vector<std::pair<std::int32_t, std::int32_t>>& map,
                              std::int32_t key, std::vector<std::int32_t>* list) {
    for (const auto& [k, a] : map) {
      if (k == key) return a;
    }
    std::int32_t a = eq_agg(e, eq_slot(e, key, false));
    map.emplace_back(key, a);
    if (list) list->push_back(a);
    return a;
  }

  void eq_feed(EqEntry& e, std::shared_ptr<const Matcher> m, std::int32_t term, std::int32_t agg,
               std::int64_t weight) {
    for (auto& s : e.sources) {
      if ((m && s.matcher == m) || (!m && term >= 0 && s.term == term)) {
        s.feeds.emplace_back(agg, weight);
        return;
      }
    }
    EqSource s;
    s.matcher = std::move(m);
    s.term = term;
    s.feeds.emplace_back(agg, weight);
    e.sources.push_back(std::move(s));
  }

  static bool eq_has_term_ref(const EqEntry& e, const std::string& key) {
    for (const auto& ref : e.term_refs) {
      if (ref.key == key) return true;
    }
    return false;
  }

  // Feeds `agg` from the existing term with identity `key`: bound when live, else anticipated.
  void eq_feed_term(EqEntry& e, const std::string& key, std::int32_t id, std::int32_t agg,
                    std::int64_t weight) {
    for (const auto& ref : e.term_refs) {
      if (ref.key == key) {
        e.sources[static_cast<std::size_t>(ref.source)].feeds.emplace_back(agg, weight);
        return;
      }
    }
    EqSource s;
    s.term = id;
    s.feeds.emplace_back(agg, weight);
    e.sources.push_back(std::move(s));
    e.term_refs.push_back({key, id, static_cast<std::int32_t>(e.sources.size() - 1)});
  }

  // After the existing-term index changed: binds anticipated terms that appeared. False when the
  // entry must be rebuilt (a referenced term disappeared or an unreferenced relevant one exists).
  bool eq_terms_current(EqEntry& e) {
    for (auto& ref : e.term_refs) {
      std::int32_t id = c.term_id(ref.key);
      if (ref.id >= 0 && id != ref.id) return false;
      if (ref.id < 0 && id >= 0) {
        ref.id = id;
        e.sources[static_cast<std::size_t>(ref.source)].term = id;
      }
    }
    const auto& terms = c.existing_terms();
    for (std::size_t id = 0; id < terms.size(); ++id) {
      if (!existing_term_relevant(e, terms[id])) continue;
      bool known = false;
      for (const auto& ref : e.term_refs) known |= ref.id == static_cast<std::int32_t>(id);
      if (!known) return false;
    }
    return true;
  }

  std::shared_ptr<const Matcher> spread_matcher_ptr(const SpreadConstraint& sc) {
    return c.matcher_ptr({spread_clause(sc)}, true);
  }

  // Existing terms the entry reads (InterPodAffinity filter: required anti-affinity; score:
  // required and preferred (anti-)affinity), each checked against the incoming pod.
  bool existing_term_relevant(const EqEntry& e, const ExistingTerm& t) const {
    if (t.total <= 0) return false;
    bool filter = e.ipa_filter && t.kind == kReqAnti && c.table().column(t.term.topology_key);
    bool score = e.ipa_score && (t.kind == kPrefAff || t.kind == kPrefAnti ||
                                 (t.kind == kReqAff && fw.cfg_.hard_pod_affinity_weight > 0));
    return (filter || score) && existing_term_matches_incoming(t.term);
  }

  // The PodTopologySpread and InterPodAffinity model of the pod in flight: static key checks,
  // slots, aggregates (fed from pinned matchers and existing terms) and the roles reading them.
  // Mirrors prefilter_pts_counts, prefilter_ipa_counts, filter_pts, filter_ipa, score_pts and
  // score_ipa. False when the pod needs the full pass (fine keys in spreading scores).
  bool eq_roles(EqEntry& e) {
    const NodeTable& tb = c.table();
    const auto& live = c.live_rows();
    const std::size_t cap = tb.capacity;
    auto numeric = [this](std::int32_t v) { return c.numeric(v); };
    auto key_columns = [&](const std::vector<SpreadConstraint>& cons) {
      std::vector<const LabelColumn*> cols;
      for (const auto& sc : cons) cols.push_back(tb.column(sc.key));
      return cols;
    };
    auto has_keys = [](const std::vector<const LabelColumn*>& cols, std::size_t r) {
      for (const auto* col : cols) {
        if (!col || col->value[r] < 0) return false;
      }
      return true;
    };
    auto included = [&](const SpreadConstraint& sc, std::int32_t row) {
      if (sc.honor_node_affinity && pod->node_affinity_prefilter && !required_matches(row)) {
        return false;
      }
      return !sc.honor_node_taints || taints_ok(row);
    };
    if (uses_filter(kPodTopologySpread)) {
      std::vector<SpreadConstraint> hard = spread_constraints(true);
      const auto hard_cols = key_columns(hard);
      for (const auto& sc : hard) {
        e.static_keys.push_back(sc.key);
        std::int32_t a = eq_agg(e, eq_slot(e, sc.key, false));
        EqAgg& ag = e.aggs[static_cast<std::size_t>(a)];
        ag.eligible.assign(cap, 0);
        for (auto row : live) {
          auto r = static_cast<std::size_t>(row);
          ag.eligible[r] = has_keys(hard_cols, r) && included(sc, row) ? 1 : 0;
        }
        ag.track_min = true;
        EqPtsHard h;
        h.agg = a;
        h.max_skew = sc.max_skew;
        h.min_domains = sc.min_domains;
        h.self_match = sc.selector.matches(pod->labels, numeric);
        e.pts_hard.push_back(h);
        eq_feed(e, spread_matcher_ptr(sc), -1, a, 1);
      }
    }
    const auto& terms = c.existing_terms();
    if (uses_filter(kInterPodAffinity)) {
      e.ipa_filter = true;
      std::vector<std::pair<std::int32_t, std::int32_t>> exist, aff, anti;
      for (std::size_t id = 0; id < terms.size(); ++id) {
        const ExistingTerm& t = terms[id];
        if (t.kind != kReqAnti || !existing_term_relevant(e, t)) continue;
        std::int32_t a = eq_agg_for_key(e, exist, t.term.topology_key, &e.ipa_exist);
        eq_feed_term(e, t.key, static_cast<std::int32_t>(id), a, 1);
      }
      // The pod's own required anti-affinity terms that match itself (spreading one per domain).
      for (const auto& t : pod->anti_required) {
        std::string key = SchedulerCache::term_key(kReqAnti, t);
        if (c.term_id(key) >= 0 || !tb.column(t.topology_key) || eq_has_term_ref(e, key)) continue;
        if (!existing_term_matches_incoming(t)) continue;
        std::int32_t a = eq_agg_for_key(e, exist, t.topology_key, &e.ipa_exist);
        eq_feed_term(e, key, -1, a, 1);
      }
      if (!pod->aff_required.empty()) {
        std::vector<MatchClause> cls;
        for (const auto& t : pod->aff_required) cls.push_back(incoming_clause(t));
        e.ipa_self_match_all = true;
        for (const auto& cl : cls) e.ipa_self_match_all &= c.pod_matches_clause(*pod, cl);
        auto m = c.matcher_ptr(cls, false);
        for (const auto& t : pod->aff_required) {
          e.static_keys.push_back(t.topology_key);
          std::int32_t a = eq_agg_for_key(e, aff, t.topology_key, nullptr);
          e.ipa_aff.push_back(a);
          eq_feed(e, m, -1, a, 1);
        }
      }
      for (const auto& t : pod->anti_required) {
        std::int32_t a = eq_agg_for_key(e, anti, t.topology_key, &e.ipa_anti);
        eq_feed(e, c.matcher_ptr({incoming_clause(t)}, false), -1, a, 1);
      }
    }
    std::int64_t weight = 0;
    if (uses_score(kInterPodAffinity, weight)) {
      bool has_constraints = !pod->aff_preferred.empty() || !pod->anti_preferred.empty();
      if (!(fw.cfg_.ignore_preferred_terms_of_existing_pods && !has_constraints)) {
        e.ipa_score = true;
        e.ipa_weight = weight;
        std::vector<std::pair<std::int32_t, std::int32_t>> topo;
        for (const auto& t : pod->aff_preferred) {
          std::int32_t a = eq_agg_for_key(e, topo, t.topology_key, &e.ipa_score_aggs);
          eq_feed(e, c.matcher_ptr({incoming_clause(t)}, false), -1, a, t.weight);
        }
        for (const auto& t : pod->anti_preferred) {
          std::int32_t a = eq_agg_for_key(e, topo, t.topology_key, &e.ipa_score_aggs);
          eq_feed(e, c.matcher_ptr({incoming_clause(t)}, false), -1, a,
                  -static_cast<std::int64_t>(t.weight));
        }
        for (std::size_t id = 0; id < terms.size(); ++id) {
          const ExistingTerm& t = terms[id];
          std::int64_t w;
          switch (t.kind) {
            case kReqAff:
              w = fw.cfg_.hard_pod_affinity_weight;
              break;
            case kPrefAff:
              w = t.term.weight;
              break;
            case kPrefAnti:
              w = -static_cast<std::int64_t>(t.term.weight);
              break;
            default:
              continue;
          }
          if (!existing_term_relevant(e, t)) continue;
          std::int32_t a = eq_agg_for_key(e, topo, t.term.topology_key, &e.ipa_score_aggs);
          eq_feed_term(e, t.key, static_cast<std::int32_t>(id), a, w);
        }
        // The pod's own terms that match itself, as its placed copies will carry them.
        auto anticipate = [&](const std::vector<AffinityTerm>& list, TermKind kind,
                              std::int64_t sign) {
          for (const auto& t : list) {
            std::string key = SchedulerCache::term_key(kind, t);
            // Identical terms of one pod share one existing term whose per-row count already
            // counts each of them: one feed per distinct term.
            if (c.term_id(key) >= 0 || eq_has_term_ref(e, key)) continue;
            if (!existing_term_matches_incoming(t)) continue;
            std::int64_t w = kind == kReqAff ? fw.cfg_.hard_pod_affinity_weight : sign * t.weight;
            std::int32_t a = eq_agg_for_key(e, topo, t.topology_key, &e.ipa_score_aggs);
            eq_feed_term(e, key, -1, a, w);
          }
        };
        if (fw.cfg_.hard_pod_affinity_weight > 0) anticipate(pod->aff_required, kReqAff, 1);
        anticipate(pod->aff_preferred, kPrefAff, 1);
        anticipate(pod->anti_preferred, kPrefAnti, -1);
      }
    }
    if (uses_score(kPodTopologySpread, weight)) {
      std::vector<SpreadConstraint> soft = spread_constraints(false);
      if (!soft.empty()) {
        e.pts_score = true;
        e.pts_weight = weight;
        e.pts_require_all = pod->has_spread_constraints || !fw.cfg_.system_defaulted;
        std::int32_t hostname_key = c.strings().find("kubernetes.io/hostname");
        const auto soft_cols = key_columns(soft);
        for (const auto& sc : soft) {
          EqPtsSoft s;
          s.hostname = sc.key >= 0 && sc.key == hostname_key;
          s.max_skew = sc.max_skew;
          s.slot = eq_slot(e, sc.key, s.hostname);
          if (e.slots[static_cast<std::size_t>(s.slot)].mode == SlotMode::kFine) return false;
          s.agg = eq_agg(e, s.slot);
          if (!s.hostname) {
            EqAgg& ag = e.aggs[static_cast<std::size_t>(s.agg)];
            const LabelColumn* col = e.slots[static_cast<std::size_t>(s.slot)].col;
            if (!e.pts_require_all) {
              ag.absent = static_cast<std::int64_t>(ag.by_dom.size());
              std::int32_t empty_value = c.strings().find("");
              if (col && empty_value >= 0) {
                auto it = col->domain_of_value.find(empty_value);
                if (it != col->domain_of_value.end()) ag.absent = it->second;
              }
              if (ag.absent == static_cast<std::int64_t>(ag.by_dom.size())) ag.by_dom.push_back(0);
            }
            ag.eligible.assign(cap, 0);
            for (auto row : live) {
              auto r = static_cast<std::size_t>(row);
              bool ok = !e.pts_require_all || has_keys(soft_cols, r);
              ag.eligible[r] = ok && included(sc, row) ? 1 : 0;
            }
          }
          e.pts_soft.push_back(s);
          eq_feed(e, spread_matcher_ptr(sc), -1, s.agg, 1);
        }
      }
    }
    // Class-key layout, domain row lists, then every aggregate from scratch.
    std::size_t pos = 0;
    for (auto& s : e.slots) {
      s.pos = pos;
      pos += s.mode == SlotMode::kCoarse ? 1 : s.aggs.size();
      if (s.mode == SlotMode::kFine) {
        std::size_t nd = s.col ? s.col->domain_value.size() : 0;
        s.dom_start.assign(nd + 1, 0);
        s.stamp.assign(nd, 0);
        for (auto row : live) {
          std::int64_t d = eq_dom(s, static_cast<std::size_t>(row));
          if (d >= 0) ++s.dom_start[static_cast<std::size_t>(d) + 1];
        }
        for (std::size_t d = 0; d < nd; ++d) s.dom_start[d + 1] += s.dom_start[d];
        s.dom_rows.assign(static_cast<std::size_t>(s.dom_start[nd]), 0);
        std::vector<std::int32_t> fill(s.dom_start.begin(), s.dom_start.end() - 1);
        for (auto row : live) {
          std::int64_t d = eq_dom(s, static_cast<std::size_t>(row));
          if (d >= 0)
            s.dom_rows[static_cast<std::size_t>(fill[static_cast<std::size_t>(d)]++)] = row;
        }
      }
    }
    for (std::size_t a = 0; a < e.aggs.size(); ++a) {
      EqAgg& ag = e.aggs[a];
      const EqSlot& s = e.slots[static_cast<std::size_t>(ag.slot)];
      ag.key_index = s.pos;
      if (s.mode != SlotMode::kCoarse) {
        ag.key_index += static_cast<std::size_t>(
            std::find(s.aggs.begin(), s.aggs.end(), static_cast<std::int32_t>(a)) - s.aggs.begin());
      }
      if (ag.track_min) ag.present.assign(ag.by_dom.size(), 0);
    }
    bool all_coarse = true;
    std::int64_t space = 1;
    for (const auto& sl : e.slots) {
      all_coarse &= sl.mode == SlotMode::kCoarse;
      e.coarse_radix.push_back(static_cast<std::int64_t>(sl.col ? sl.col->domain_value.size() : 0) +
                               1);
      space *= e.coarse_radix.back();
      if (space > kEqCoarseTable) all_coarse = false;
    }
    if (!all_coarse || e.slots.empty()) {
      e.coarse_radix.clear();
    } else {
      e.coarse_table.assign(static_cast<std::size_t>(space), -1);
    }
    for (auto& src : e.sources) {
      if (!src.bound()) {
        src.seen.assign(cap, 0);
        continue;
      }
      const auto& pr = src.per_row(c);
      src.seen.assign(pr.begin(), pr.begin() + static_cast<std::ptrdiff_t>(cap));
      for (const auto& [a, w] : src.feeds) {
        EqAgg& ag = e.aggs[static_cast<std::size_t>(a)];
        const EqSlot& s = e.slots[static_cast<std::size_t>(ag.slot)];
        for (auto row : live) {
          auto r = static_cast<std::size_t>(row);
          if (!ag.eligible.empty() && !ag.eligible[r]) continue;
          std::int64_t d = eq_agg_dom(ag, s, r);
          if (d < 0) continue;
          ag.by_dom[static_cast<std::size_t>(d)] += w * src.seen[r];
          ag.total += w * src.seen[r];
        }
      }
    }
    for (auto& ag : e.aggs) {
      if (!ag.track_min) continue;
      const EqSlot& s = e.slots[static_cast<std::size_t>(ag.slot)];
      for (auto row : live) {
        auto r = static_cast<std::size_t>(row);
        std::int64_t d = eq_dom(s, r);
        if (d >= 0 && ag.eligible[r]) ag.present[static_cast<std::size_t>(d)] = 1;
      }
      for (std::size_t d = 0; d < ag.present.size(); ++d) {
        if (!ag.present[d]) continue;
        ++ag.num_domains;
        ++ag.hist[ag.by_dom[d]];
      }
    }
    return true;
  }

  bool eq_static_ok(const EqEntry& e, std::int32_t row) const {
    for (auto k : e.static_keys) {
      if (c.table().label(row, k) < 0) return false;
    }
    return true;
  }

  void eq_row_key(const EqEntry& e, std::size_t r, std::vector<std::int64_t>& key) const {
    key.clear();
    for (const auto& s : e.slots) {
      std::int64_t d = eq_dom(s, r);
      if (s.mode == SlotMode::kCoarse) {
        key.push_back(d);
        continue;
      }
      for (auto a : s.aggs) {
        key.push_back(
            d < 0 ? kMissingValue
                  : e.aggs[static_cast<std::size_t>(a)].by_dom[static_cast<std::size_t>(d)]);
      }
    }
  }

  // Value of an aggregate for the rows of a class; `missing` when they lack its key.
  static std::int64_t eq_value(const EqEntry& e, const EqClass& k, std::int32_t agg,
                               bool& missing) {
    const EqAgg& a = e.aggs[static_cast<std::size_t>(agg)];
    std::int64_t v = k.key[a.key_index];
    if (e.slots[static_cast<std::size_t>(a.slot)].mode == SlotMode::kCoarse) {
      missing = v < 0;
      if (missing || static_cast<std::size_t>(v) >= a.by_dom.size()) return 0;
      return a.by_dom[static_cast<std::size_t>(v)];
    }
    missing = v == kMissingValue;
    return missing ? 0 : v;
  }

  // The class of a key, created on first use; -1 once the entry holds kEqMaxClasses.
  // Index of a class key in the coarse table (every slot coarse), else -1.
  static std::int64_t eq_coarse_index(const EqEntry& e, const std::vector<std::int64_t>& key) {
    if (e.coarse_table.empty()) return -1;
    std::int64_t idx = 0;
    for (std::size_t k = 0; k < key.size(); ++k) idx = idx * e.coarse_radix[k] + key[k] + 1;
    return idx;
  }

  std::int32_t eq_class_for(EqEntry& e, const std::vector<std::int64_t>& key) {
    if (key.empty() && e.trivial_class >= 0) return e.trivial_class;  // no domain plugins
    std::int64_t idx = eq_coarse_index(e, key);
    if (idx >= 0 && e.coarse_table[static_cast<std::size_t>(idx)] >= 0) {
      return e.coarse_table[static_cast<std::size_t>(idx)];
    }
    auto it = e.class_ids.find(key);
    if (it != e.class_ids.end()) return it->second;
    if (e.live_classes >= kEqMaxClasses) return -1;
    std::int32_t id;
    if (!e.free_classes.empty()) {
      id = e.free_classes.back();  // its tree is empty (every member left)
      e.free_classes.pop_back();
    } else {
      id = static_cast<std::int32_t>(e.classes.size());
      e.classes.emplace_back();
      e.classes.back().tree.init(e.nblocks);
    }
    EqClass& k = e.classes[static_cast<std::size_t>(id)];
    k.key = key;
    k.members = 0;
    e.class_ids.emplace(key, id);
    ++e.live_classes;
    if (key.empty()) e.trivial_class = id;
    if (idx >= 0) e.coarse_table[static_cast<std::size_t>(idx)] = id;
    return id;
  }

  void eq_update_block(EqEntry& e, std::int32_t cls, std::size_t block) {
    std::int64_t m = kNoScore;
    std::uint32_t n = 0;
    std::size_t end = std::min((block + 1) * kEqBlock, e.row_class.size());
    for (std::size_t r = block * kEqBlock; r < end; ++r) {
      if (e.row_class[r] != cls) continue;
      if (e.local[r] > m) {
        m = e.local[r];
        n = 1;
      } else if (e.local[r] == m) {
        ++n;
      }
    }
    e.classes[static_cast<std::size_t>(cls)].tree.set(block, m, n);
  }

  // Puts a row into the class of its current key (or none when not base-feasible).
  void eq_reclass(EqEntry& e, std::int32_t row, bool local_changed) {
    auto r = static_cast<std::size_t>(row);
    std::int32_t old = e.row_class[r];
    std::int32_t now = -1;
    if (e.base_ok[r]) {
      eq_row_key(e, r, key_buf);
      now = eq_class_for(e, key_buf);
      if (now < 0) {
        e.overflow = true;
        return;
      }
    }
    std::size_t b = r / kEqBlock;
    if (now == old) {
      if (local_changed && now >= 0) eq_update_block(e, now, b);
      return;
    }
    e.row_class[r] = now;
    if (old >= 0) {
      eq_update_block(e, old, b);
      EqClass& k = e.classes[static_cast<std::size_t>(old)];
      if (--k.members == 0) {
        e.class_ids.erase(k.key);
        e.free_classes.push_back(old);
        --e.live_classes;
        if (k.key.empty()) e.trivial_class = -1;
        std::int64_t idx = eq_coarse_index(e, k.key);
        if (idx >= 0) e.coarse_table[static_cast<std::size_t>(idx)] = -1;
      }
    }
    if (now >= 0) {
      eq_update_block(e, now, b);
      ++e.classes[static_cast<std::size_t>(now)].members;
    }
  }

  std::int64_t eq_scores(EqEntry& e, const std::vector<std::int32_t>& one) {
    std::int64_t tot = 0;
    std::vector<std::int64_t>& out = score_one;
    out.assign(1, 0);
    for (const auto& [id, w] : fw.cfg_.scores) {
      switch (id) {
        case kTaintToleration:
          tot += w * e.taint_const;
          break;
        case kNodeAffinity:
          tot += w * e.na_const;
          break;
        case kNodeResourcesFit:
          score_fit(one, out);
          tot += w * out[0];
          break;
        case kNodeResourcesBalancedAllocation:
          if (e.balanced_ran) {
            score_balanced(one, out);
            tot += w * out[0];
          }
          break;
        case kImageLocality:
          score_image(one, out);
          tot += w * out[0];
          break;
        default:
          break;  // VolumeBinding skips, DynamicResources scores 0; PTS/IPA per class
      }
    }
    return tot;
  }

  // Row-local part of one row: the filters run with PodTopologySpread and InterPodAffinity
  // skipped (the per-cycle PreFilter left them so), the static key checks, the local total.
  void eq_row_local(EqEntry& e, std::int32_t row) {
    auto r = static_cast<std::size_t>(row);
    bool ok = false;
    if (c.table().live[r]) {
      one_row[0] = row;
      run_filters(one_row);
      ok = code[r] == kOk && eq_static_ok(e, row);
      if (ok) e.local[r] = eq_scores(e, one_row);
    }
    e.base_ok[r] = ok ? 1 : 0;
  }

  // Builds (or rebuilds) an entry with a full pass over all rows. Returns false when this pod
  // needs the full framework path (non-constant global normalisation, PreFilterResult, ...).
  bool eq_build(EqEntry& e) {
    const NodeTable& tb = c.table();
    const auto& live = c.live_rows();
    const std::size_t cap = tb.capacity;
    std::string sig = std::move(e.sig);
    std::uint64_t last_used = e.last_used;
    e = EqEntry{};
    e.sig = std::move(sig);
    e.last_used = last_used;
    e.epoch = c.epoch();
    e.terms_version = c.terms_version();
    e.dirty_pos = c.dirty_end();
    std::uint8_t rc;
    std::string rp;
    std::vector<std::string> rr, names;
    bool has_result = false;
    if (!prefilter(rc, rp, rr, has_result, names, false) || has_result) return false;
    // Global normalisations must be constant over all rows for per-row reuse to be exact.
    std::vector<std::int64_t> out(live.size());
    if (uses_plugin(kTaintToleration)) {
      std::int64_t first = -1;
      for (auto row : live) {
        const std::uint64_t* b = &tb.taint_bits[static_cast<std::size_t>(row) * tb.taint_words];
        std::int64_t n = 0;
        if (any_pref_taint) {
          for (std::size_t w = 0; w < tb.taint_words; ++w)
            n += __builtin_popcountll(b[w] & pref_taints[w]);
        }
        if (first < 0) first = n;
        if (n != first) return false;
      }
      e.taint_const = first <= 0 ? kMaxNodeScore : 0;
    }
    if (uses_plugin(kNodeAffinity) && (pod->has_preferred || (added && added->has_preferred))) {
      score_node_affinity(live, out);
      for (auto v : out) {
        if (v != out[0]) return false;
      }
      e.na_const = out.empty() ? 0 : out[0];
    }
    if (!live.empty()) {
      one_row[0] = live[0];
      score_one.assign(1, 0);
      e.balanced_ran = score_balanced(one_row, score_one);
    }
    e.nblocks = (cap + kEqBlock - 1) / kEqBlock;
    if (!eq_roles(e)) return false;
    run_filters(live);
    e.base_ok.assign(cap, 0);
    e.local.assign(cap, kNoScore);
    e.row_class.assign(cap, -1);
    std::vector<std::int32_t> F;
    F.reserve(live.size());
    for (auto row : live) {
      auto r = static_cast<std::size_t>(row);
      if (code[r] == kOk && eq_static_ok(e, row)) {
        F.push_back(row);
        e.base_ok[r] = 1;
      }
    }
    std::vector<std::int64_t> tot(F.size(), 0), o(F.size());
    std::string err;
    for (const auto& [id, w] : fw.cfg_.scores) {
      switch (id) {
        case kTaintToleration:
          for (auto& t : tot) t += w * e.taint_const;
          break;
        case kNodeAffinity:
          for (auto& t : tot) t += w * e.na_const;
          break;
        case kNodeResourcesFit:
        case kImageLocality:
          run_score(id, F, o, err);
          for (std::size_t k = 0; k < F.size(); ++k) tot[k] += w * o[k];
          break;
        case kNodeResourcesBalancedAllocation:
          if (e.balanced_ran) {
            score_balanced(F, o);
            for (std::size_t k = 0; k < F.size(); ++k) tot[k] += w * o[k];
          }
          break;
        default:
          break;
      }
    }
    // Rows cycle through few classes (zones interleave): remember the last distinct keys.
    constexpr std::size_t kRecent = 8;
    std::vector<std::pair<std::vector<std::int64_t>, std::int32_t>> recent;
    std::size_t next_recent = 0;
    for (std::size_t k = 0; k < F.size(); ++k) {
      auto r = static_cast<std::size_t>(F[k]);
      e.local[r] = tot[k];
      eq_row_key(e, r, key_buf);
      std::int32_t cls = -1;
      if (e.coarse_table.empty()) {
        for (const auto& [key, id] : recent) {
          if (key == key_buf) {
            cls = id;
            break;
          }
        }
      }
      if (cls < 0) {
        cls = eq_class_for(e, key_buf);
        if (cls < 0) return false;
        if (!e.coarse_table.empty()) {
          // the table is the memo
        } else if (recent.size() < kRecent) {
          recent.emplace_back(key_buf, cls);
        } else {
          recent[next_recent] = {key_buf, cls};
          next_recent = (next_recent + 1) % kRecent;
        }
      }
      e.row_class[r] = cls;
      EqClass& kl = e.classes[static_cast<std::size_t>(cls)];
      ++kl.members;
      std::size_t leaf = kl.tree.size + r / kEqBlock;
      if (tot[k] > kl.tree.mx[leaf]) {
        kl.tree.mx[leaf] = tot[k];
        kl.tree.cnt[leaf] = 1;
      } else if (tot[k] == kl.tree.mx[leaf]) {
        ++kl.tree.cnt[leaf];
      }
    }
    for (auto& kl : e.classes) kl.tree.build();
    e.cacheable = true;
    return true;
  }

  void eq_add(EqEntry& e, std::int32_t agg, std::size_t r, std::int64_t delta) {
    EqAgg& a = e.aggs[static_cast<std::size_t>(agg)];
    if (!a.eligible.empty() && !a.eligible[r]) return;
    EqSlot& s = e.slots[static_cast<std::size_t>(a.slot)];
    std::int64_t d = eq_agg_dom(a, s, r);
    if (d < 0) return;
    auto di = static_cast<std::size_t>(d);
    std::int64_t old = a.by_dom[di];
    a.by_dom[di] = old + delta;
    a.total += delta;
    if (a.track_min && a.present[di]) {
      auto it = a.hist.find(old);
      if (--it->second == 0) a.hist.erase(it);
      ++a.hist[old + delta];
    }
    if (s.mode == SlotMode::kRow) {
      moved.push_back(static_cast<std::int32_t>(d));
    } else if (s.mode == SlotMode::kFine && s.stamp[di] != e.move_stamp) {
      s.stamp[di] = e.move_stamp;
      for (auto i = s.dom_start[di]; i < s.dom_start[di + 1]; ++i) {
        moved.push_back(s.dom_rows[static_cast<std::size_t>(i)]);
      }
    }
  }

  // Folds the rows changed since the entry's position into it: source deltas into the
  // aggregates, the rows' local part, then class moves. False when classes overflowed.
  bool eq_sync(EqEntry& e) {
    std::size_t cap = c.table().capacity;
    if (row_seen.size() < cap) row_seen.resize(cap, 0);
    if (++row_seen_stamp == 0) {
      std::fill(row_seen.begin(), row_seen.end(), 0);
      row_seen_stamp = 1;
    }
    dirty.clear();
    std::uint64_t end = c.dirty_end();
    for (std::uint64_t pos = e.dirty_pos; pos < end; ++pos) {
      std::int32_t r = c.dirty_at(pos);
      auto ri = static_cast<std::size_t>(r);
      if (row_seen[ri] == row_seen_stamp) continue;
      row_seen[ri] = row_seen_stamp;
      dirty.push_back(r);
    }
    e.dirty_pos = end;
    if (dirty.empty()) return true;
    moved.clear();
    if (++e.move_stamp == 0) {
      for (auto& s : e.slots) std::fill(s.stamp.begin(), s.stamp.end(), 0);
      e.move_stamp = 1;
    }
    for (auto& src : e.sources) {
      if (!src.bound()) continue;
      const auto& pr = src.per_row(c);
      for (auto row : dirty) {
        auto r = static_cast<std::size_t>(row);
        std::int32_t v = pr[r];
        if (v == src.seen[r]) continue;
        std::int64_t delta = static_cast<std::int64_t>(v) - src.seen[r];
        src.seen[r] = v;
        for (const auto& [a, w] : src.feeds) eq_add(e, a, r, w * delta);
      }
    }
    for (auto row : dirty) {
      eq_row_local(e, row);
      eq_reclass(e, row, true);
    }
    for (auto row : moved) {
      if (row_seen[static_cast<std::size_t>(row)] != row_seen_stamp) eq_reclass(e, row, false);
    }
    return !e.overflow;
  }

  // Whether the rows of a class pass PodTopologySpread's skew and InterPodAffinity's count
  // checks (their keys are present: the static checks hold for every member).
  bool eq_allowed(const EqEntry& e, const EqClass& k, bool aff_empty) const {
    bool missing = false;
    for (const auto& h : e.pts_hard) {
      std::int64_t v = eq_value(e, k, h.agg, missing);
      if (v + (h.self_match ? 1 : 0) - h.min > h.max_skew) return false;
    }
    if (!e.ipa_filter) return true;
    if (!e.ipa_aff.empty()) {
      bool exist = true;
      for (auto a : e.ipa_aff) exist &= eq_value(e, k, a, missing) > 0;
      if (!exist && !(aff_empty && e.ipa_self_match_all)) return false;
    }
    for (auto a : e.ipa_anti) {
      if (eq_value(e, k, a, missing) > 0) return false;
    }
    for (auto a : e.ipa_exist) {
      if (eq_value(e, k, a, missing) > 0) return false;
    }
    return true;
  }

  // Adds the normalised InterPodAffinity and PodTopologySpread scores of every allowed class
  // (score_ipa / score_pts over the feasible rows, evaluated once per class).
  void eq_domain_scores(EqEntry& e, std::int64_t feasible) {
    bool missing = false;
    if (e.ipa_score && !e.ipa_score_aggs.empty()) {  // no aggregate: 0 everywhere
      std::int64_t mn = std::numeric_limits<std::int64_t>::max();
      std::int64_t mx = std::numeric_limits<std::int64_t>::min();
      for (auto ci : active) {
        EqClass& k = e.classes[static_cast<std::size_t>(ci)];
        k.raw = 0;
        for (auto a : e.ipa_score_aggs) k.raw += eq_value(e, k, a, missing);
        mn = std::min(mn, k.raw);
        mx = std::max(mx, k.raw);
      }
      std::int64_t diff = mx - mn;
      for (auto ci : active) {
        EqClass& k = e.classes[static_cast<std::size_t>(ci)];
        double f = 0;
        if (diff > 0) {
          f = static_cast<double>(kMaxNodeScore) *
              (static_cast<double>(k.raw - mn) / static_cast<double>(diff));
        }
        k.g += e.ipa_weight * static_cast<std::int64_t>(f);
      }
    }
    if (!e.pts_score) return;
    std::int64_t n_ignored = 0;
    for (auto ci : active) {
      EqClass& k = e.classes[static_cast<std::size_t>(ci)];
      k.ignored = false;
      if (e.pts_require_all) {
        for (const auto& s : e.pts_soft) {
          eq_value(e, k, s.agg, missing);
          k.ignored |= missing;
        }
      }
      if (k.ignored) n_ignored += k.members;
    }
    for (auto& s : e.pts_soft) {
      std::int64_t sz;
      if (s.hostname) {
        sz = feasible - n_ignored;
      } else {
        domains_buf.clear();
        std::size_t pos = e.slots[static_cast<std::size_t>(s.slot)].pos;
        std::int64_t absent = e.aggs[static_cast<std::size_t>(s.agg)].absent;
        for (auto ci : active) {
          const EqClass& k = e.classes[static_cast<std::size_t>(ci)];
          if (!k.ignored) domains_buf.push_back(k.key[pos] < 0 ? absent : k.key[pos]);
        }
        std::sort(domains_buf.begin(), domains_buf.end());
        sz = std::unique(domains_buf.begin(), domains_buf.end()) - domains_buf.begin();
      }
      s.weight = std::log(static_cast<double>(sz + 2));
    }
    std::int64_t mn = std::numeric_limits<std::int64_t>::max(), mx = 0;
    for (auto ci : active) {
      EqClass& k = e.classes[static_cast<std::size_t>(ci)];
      if (k.ignored) continue;
      double score = 0;
      for (const auto& s : e.pts_soft) {
        std::int64_t cnt = eq_value(e, k, s.agg, missing);
        if (missing) continue;
        score += static_cast<double>(cnt) * s.weight + static_cast<double>(s.max_skew - 1);
      }
      k.raw = static_cast<std::int64_t>(std::round(score));
      mn = std::min(mn, k.raw);
      mx = std::max(mx, k.raw);
    }
    for (auto ci : active) {
      EqClass& k = e.classes[static_cast<std::size_t>(ci)];
      std::int64_t s;
      if (k.ignored) {
        s = 0;
      } else if (mx == 0) {
        s = kMaxNodeScore;
      } else {
        s = kMaxNodeScore * (mx + mn - k.raw) / mx;
      }
      k.g += e.pts_weight * s;
    }
  }

  // Row of the k-th (row order) leaf at its class's target among the participating classes.
  std::int32_t eq_kth(const EqEntry& e, std::uint64_t k) const {
    std::size_t size = e.classes[static_cast<std::size_t>(part.front())].tree.size;
    std::size_t p = 1;
    while (p < size) {
      std::size_t a = 2 * p;
      std::uint64_t left = 0;
      for (auto ci : part) {
        const EqClass& kl = e.classes[static_cast<std::size_t>(ci)];
        if (kl.tree.mx[a] == kl.tree.mx[1]) left += kl.tree.cnt[a];
      }
      if (k < left) {
        p = a;
      } else {
        k -= left;
        p = a + 1;
      }
    }
    std::size_t block = p - size;
    std::size_t end = std::min((block + 1) * kEqBlock, e.row_class.size());
    for (std::size_t r = block * kEqBlock; r < end; ++r) {
      std::int32_t ci = e.row_class[r];
      if (ci < 0) continue;
      const EqClass& kl = e.classes[static_cast<std::size_t>(ci)];
      if (!kl.participating || e.local[r] != kl.tree.mx[1]) continue;
      if (k == 0) return static_cast<std::int32_t>(r);
      --k;
    }
    return -1;  // unreachable: the counts guarantee a row
  }

  // Decision of a cached cycle: the classes' verdicts, then the uniform pick among the rows at
  // the maximum total (the same draw as the full pass). False when nothing fits.
  bool eq_pick(EqEntry& e, std::int32_t& row, bool& consumed) {
    for (auto& h : e.pts_hard) {
      const EqAgg& a = e.aggs[static_cast<std::size_t>(h.agg)];
      h.min = (a.num_domains < h.min_domains || a.hist.empty()) ? 0 : a.hist.begin()->first;
    }
    bool aff_empty = true;
    for (auto a : e.ipa_aff) aff_empty &= e.aggs[static_cast<std::size_t>(a)].total == 0;
    active.clear();
    std::int64_t feasible = 0;
    for (std::size_t ci = 0; ci < e.classes.size(); ++ci) {
      EqClass& k = e.classes[ci];
      k.participating = false;
      k.g = 0;
      if (k.members == 0 || !eq_allowed(e, k, aff_empty)) continue;
      feasible += k.members;
      active.push_back(static_cast<std::int32_t>(ci));
    }
    if (feasible == 0) return false;
    part.clear();
    if (feasible == 1) {
      part.push_back(active.front());
      e.classes[static_cast<std::size_t>(active.front())].participating = true;
      row = eq_kth(e, 0);
      return true;
    }
    eq_domain_scores(e, feasible);
    std::int64_t best = std::numeric_limits<std::int64_t>::min();
    for (auto ci : active) {
      const EqClass& k = e.classes[static_cast<std::size_t>(ci)];
      best = std::max(best, k.tree.mx[1] + k.g);
    }
    std::uint64_t count = 0;
    for (auto ci : active) {
      EqClass& k = e.classes[static_cast<std::size_t>(ci)];
      if (k.tree.mx[1] + k.g != best) continue;
      k.participating = true;
      part.push_back(ci);
      count += k.tree.cnt[1];
    }
    std::uint64_t pick = fw.rng_.below(count);
    consumed = true;
    row = eq_kth(e, pick);
    return true;
  }

  // Cached cycle: returns true with `row` set; false -> the caller runs the full pass.
  bool eq_cycle(std::int32_t& row, bool& consumed) {
    consumed = false;
    // A pod whose preferred node affinity does not parse fails its cycles in PreScore (full pass).
    if (!profile_cacheable() || !nominated.empty() || !pod->preferred_error.empty()) return false;
    EqEntry* e = nullptr;
    for (auto& p : eq) {
      if (p->sig == pod->signature) e = p.get();
    }
    if (!e) {
      if (eq.size() >= kEqMaxEntries) {
        auto victim = std::min_element(eq.begin(), eq.end(), [](const auto& a, const auto& b) {
          return a->last_used < b->last_used;
        });
        eq.erase(victim);
      }
      eq.push_back(std::make_unique<EqEntry>());
      e = eq.back().get();
      e->sig = pod->signature;
      e->epoch = 0;
    }
    e->last_used = ++eq_clock;
    bool rebuild = e->epoch != c.epoch() || e->dirty_pos < c.dirty_base();
    if (!rebuild && !e->cacheable) return false;
    if (!rebuild && e->terms_version != c.terms_version()) {
      if (eq_terms_current(*e)) {
        e->terms_version = c.terms_version();
      } else {
        rebuild = true;
      }
    }
    if (rebuild) {
      if (!eq_build(*e)) return false;
    } else {
      std::uint8_t rc;
      std::string rp;
      std::vector<std::string> rr, names;
      bool has_result = false;
      if (!prefilter(rc, rp, rr, has_result, names, false) || has_result) return false;
      if (!eq_sync(*e)) {
        e->cacheable = false;
        return false;
      }
    }
    return eq_pick(*e, row, consumed);
  }

  // --- percentageOfNodesToScore emulation ------------------------------------------------------
  std::size_t own_next_start = 0;
  std::size_t& next_start;  // shared by every profile of one scheduler (kube-scheduler's
                            // nextStartNodeIndex), or own_next_start

  std::vector<std::int32_t> zone_order() const {
    const NodeTable& tb = c.table();
    std::int32_t region = c.strings().find("topology.kubernetes.io/region");
    std::int32_t zone = c.strings().find("topology.kubernetes.io/zone");
    std::vector<std::pair<std::string, std::vector<std::int32_t>>> zones;
    for (auto row : c.live_rows()) {
      std::string z;
      std::int32_t rv = region >= 0 ? tb.label(row, region) : -1;
      std::int32_t zv = zone >= 0 ? tb.label(row, zone) : -1;
      if (rv >= 0) z += c.strings().name(rv);
      z += ":\x00:";
      if (zv >= 0) z += c.strings().name(zv);
      bool found = false;
      for (auto& [k, v] : zones) {
        if (k == z) {
          v.push_back(row);
          found = true;
          break;
        }
      }
      if (!found) zones.emplace_back(z, std::vector<std::int32_t>{row});
    }
    std::vector<std::int32_t> out;
    for (std::size_t i = 0;; ++i) {
      bool any = false;
      for (const auto& [k, v] : zones) {
        if (i < v.size()) {
          out.push_back(v[i]);
          any = true;
        }
      }
      if (!any) break;
    }
    return out;
  }

  std::size_t num_to_find(std::size_t n) const {
    if (n < 100) return n;
    std::int64_t p = fw.cfg_.percentage_of_nodes_to_score;
    if (p <= 0) {
      p = 50 - static_cast<std::int64_t>(n) / 125;
      if (p < 5) p = 5;
    }
    std::int64_t k = static_cast<std::int64_t>(n) * p / 100;
    if (k < 100) k = 100;
    return static_cast<std::size_t>(k);
  }
};

Framework::Framework(ProfileConfig cfg, SchedulerCache& cache, std::uint64_t seed,
                     std::size_t* next_start_node_index)
    : cfg_(std::move(cfg)), cache_(cache), rng_(seed) {
  impl_ = std::make_shared<Impl>(*this, cache_, next_start_node_index);
}

std::uint64_t Framework::plugin_bit(int id) noexcept {
  int bit = id >= kExternalBase ? kNumNativePlugins + (id - kExternalBase) : id;
  return bit >= 0 && bit < 64 ? std::uint64_t{1} << bit : 0;
}

std::vector<std::string> Framework::plugin_bit_names() const {
  std::vector<std::string> out;
  for (int i = 0; i < kNumNativePlugins; ++i) out.emplace_back(native_plugin_name(i));
  for (const auto& e : cfg_.external) out.push_back(e->name());
  return out;
}

CycleResult Framework::schedule(const PodInfoPtr& pod_ptr, CycleDetail* detail) {
  return schedule(pod_ptr, detail, pod_ptr->ns_name + "/" + pod_ptr->name);
}

CycleResult Framework::schedule(const PodInfoPtr& pod_ptr, CycleDetail* detail,
                                const std::string& key) {
  auto t0 = std::chrono::steady_clock::now();
  Impl& im = *impl_;
  im.ensure_scratch();
  im.pod = pod_ptr.get();
  im.nominated.clear();
  if (cache_.num_nominated() > 0) im.nominated = cache_.nominated_for(pod_ptr->priority, key);
  CycleResult res;
  const auto& live = cache_.live_rows();
  const NodeTable& tb = cache_.table();
  auto finish = [&]() {
    if (res.code == Code::kSuccess || res.code == Code::kError) {
      res.unschedulable_plugins = res.pending_plugins = 0;  // a Diagnosis only for a FitError
    }
    res.latency_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    im.pod = nullptr;
    im.nominated.clear();
    return res;
  };
  if (live.empty()) {
    res.code = Code::kError;
    res.message = "no nodes available to schedule pods";
    return finish();
  }
  // A pod nominated by an earlier preemption tries its nominated node first, alone, and takes it
  // without scoring when it passes the filters (findNodesThatFitPod / evaluateNominatedNode).
  // This runs after PreFilter and regardless of a PreFilterResult, as upstream does.
  if (!pod_ptr->nominated_node_name.empty()) {
    std::int32_t nrow = cache_.row_of(pod_ptr->nominated_node_name);
    std::uint8_t rc = 0;
    std::string rp;
    std::vector<std::string> rr, names;
    bool has_result = false;
    if (nrow >= 0 && im.prefilter(rc, rp, rr, has_result, names)) {
      std::vector<std::int32_t> one{nrow};
      im.run_filters(one);
      im.nominated_pass(nrow);
      auto nr = static_cast<std::size_t>(nrow);
      if (im.code[nr] == kOk) {
        res.code = Code::kSuccess;
        res.row = nrow;
        if (detail) {
          detail->evaluated_rows = one;
          detail->feasible_rows = one;
        }
        return finish();
      }
      // Upstream evaluates the nominated node with the cycle's Diagnosis: its rejector counts.
      im.note_rejection(im.code[nr], im.plug[nr], res);
    }
  }
  if (use_eq_cache_ && detail == nullptr) {
    std::int32_t row = -1;
    bool consumed = false;
    if (im.eq_cycle(row, consumed) && row >= 0) {
      ++cache_hits_;
      res.code = Code::kSuccess;
      res.row = row;
      return finish();
    }
  }
  const auto n_all = static_cast<std::int64_t>(live.size());
  std::uint8_t rej_code = 0;
  std::string rej_plugin;
  std::vector<std::string> rej_reasons;
  bool has_result = false;
  std::vector<std::string> result_names;
  bool ok = im.prefilter(rej_code, rej_plugin, rej_reasons, has_result, result_names);
  // Per-row status for PostFilter (kOk = feasible). Rows outside a PreFilterResult and all rows
  // on a PreFilter rejection carry the rejecting status.
  std::vector<std::uint8_t>& status = im.status_buf;
  for (auto row : live) status[static_cast<std::size_t>(row)] = kOk;
  std::string fit_message;
  std::vector<std::int32_t> feasible;
  std::map<std::string, std::int64_t> hist;
  if (!ok) {
    Impl::note_rejection(rej_code, native_plugin_id(rej_plugin), res);
    for (auto row : live) status[static_cast<std::size_t>(row)] = rej_code;
    std::string joined;
    for (std::size_t i = 0; i < rej_reasons.size(); ++i) joined += (i ? ", " : "") + rej_reasons[i];
    fit_message = "0/" + std::to_string(n_all) + " nodes are available: " + joined + ".";
    if (detail) {
      detail->prefilter_rejected = true;
      for (auto row : live) detail->failures.push_back({row, rej_plugin, rej_code, rej_reasons});
    }
  } else {
    std::vector<std::int32_t> rows;
    std::vector<std::uint8_t> in_result;
    if (has_result) {
      // RunPreFilterPlugins' plugins that narrowed the nodes join the Diagnosis' set.
      res.unschedulable_plugins |= plugin_bit(kNodeAffinity);
      in_result.assign(tb.capacity, 0);
      for (const auto& n : result_names) {
        std::int32_t r = cache_.row_of(n);
        if (r >= 0) in_result[static_cast<std::size_t>(r)] = 1;
      }
      for (auto row : live) {
        if (in_result[static_cast<std::size_t>(row)]) rows.push_back(row);
      }
      if (detail) {
        detail->has_prefilter_result = true;
        detail->prefilter_result_names = result_names;
      }
    } else {
      rows = live;
    }
    im.run_filters(rows);
    for (const auto& [nrow, pods] : im.nominated) {
      if (!has_result || in_result[static_cast<std::size_t>(nrow)]) im.nominated_pass(nrow);
    }
    feasible.reserve(rows.size());
    // percentageOfNodesToScore emulation: walk rows in zone-interleaved order from the rotating
    // start index and stop once enough feasible rows were found; unvisited rows are not reported.
    std::vector<std::uint8_t> visited;
    if (cfg_.percentage_of_nodes_to_score >= 0 && !cfg_.scores.empty()) {
      std::vector<std::int32_t> order = im.zone_order();
      if (has_result) {
        std::vector<std::int32_t> o2;
        for (auto r : order) {
          if (in_result[static_cast<std::size_t>(r)]) o2.push_back(r);
        }
        order.swap(o2);
      }
      std::size_t want = im.num_to_find(order.size());
      visited.assign(tb.capacity, 0);
      std::size_t found = 0, processed = 0;
      std::size_t n = order.size();
      for (std::size_t i = 0; i < n; ++i) {
        std::int32_t row = order[(im.next_start + i) % n];
        visited[static_cast<std::size_t>(row)] = 1;
        ++processed;
        if (im.code[static_cast<std::size_t>(row)] == kOk && ++found >= want) break;
      }
      if (n > 0) im.next_start = (im.next_start + processed) % n;
      std::vector<std::int32_t> kept;
      for (auto r : rows) {
        if (visited[static_cast<std::size_t>(r)]) kept.push_back(r);
      }
      rows.swap(kept);
    }
    std::string na_label = "NodeAffinity";
    std::int64_t outside = 0;
    std::vector<std::int64_t>& rs_count = im.rs_count;
    rs_count.assign(im.reason_sets.size(), 0);
    const std::uint8_t* cd = im.code.data();
    for (auto row : live) {
      auto r = static_cast<std::size_t>(row);
      bool in_rows = has_result ? in_result[r] != 0 : true;
      if (!visited.empty()) in_rows = in_rows && visited[r];
      if (!in_rows) {
        status[r] = kUnresolvable;
        if (has_result && !in_result[r]) {
          ++outside;
          if (detail) {
            detail->failures.push_back({row,
                                        na_label,
                                        kUnresolvable,
                                        {"node(s) didn't satisfy plugin(s) [NodeAffinity]"}});
          }
        }
        continue;
      }
      if (cd[r] == kOk) {
        feasible.push_back(row);
        continue;
      }
      status[r] = cd[r];
      Impl::note_rejection(cd[r], im.plug[r], res);
      rs_count[static_cast<std::size_t>(im.reason[r])] += 1;
      if (detail) {
        detail->failures.push_back({row, im.plugin_label(im.plug[r]), cd[r],
                                    im.reason_sets[static_cast<std::size_t>(im.reason[r])]});
      }
    }
    if (feasible.empty()) {
      for (std::size_t i = 0; i < rs_count.size(); ++i) {
        if (rs_count[i] == 0) continue;
        for (const auto& rsn : im.reason_sets[i]) hist[rsn] += rs_count[i];
      }
      if (outside > 0) hist["node(s) didn't satisfy plugin(s) [NodeAffinity]"] += outside;
      fit_message = "0/" + std::to_string(n_all) + " nodes are available";
      std::string h = Impl::histogram(hist);
      fit_message += ":";
      if (!h.empty()) fit_message += " " + h + ".";
    }
    if (detail) {
      detail->evaluated_rows = rows;
      detail->feasible_rows = feasible;
    }
  }

  if (feasible.empty()) {
    // PostFilter plugins in order.
    std::vector<std::string> reasons;
    std::uint8_t pf_code = kUnsched;
    bool success = false;
    bool any_pf = false;
    for (int id : cfg_.post_filters) {
      any_pf = true;
      if (id == kDynamicResources) {
        reasons.emplace_back("no new claims to deallocate");
      } else if (id == kDefaultPreemption) {
        std::string msg;
        std::int32_t nominated = -1;
        std::vector<std::string> victims;
        std::uint8_t st = im.preempt(status, live, msg, nominated, victims, detail);
        if (st == kOk) {
          success = true;
          res.nominated_row = nominated;
          res.victims = std::move(victims);
          break;
        }
        if (!msg.empty()) reasons.push_back(msg);
      }
    }
    res.message = fit_message;
    if (!success && !reasons.empty()) {
      std::string joined;
      for (std::size_t i = 0; i < reasons.size(); ++i) joined += (i ? ", " : "") + reasons[i];
      res.message += " " + joined;
    }
    bool all_unresolvable = true;
    for (auto row : live)
      all_unresolvable &= status[static_cast<std::size_t>(row)] == kUnresolvable;
    res.code =
        (all_unresolvable && !success) ? Code::kUnschedulableAndUnresolvable : Code::kUnschedulable;
    if (detail && any_pf) detail->post_filter_status = success ? "Success" : code_name(pf_code);
    return finish();
  }
  res.code = Code::kSuccess;
  if (feasible.size() == 1) {
    res.row = feasible[0];
    return finish();
  }
  // PreScore: NodeAffinity's fails the cycle when a preferred term does not parse
  // (NewPreferredSchedulingTerms); the framework wraps the plugin's error.
  if (!pod_ptr->preferred_error.empty() && im.prescore_error(res.message)) {
    res.code = Code::kError;
    return finish();
  }
  // Score.
  const std::size_t nf = feasible.size();
  std::vector<std::int64_t> total(nf, 0);
  std::vector<std::int64_t> out;
  std::vector<std::vector<std::int64_t>> per_plugin;
  for (const auto& [id, weight] : cfg_.scores) {
    std::string err;
    bool ran = im.run_score(id, feasible, out, err);
    if (!err.empty()) {
      res.code = Code::kError;
      res.message = err;
      return finish();
    }
    if (!ran) continue;
    // Plugins constant over the feasible rows change no decision: without a detail request
    // they are not accumulated (DynamicResources scores 0; TaintToleration scores 100 when the
    // pod has no intolerable PreferNoSchedule taint).
    bool constant = id == kDynamicResources || (id == kTaintToleration && !im.any_pref_taint);
    if (!constant || detail) {
      for (std::size_t k = 0; k < nf; ++k) total[k] += weight * out[k];
    }
    if (detail) {
      detail->score_plugins.push_back(im.plugin_label(id));
      detail->weights.push_back(weight);
      per_plugin.push_back(out);
    }
  }
  std::int64_t best = std::numeric_limits<std::int64_t>::min();
  std::uint64_t count = 0;
  for (std::size_t k = 0; k < nf; ++k) {
    if (total[k] > best) {
      best = total[k];
      count = 0;
    }
    if (total[k] == best) ++count;
  }
  std::uint64_t pick = rng_.below(count);
  for (std::size_t k = 0; k < nf; ++k) {
    if (total[k] != best) continue;
    if (pick == 0) {
      res.row = feasible[k];
      break;
    }
    --pick;
  }
  if (detail) {
    detail->totals = total;
    detail->scores.assign(nf * per_plugin.size(), 0);
    for (std::size_t k = 0; k < nf; ++k) {
      for (std::size_t j = 0; j < per_plugin.size(); ++j)
        detail->scores[k * per_plugin.size() + j] = per_plugin[j][k];
      if (total[k] == best) detail->top_rows.push_back(feasible[k]);
    }
  }
  return finish();
}

void Framework::set_equivalence_coarse_domains(std::size_t n) noexcept {
  impl_->coarse_domains = n;
  impl_->eq.clear();
}

std::vector<std::uint8_t> Framework::debug_filter(const PodInfoPtr& pod, int plugin) {
  Impl& im = *impl_;
  im.ensure_scratch();
  im.pod = pod.get();
  std::uint8_t rc;
  std::string rp;
  std::vector<std::string> rr, names;
  bool hr;
  std::vector<int> saved = cfg_.filters;
  std::vector<std::uint8_t> out(cache_.table().capacity, kOk);
  if (im.prefilter(rc, rp, rr, hr, names)) {
    cfg_.filters = {plugin};
    im.run_filters(cache_.live_rows());
    cfg_.filters = saved;
    for (auto row : cache_.live_rows())
      out[static_cast<std::size_t>(row)] = im.code[static_cast<std::size_t>(row)];
  } else {
    for (auto row : cache_.live_rows()) out[static_cast<std::size_t>(row)] = rc;
  }
  im.pod = nullptr;
  return out;
}

std::vector<std::int64_t> Framework::debug_score(const PodInfoPtr& pod, int plugin, bool normalized,
                                                 std::string* error) {
  Impl& im = *impl_;
  im.ensure_scratch();
  im.pod = pod.get();
  std::uint8_t rc;
  std::string rp, err;
  std::vector<std::string> rr, names;
  bool hr;
  im.prefilter(rc, rp, rr, hr, names);
  std::vector<std::int64_t> full(cache_.table().capacity, 0);
  if (plugin == kNodeAffinity && !pod->preferred_error.empty()) {
    err = "running PreScore plugin \"NodeAffinity\": " + pod->preferred_error;
  } else {
    std::vector<std::int64_t> out;
    im.raw_scores = !normalized;
    im.run_score(plugin, cache_.live_rows(), out, err);
    im.raw_scores = false;
    for (std::size_t k = 0; k < cache_.live_rows().size(); ++k)
      full[static_cast<std::size_t>(cache_.live_rows()[k])] = out[k];
  }
  if (error) *error = err;
  im.pod = nullptr;
  return full;
}

}  // namespace kcore
