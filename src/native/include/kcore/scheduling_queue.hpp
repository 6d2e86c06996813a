#pragma once
// SchedulingQueue: kube-scheduler v1.35's activeQ / backoffQ / unschedulablePods, queueing hints,
// in-flight event replay and nominator, over pods identified by "namespace/name" key plus uid.
// Time is passed in by the caller (int64 nanoseconds) and never read; one mutex guards everything.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace kcore {

using Nanos = std::int64_t;  // nanoseconds on the caller's clock (virtual or real)
inline constexpr Nanos kNanosPerSecond = 1'000'000'000;
inline constexpr Nanos kNoTime = INT64_MIN;  // "unset" timestamp

// Plugins are interned to ids 0..63 by the caller; a set of plugins is a bit mask.
using PluginSet = std::uint64_t;
inline constexpr int kMaxPlugins = 64;
inline constexpr PluginSet plugin_bit(int plugin) noexcept { return PluginSet{1} << plugin; }

// ActionType bits, spelled and numbered as kube-scheduler's framework.ActionType (1.35).
namespace action {
inline constexpr std::uint32_t kAdd = 1u << 0;
inline constexpr std::uint32_t kDelete = 1u << 1;
inline constexpr std::uint32_t kUpdateNodeAllocatable = 1u << 2;
inline constexpr std::uint32_t kUpdateNodeLabel = 1u << 3;
inline constexpr std::uint32_t kUpdateNodeTaint = 1u << 4;
inline constexpr std::uint32_t kUpdateNodeCondition = 1u << 5;
inline constexpr std::uint32_t kUpdateNodeAnnotation = 1u << 6;
inline constexpr std::uint32_t kUpdateNodeDeclaredFeature = 1u << 7;
inline constexpr std::uint32_t kUpdatePodLabel = 1u << 8;
inline constexpr std::uint32_t kUpdatePodScaleDown = 1u << 9;
inline constexpr std::uint32_t kUpdatePodToleration = 1u << 10;
inline constexpr std::uint32_t kUpdatePodSchedulingGatesEliminated = 1u << 11;
inline constexpr std::uint32_t kUpdatePodGeneratedResourceClaim = 1u << 12;
inline constexpr std::uint32_t kAll = (1u << 13) - 1;
inline constexpr std::uint32_t kUpdate = kAll & ~(kAdd | kDelete);
}  // namespace action

// EventResource ids. The fixed ids below are known to the queue; the caller interns any other
// resource (PersistentVolume, storage.k8s.io/CSINode, ...) to ids >= kFirstCustomResource.
namespace resource {
inline constexpr std::int32_t kUnknown = -1;          // matches only wildcard registrations
inline constexpr std::int32_t kWildCard = 0;          // "*"
inline constexpr std::int32_t kPod = 1;               // "Pod" (matches the two below)
inline constexpr std::int32_t kAssignedPod = 2;       // internal: events of bound pods
inline constexpr std::int32_t kUnschedulablePod = 3;  // internal: events of pending pods
inline constexpr std::int32_t kNode = 4;
inline constexpr std::int32_t kFirstCustomResource = 5;
}  // namespace resource

// A change of cluster state (framework.ClusterEvent).
struct ClusterEvent {
  std::int32_t resource = resource::kWildCard;
  std::uint32_t action = action::kAll;
};

// framework.ClusterEventIsWildCard and framework.MatchClusterEvents (registered vs incoming).
bool is_wildcard(const ClusterEvent& e) noexcept;
bool match_cluster_events(const ClusterEvent& registered, const ClusterEvent& incoming) noexcept;

enum class QueueKind : std::uint8_t {
  kNone = 0,           // not queued (freshly created, or done but still nominated)
  kActive = 1,         // activeQ
  kBackoff = 2,        // backoffQ (podBackoffQ or podErrorBackoffQ)
  kUnschedulable = 3,  // unschedulablePods (including gated pods)
  kInFlight = 4,       // popped, Done not yet called
};

// What a plugin's queueing hint for an event says about one pod.
enum class QueueingHint : std::uint8_t { kQueueSkip = 0, kQueue = 1 };

// One EventsToRegister entry: `plugin` of `profile` cares about `event`; its QueueingHintFn is
// `hint_id` (resolved by the caller's QueueingHintSource), or -1 for "no hint function" = Queue.
struct EventRegistration {
  std::int32_t profile = 0;
  std::int32_t plugin = 0;
  ClusterEvent event;
  std::int32_t hint_id = -1;
};

struct QueueConfig {
  Nanos pod_initial_backoff = 1 * kNanosPerSecond;
  Nanos pod_max_backoff = 10 * kNanosPerSecond;  // 0 disables backoff entirely
  Nanos pod_max_in_unschedulable_pods = 300 * kNanosPerSecond;
  bool pop_from_backoff_q = true;  // SchedulerPopFromBackoffQ: 1 s ordering windows + pop when idle
  std::int32_t num_plugins = 0;
  std::int32_t num_profiles = 1;
  std::int32_t pod_topology_spread_plugin = -1;  // id of "PodTopologySpread", or -1
  std::vector<EventRegistration> registrations;
};

// A pod as the caller describes it on add/update. `gated_by` is the PreEnqueue plugin that
// currently rejects the pod (e.g. SchedulingGates while spec.schedulingGates is non-empty), -1 if
// none. `tag` is an opaque caller value (e.g. a row in the caller's pod table) handed back to
// hint sources so they can index their own arrays. `nominated_node_name` is
// status.nominatedNodeName.
struct PodSpec {
  std::string key;
  std::string uid;
  std::int32_t priority = 0;
  std::int64_t tag = -1;
  std::int32_t profile = 0;
  std::int32_t gated_by = -1;
  bool has_required_affinity_terms = false;
  std::string nominated_node_name;
};

// Read-only copy of one pod's queue metadata (framework.QueuedPodInfo without the pod object).
struct PodSnapshot {
  std::string key;
  std::string uid;
  std::int32_t priority = 0;
  std::int64_t tag = -1;
  std::int32_t profile = 0;
  QueueKind queue = QueueKind::kNone;
  Nanos timestamp = kNoTime;
  Nanos initial_attempt_timestamp = kNoTime;
  Nanos backoff_expiration = kNoTime;  // kNoTime if the pod owes no backoff
  std::int32_t attempts = 0;
  std::int32_t unschedulable_count = 0;
  std::int32_t consecutive_errors_count = 0;
  PluginSet unschedulable_plugins = 0;
  PluginSet pending_plugins = 0;
  std::int32_t gating_plugin = -1;
  std::int32_t gated_by = -1;
  std::string nominated_node_name;  // the nominator's view; empty if not nominated
  bool deleted = false;             // deleted while in flight
};

struct PendingCounts {
  std::size_t active = 0;
  std::size_t backoff = 0;
  std::size_t unschedulable = 0;  // excluding gated pods
  std::size_t gated = 0;
  std::size_t in_flight = 0;  // including pods deleted while in flight
};

struct QueueStats {
  std::uint64_t scheduling_cycle = 0;  // number of pops
  std::uint64_t hint_calls = 0;        // QueueingHintSource::evaluate calls
  std::uint64_t hint_errors = 0;       // evaluate calls that failed (their pods were queued)
  std::size_t in_flight_events = 0;    // events retained for in-flight pods
  std::size_t heap_items = 0;          // heap entries including stale ones (memory check)
};

// One pod handed to a QueueingHintSource.
struct HintPod {
  std::string_view key;
  std::string_view uid;
  std::int64_t tag;
};

struct HintCall {
  std::int32_t hint_id;
  std::int32_t plugin;
  std::int32_t profile;
  ClusterEvent event;
  std::uint64_t event_seq;  // the caller's id of the event's old/new objects
};

// Evaluates queueing hint functions in bulk: one call per (registration, event) for every pod the
// registration's plugin rejected. Called with the queue lock held; it must not call the queue.
class QueueingHintSource {
 public:
  virtual ~QueueingHintSource() = default;
  // IN call, pods; OUT hints (one per pod, 1 = Queue, 0 = QueueSkip). Return false on failure:
  // all the pods are then treated as Queue, as kube-scheduler does when a hint returns an error.
  virtual bool evaluate(const HintCall& call, std::span<const HintPod> pods,
                        std::span<std::uint8_t> hints) noexcept = 0;
};

// Precomputed hints for one plugin and one event: verdict[tag] for each pod (1 Queue, 0 Skip);
// a pod whose tag is outside the array is queued.
struct PluginVerdicts {
  std::int32_t plugin = -1;
  std::span<const std::uint8_t> by_tag;
};

// Everything an event-processing call may need to evaluate hints.
struct HintContext {
  QueueingHintSource* source = nullptr;        // nullptr: registrations with a hint_id queue
  std::span<const PluginVerdicts> verdicts{};  // override the registered hints of these plugins
  std::uint64_t event_seq = 0;
};

// Errors thrown by the queue on bad input; the queue state is unchanged when they are thrown.
class PodNotFound : public std::out_of_range {
 public:
  using std::out_of_range::out_of_range;
};
class PodAlreadyQueued : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};
class ReentrantCall : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Contract:
// * Every pod the caller added and did not delete is in exactly one of activeQ, backoffQ,
//   unschedulablePods or in flight (popped, not yet Done / AddUnschedulableIfNotPresent).
// * activeQ pops higher priority first, then earlier timestamp, then earlier insertion
//   (PrioritySort plus a deterministic tie-break). backoffQ releases by backoff expiry.
// * Queueing hints that need object contents come from the caller in bulk: one
//   QueueingHintSource call per (registration, event) covering every pod the plugin rejected,
//   or PluginVerdicts arrays indexed by pod tag that need no call at all (captured for in-flight
//   pods so their replay needs none either). See docs/scheduling-queue.md.
// * All public methods lock one mutex; they may be called from any thread. A QueueingHintSource
//   runs under that lock and must not call back into the queue (ReentrantCall is thrown).
class SchedulingQueue {
 public:
  explicit SchedulingQueue(QueueConfig config);  // throws std::invalid_argument
  SchedulingQueue(const SchedulingQueue&) = delete;
  SchedulingQueue& operator=(const SchedulingQueue&) = delete;

  const QueueConfig& config() const noexcept { return config_; }

  // --- pod lifecycle (informer side) --------------------------------------------------------
  // Add: a new pending pod goes to activeQ, or to unschedulablePods if gated. Returns its queue.
  QueueKind add(const PodSpec& pod, Nanos now);
  // Add many pods under one lock; validates all of them first (all or nothing).
  std::size_t add_batch(std::span<const PodSpec> pods, Nanos now);
  // Update: `actions` are the pod's UpdatePodXYZ changes (0 = a generic Update). An empty uid
  // means the incarnation the queue knows; another uid replaces it.
  QueueKind update(const PodSpec& pod, std::uint32_t actions, Nanos now, const HintContext& hints);
  // Delete: forget the pod (and its nomination). Returns false if the key is unknown.
  bool remove(std::string_view key);

  // --- scheduling side -----------------------------------------------------------------------
  std::optional<PodSnapshot> pop(Nanos now);
  std::vector<PodSnapshot> pop_batch(Nanos now, std::size_t max_pods);
  // Done: the pod's scheduling attempt is over. `uid` may be empty (the live in-flight pod).
  bool done(std::string_view key, std::string_view uid);
  // Returns the queue the pod went to, or kNone if it was deleted while in flight (dropped).
  QueueKind add_unschedulable_if_not_present(std::string_view key, std::string_view uid,
                                             PluginSet unschedulable_plugins,
                                             PluginSet pending_plugins, Nanos now,
                                             const HintContext& hints);
  std::size_t activate(std::span<const std::string> keys, Nanos now);

  // --- cluster events ----------------------------------------------------------------------
  std::size_t move_all_to_active_or_backoff_queue(const ClusterEvent& event, Nanos now,
                                                  const HintContext& hints);
  std::size_t assigned_pod_added(std::string_view pod_namespace, Nanos now,
                                 const HintContext& hints);
  std::size_t assigned_pod_updated(std::string_view pod_namespace, std::uint32_t actions, Nanos now,
                                   const HintContext& hints);
  std::size_t flush_backoff_q_completed(Nanos now);
  std::size_t flush_unschedulable_pods_left_over(Nanos now);
  // Earliest time >= now at which a flush would move a pod; nullopt if no timer is pending.
  std::optional<Nanos> next_wakeup(Nanos now);

  // --- nominator -----------------------------------------------------------------------------
  bool add_nominated_pod(std::string_view key, std::string_view node_name);
  bool delete_nominated_pod_if_exists(std::string_view key);
  std::vector<std::string> nominated_pods_for_node(std::string_view node_name);

  // --- introspection -------------------------------------------------------------------------
  PendingCounts pending_pods();
  std::optional<PodSnapshot> get(std::string_view key);
  std::vector<PodSnapshot> list(QueueKind queue);  // activeQ/backoffQ in pop order
  QueueStats stats();
  std::uint64_t oldest_retained_event_seq();  // UINT64_MAX if no in-flight event is retained
  std::string verify();                       // "" if every invariant holds, else a description

 private:
  enum class Strategy : std::uint8_t { kSkip = 0, kAfterBackoff = 1, kImmediately = 2 };

  // Per-pod metadata. Invariants: `queue` names the one container holding the slot; heap items
  // are valid only while their `gen` equals the entry's; `pool_index` is valid iff kUnschedulable.
  struct Entry {
    std::string key;
    std::string uid;
    std::string status_nominated_node;  // status.nominatedNodeName last given by the caller
    std::string nominated_node;         // the nominator's entry ("" = none)
    std::int64_t tag = -1;
    Nanos timestamp = kNoTime;
    Nanos initial_attempt_timestamp = kNoTime;
    Nanos backoff_expiration = kNoTime;  // cache; valid iff backoff_cached
    std::uint64_t in_flight_index = 0;   // absolute index of the in-flight marker
    PluginSet unschedulable_plugins = 0;
    PluginSet pending_plugins = 0;
    std::uint32_t gen = 0;
    std::uint32_t pool_index = 0;
    std::int32_t priority = 0;
    std::int32_t attempts = 0;
    std::int32_t unschedulable_count = 0;
    std::int32_t consecutive_errors_count = 0;
    std::int32_t profile = 0;
    std::int32_t gated_by = -1;       // PreEnqueue rejector as last told by the caller
    std::int32_t gating_plugin = -1;  // PreEnqueue rejector as last evaluated by the queue
    QueueKind queue = QueueKind::kNone;
    bool in_error_backoff = false;  // which backoff heap (valid iff kBackoff)
    bool backoff_cached = false;
    bool deleted = false;  // deleted while in flight (not reachable by key)
    bool has_required_affinity_terms = false;
    bool used = false;
  };

  struct ActiveItem {
    std::int32_t priority;
    Nanos timestamp;
    std::uint64_t seq;
    std::uint32_t slot;
    std::uint32_t gen;
  };
  struct BackoffItem {
    Nanos expiry;
    std::int32_t priority;
    Nanos timestamp;
    std::uint64_t seq;
    std::uint32_t slot;
    std::uint32_t gen;
  };
  struct TimeoutItem {
    Nanos timestamp;
    std::uint64_t seq;
    std::uint32_t slot;
    std::uint32_t gen;
  };
  struct Captured {
    std::uint32_t slot;
    std::int32_t plugin;
    std::uint8_t hint;
  };
  // inFlightEvents: pods (markers) and events in arrival order.
  struct InFlightItem {
    enum class Kind : std::uint8_t { kPod, kDeadPod, kEvent } kind;
    std::uint32_t slot = 0;  // kPod: the pod; kEvent: target pod if `targeted`
    bool targeted = false;   // wildcard event meant for one pod only (ForceActivate)
    ClusterEvent event{};
    std::uint64_t seq = 0;
    std::vector<Captured> captured;  // precomputed verdicts for pods in flight at the time
  };

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  template <class V>
  using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;
  template <class V>
  using StringMultiMap = std::unordered_multimap<std::string, V, StringHash, std::equal_to<>>;

  // Lock guard that also records the owning thread, to reject re-entrant calls from hints.
  class Guard {
   public:
    explicit Guard(SchedulingQueue& q);
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    SchedulingQueue& q_;
  };

  // helpers (all assume the lock is held)
  void validate_spec(const PodSpec& pod) const;
  std::uint32_t new_slot();            // a reset entry, not yet indexed
  void free_slot(std::uint32_t slot);  // drop nomination, reset, recycle
  void release(std::uint32_t slot);    // unindex, then free_slot
  void apply_spec(Entry& e, const PodSpec& pod);
  QueueKind add_locked(const PodSpec& pod, Nanos now, bool reject_existing);
  Entry* live(std::string_view key);
  std::optional<std::uint32_t> resolve_in_flight(std::string_view key, std::string_view uid);
  void detach(std::uint32_t slot);  // remove from whatever container holds it
  void push_active(std::uint32_t slot);
  void push_backoff(std::uint32_t slot, Nanos now);
  void push_unschedulable(std::uint32_t slot);
  void push_timeout(std::uint32_t slot);
  bool gated(const Entry& e) const noexcept { return e.gating_plugin >= 0; }
  void run_pre_enqueue(Entry& e);
  bool move_to_active(std::uint32_t slot, bool from_backoff, bool nominate, Nanos now);
  bool move_to_backoff(std::uint32_t slot, Nanos now);
  QueueKind requeue(std::uint32_t slot, Strategy strategy, Nanos now);
  Nanos align(Nanos t) const noexcept;
  Nanos backoff_time(Entry& e);
  bool is_backing_off(Entry& e, Nanos now);
  Nanos backoff_duration(std::int32_t count) const noexcept;
  std::optional<std::uint32_t> pop_active();
  std::optional<std::uint32_t> pop_backoff_head();  // podBackoffQ head regardless of expiry
  void to_in_flight(std::uint32_t slot, Nanos now);
  void done_slot(std::uint32_t slot);
  void prune_in_flight();
  bool any_in_flight() const noexcept { return in_flight_count_ > 0; }
  void record_event(const ClusterEvent& event, const HintContext& hints);
  void push_event(const ClusterEvent& event, const HintContext& hints, bool targeted,
                  std::uint32_t target);
  bool is_event_of_interest(const ClusterEvent& event) const noexcept;
  void evaluate(std::span<const std::uint32_t> slots, const ClusterEvent& event,
                const HintContext& hints, bool use_captured, std::uint64_t captured_from,
                std::span<Strategy> out);
  Strategy hint_for_in_flight(std::uint32_t slot, const HintContext& hints);
  std::size_t move_pods(std::span<const std::uint32_t> slots, const ClusterEvent& event, Nanos now,
                        const HintContext& hints);
  std::vector<std::uint32_t> cross_topology_candidates(std::string_view pod_namespace);
  void nominate(std::uint32_t slot, const std::string& node);
  void unnominate(std::uint32_t slot);
  PodSnapshot snapshot(std::uint32_t slot);
  template <class Heap, class Cmp>
  void compact(Heap& heap, QueueKind kind, Cmp cmp, bool error_heap);

  QueueConfig config_;
  std::vector<std::vector<EventRegistration>> registrations_by_profile_;
  std::vector<std::vector<ClusterEvent>> plugin_events_;  // buildEventMap: plugin -> events

  std::mutex mu_;
  std::atomic<std::thread::id> owner_{};

  std::vector<Entry> entries_;
  std::vector<std::uint32_t> free_;
  StringMap<std::uint32_t> live_;                    // key -> slot for every pod the caller added
  StringMultiMap<std::uint32_t> ghosts_;             // deleted while in flight, awaiting Done
  StringMap<std::vector<std::uint32_t>> nominated_;  // node -> pods nominated to it

  std::vector<ActiveItem> active_heap_;
  std::vector<BackoffItem> backoff_heap_;
  std::vector<BackoffItem> error_backoff_heap_;
  std::vector<TimeoutItem> timeout_heap_;     // non-gated unschedulable pods by timestamp
  std::vector<std::uint32_t> unschedulable_;  // unschedulablePods (pool_index into this)
  std::deque<InFlightItem> in_flight_;
  std::uint64_t in_flight_base_ = 0;  // absolute index of in_flight_.front()

  std::uint64_t seq_ = 0;
  std::size_t active_count_ = 0;
  std::size_t backoff_count_ = 0;
  std::size_t error_backoff_count_ = 0;
  std::size_t gated_count_ = 0;
  std::size_t in_flight_count_ = 0;
  QueueStats stats_{};
};

}  // namespace kcore
