// kube-scheduler's PriorityQueue (pkg/scheduler/backend/queue, v1.35, queueing hints on) over
// per-pod metadata. The three queues are lazy-deletion binary heaps plus a pool vector: every heap
// item carries the generation of its entry and is ignored once the entry moved on, so removals and
// re-prioritisation are O(1) and stale items are dropped when popped or when a heap is compacted.
#include "kcore/scheduling_queue.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <sstream>
#include <utility>

namespace kcore {

namespace {

struct ActiveLess {
  template <class Item>
  bool operator()(const Item& a, const Item& b) const noexcept {
    // std heaps are max-heaps: "a < b" means b pops first.
    if (a.priority != b.priority) return a.priority < b.priority;      // higher priority first
    if (a.timestamp != b.timestamp) return a.timestamp > b.timestamp;  // then earlier timestamp
    return a.seq > b.seq;                                              // then earlier insertion
  }
};

struct BackoffLess {
  bool with_priority;  // SchedulerPopFromBackoffQ: same window -> activeQ order
  template <class Item>
  bool operator()(const Item& a, const Item& b) const noexcept {
    if (a.expiry != b.expiry) return a.expiry > b.expiry;
    if (with_priority) {
      if (a.priority != b.priority) return a.priority < b.priority;
      if (a.timestamp != b.timestamp) return a.timestamp > b.timestamp;
    }
    return a.seq > b.seq;
  }
};

struct TimeoutLess {
  template <class Item>
  bool operator()(const Item& a, const Item& b) const noexcept {
    if (a.timestamp != b.timestamp) return a.timestamp > b.timestamp;
    return a.seq > b.seq;
  }
};

bool match_resources(std::int32_t registered, std::int32_t incoming) noexcept {
  return registered == resource::kWildCard || registered == incoming ||
         (registered == resource::kPod &&
          (incoming == resource::kAssignedPod || incoming == resource::kUnschedulablePod));
}

const char* queue_name(QueueKind q) noexcept {
  switch (q) {
    case QueueKind::kActive:
      return "activeQ";
    case QueueKind::kBackoff:
      return "backoffQ";
    case QueueKind::kUnschedulable:
      return "unschedulablePods";
    case QueueKind::kInFlight:
      return "in-flight pods";
    case QueueKind::kNone:
      break;
  }
  return "no queue";
}

std::string_view namespace_of(std::string_view key) noexcept {
  const auto pos = key.find('/');
  return pos == std::string_view::npos ? std::string_view{} : key.substr(0, pos);
}

// Split an UpdatePodXYZ mask into single-action events of `resource`, as
// PodSchedulingPropertiesChange yields them; 0 or the whole Update mask is one generic Update.
std::vector<ClusterEvent> split_actions(std::int32_t res, std::uint32_t actions) {
  std::vector<ClusterEvent> events;
  const std::uint32_t specific = actions & action::kUpdate;
  if (specific == 0 || specific == action::kUpdate) {
    events.push_back(ClusterEvent{res, action::kUpdate});
    return events;
  }
  for (std::uint32_t bit = 1; bit <= action::kAll; bit <<= 1) {
    if (specific & bit) events.push_back(ClusterEvent{res, bit});
  }
  return events;
}

}  // namespace

bool is_wildcard(const ClusterEvent& e) noexcept {
  return e.resource == resource::kWildCard && e.action == action::kAll;
}

bool match_cluster_events(const ClusterEvent& registered, const ClusterEvent& incoming) noexcept {
  return is_wildcard(registered) ||
         (match_resources(registered.resource, incoming.resource) &&
          (registered.action & incoming.action) != 0 && incoming.action <= registered.action);
}

// ------------------------------------------------------------------------------------------------
// construction, locking

SchedulingQueue::SchedulingQueue(QueueConfig config) : config_(std::move(config)) {
  if (config_.num_plugins < 0 || config_.num_plugins > kMaxPlugins)
    throw std::invalid_argument("num_plugins must be in 0.." + std::to_string(kMaxPlugins));
  if (config_.num_profiles < 1) throw std::invalid_argument("num_profiles must be at least 1");
  if (config_.pod_initial_backoff < 0 || config_.pod_max_backoff < 0)
    throw std::invalid_argument("backoff durations must not be negative");
  if (config_.pod_max_backoff > 0 && config_.pod_initial_backoff == 0)
    throw std::invalid_argument("pod_initial_backoff must be positive unless backoff is disabled");
  if (config_.pod_max_backoff > 0 && config_.pod_max_backoff < config_.pod_initial_backoff)
    throw std::invalid_argument("pod_max_backoff must not be smaller than pod_initial_backoff");
  if (config_.pod_max_in_unschedulable_pods <= 0)
    throw std::invalid_argument("pod_max_in_unschedulable_pods must be positive");
  if (config_.pod_topology_spread_plugin < -1 ||
      config_.pod_topology_spread_plugin >= config_.num_plugins)
    throw std::invalid_argument("pod_topology_spread_plugin is not a registered plugin id");
  registrations_by_profile_.resize(static_cast<std::size_t>(config_.num_profiles));
  plugin_events_.resize(static_cast<std::size_t>(config_.num_plugins));
  for (const auto& r : config_.registrations) {
    if (r.profile < 0 || r.profile >= config_.num_profiles)
      throw std::invalid_argument("event registration names an unknown profile id");
    if (r.plugin < 0 || r.plugin >= config_.num_plugins)
      throw std::invalid_argument("event registration names an unknown plugin id");
    if (r.event.action == 0 || (r.event.action & ~action::kAll) != 0)
      throw std::invalid_argument("event registration has an invalid action type mask");
    registrations_by_profile_[static_cast<std::size_t>(r.profile)].push_back(r);
    plugin_events_[static_cast<std::size_t>(r.plugin)].push_back(r.event);
  }
}

SchedulingQueue::Guard::Guard(SchedulingQueue& q) : q_(q) {
  if (q_.owner_.load(std::memory_order_relaxed) == std::this_thread::get_id())
    throw ReentrantCall(
        "the scheduling queue was called from inside one of its own queueing hint callbacks");
  q_.mu_.lock();
  q_.owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
}

SchedulingQueue::Guard::~Guard() {
  q_.owner_.store(std::thread::id{}, std::memory_order_relaxed);
  q_.mu_.unlock();
}

// ------------------------------------------------------------------------------------------------
// entries

void SchedulingQueue::validate_spec(const PodSpec& pod) const {
  const auto slash = pod.key.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == pod.key.size() ||
      pod.key.find('/', slash + 1) != std::string::npos)
    throw std::invalid_argument("pod key '" + pod.key + "' is not of the form namespace/name");
  if (pod.uid.empty()) throw std::invalid_argument("pod '" + pod.key + "' has an empty uid");
  if (pod.profile < 0 || pod.profile >= config_.num_profiles)
    throw std::invalid_argument("pod '" + pod.key + "' names an unknown profile id " +
                                std::to_string(pod.profile));
  if (pod.gated_by < -1 || pod.gated_by >= config_.num_plugins)
    throw std::invalid_argument("pod '" + pod.key + "' is gated by an unknown plugin id " +
                                std::to_string(pod.gated_by));
}

std::uint32_t SchedulingQueue::new_slot() {
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  Entry& e = entries_[slot];
  const std::uint32_t gen = e.gen + 1;
  e = Entry{};
  e.gen = gen;
  e.used = true;
  return slot;
}

void SchedulingQueue::free_slot(std::uint32_t slot) {
  unnominate(slot);
  Entry& e = entries_[slot];
  const std::uint32_t gen = e.gen + 1;
  e = Entry{};
  e.gen = gen;
  free_.push_back(slot);
}

void SchedulingQueue::release(std::uint32_t slot) {
  Entry& e = entries_[slot];
  if (e.deleted) {
    auto [lo, hi] = ghosts_.equal_range(e.key);
    for (auto it = lo; it != hi; ++it) {
      if (it->second == slot) {
        ghosts_.erase(it);
        break;
      }
    }
  } else {
    live_.erase(e.key);
  }
  free_slot(slot);
}

void SchedulingQueue::apply_spec(Entry& e, const PodSpec& pod) {
  e.uid = pod.uid;
  e.priority = pod.priority;
  e.tag = pod.tag;
  e.profile = pod.profile;
  e.gated_by = pod.gated_by;
  e.has_required_affinity_terms = pod.has_required_affinity_terms;
  e.status_nominated_node = pod.nominated_node_name;
}

SchedulingQueue::Entry* SchedulingQueue::live(std::string_view key) {
  const auto it = live_.find(key);
  return it == live_.end() ? nullptr : &entries_[it->second];
}

std::optional<std::uint32_t> SchedulingQueue::resolve_in_flight(std::string_view key,
                                                                std::string_view uid) {
  if (const auto it = live_.find(key); it != live_.end()) {
    const Entry& e = entries_[it->second];
    if (e.queue == QueueKind::kInFlight && (uid.empty() || uid == e.uid)) return it->second;
  }
  auto [lo, hi] = ghosts_.equal_range(key);
  for (auto it = lo; it != hi; ++it) {
    if (uid.empty() || entries_[it->second].uid == uid) return it->second;
  }
  return std::nullopt;
}

// ------------------------------------------------------------------------------------------------
// containers

void SchedulingQueue::detach(std::uint32_t slot) {
  Entry& e = entries_[slot];
  switch (e.queue) {
    case QueueKind::kActive:
      --active_count_;
      break;
    case QueueKind::kBackoff:
      if (e.in_error_backoff) {
        --error_backoff_count_;
      } else {
        --backoff_count_;
      }
      break;
    case QueueKind::kUnschedulable: {
      const std::uint32_t last = unschedulable_.back();
      unschedulable_[e.pool_index] = last;
      entries_[last].pool_index = e.pool_index;
      unschedulable_.pop_back();
      if (gated(e)) --gated_count_;
      break;
    }
    case QueueKind::kInFlight:  // left only through done_slot()
    case QueueKind::kNone:
      break;
  }
  e.queue = QueueKind::kNone;
  ++e.gen;
}

void SchedulingQueue::push_active(std::uint32_t slot) {
  Entry& e = entries_[slot];
  detach(slot);
  e.queue = QueueKind::kActive;
  ++active_count_;
  active_heap_.push_back(ActiveItem{e.priority, e.timestamp, ++seq_, slot, e.gen});
  std::push_heap(active_heap_.begin(), active_heap_.end(), ActiveLess{});
}

void SchedulingQueue::push_backoff(std::uint32_t slot, Nanos /*now*/) {
  Entry& e = entries_[slot];
  detach(slot);
  e.queue = QueueKind::kBackoff;
  // A pod rejected by no plugin failed with an error: podErrorBackoffQ.
  e.in_error_backoff = e.unschedulable_plugins == 0 && e.pending_plugins == 0;
  const BackoffItem item{backoff_time(e), e.priority, e.timestamp, ++seq_, slot, e.gen};
  if (e.in_error_backoff) {
    ++error_backoff_count_;
    error_backoff_heap_.push_back(item);
    std::push_heap(error_backoff_heap_.begin(), error_backoff_heap_.end(), BackoffLess{false});
  } else {
    ++backoff_count_;
    backoff_heap_.push_back(item);
    std::push_heap(backoff_heap_.begin(), backoff_heap_.end(),
                   BackoffLess{config_.pop_from_backoff_q});
  }
}

void SchedulingQueue::push_unschedulable(std::uint32_t slot) {
  Entry& e = entries_[slot];
  if (e.queue == QueueKind::kUnschedulable) return;  // addOrUpdate of a pod already there
  detach(slot);
  e.queue = QueueKind::kUnschedulable;
  e.pool_index = static_cast<std::uint32_t>(unschedulable_.size());
  unschedulable_.push_back(slot);
  if (gated(e)) {
    ++gated_count_;
  } else {
    push_timeout(slot);
  }
}

void SchedulingQueue::push_timeout(std::uint32_t slot) {
  // Only non-gated pods time out: the caller's gated_by alone decides when a gate lifts.
  const Entry& e = entries_[slot];
  timeout_heap_.push_back(TimeoutItem{e.timestamp, ++seq_, slot, e.gen});
  std::push_heap(timeout_heap_.begin(), timeout_heap_.end(), TimeoutLess{});
}

void SchedulingQueue::run_pre_enqueue(Entry& e) {
  // PreEnqueue plugins are not run here: the caller tells which plugin currently rejects the pod
  // (gated_by). Mirror runPreEnqueuePlugins: the rejector becomes the gating plugin and is
  // recorded as an unschedulable plugin; passing clears the gating plugin.
  const std::int32_t before = e.gating_plugin;
  e.gating_plugin = e.gated_by;
  if (e.gated_by >= 0) e.unschedulable_plugins |= plugin_bit(e.gated_by);
  if (e.queue == QueueKind::kUnschedulable && before != e.gating_plugin) {
    // Gating changed in place: fix the gated count and the timeout heap membership.
    if (before >= 0) --gated_count_;
    if (e.gating_plugin >= 0) ++gated_count_;
    ++e.gen;
    if (!gated(e)) push_timeout(static_cast<std::uint32_t>(&e - entries_.data()));
  }
}

bool SchedulingQueue::move_to_active(std::uint32_t slot, bool from_backoff, bool nominate_pod,
                                     Nanos now) {
  Entry& e = entries_[slot];
  // With SchedulerPopFromBackoffQ, PreEnqueue already ran when the pod entered backoffQ.
  if (!(config_.pop_from_backoff_q && from_backoff)) run_pre_enqueue(e);
  if (gated(e)) {
    // A pod already queued stays where it is; otherwise it waits in unschedulablePods.
    if (e.queue == QueueKind::kNone || e.queue == QueueKind::kInFlight) push_unschedulable(slot);
    return false;
  }
  if (e.initial_attempt_timestamp == kNoTime) e.initial_attempt_timestamp = now;
  push_active(slot);
  if (nominate_pod) nominate(slot, e.status_nominated_node);
  return true;
}

bool SchedulingQueue::move_to_backoff(std::uint32_t slot, Nanos now) {
  Entry& e = entries_[slot];
  if (config_.pop_from_backoff_q) {
    run_pre_enqueue(e);
    if (gated(e)) {
      if (e.queue == QueueKind::kNone || e.queue == QueueKind::kInFlight) push_unschedulable(slot);
      return false;
    }
  }
  push_backoff(slot, now);
  return true;
}

QueueKind SchedulingQueue::requeue(std::uint32_t slot, Strategy strategy, Nanos now) {
  Entry& e = entries_[slot];
  if (strategy == Strategy::kSkip) {
    push_unschedulable(slot);
    return QueueKind::kUnschedulable;
  }
  if (strategy == Strategy::kAfterBackoff && is_backing_off(e, now)) {
    return move_to_backoff(slot, now) ? QueueKind::kBackoff : QueueKind::kUnschedulable;
  }
  return move_to_active(slot, false, false, now) ? QueueKind::kActive : QueueKind::kUnschedulable;
}

// ------------------------------------------------------------------------------------------------
// backoff

Nanos SchedulingQueue::align(Nanos t) const noexcept {
  if (!config_.pop_from_backoff_q) return t;
  Nanos q = t / kNanosPerSecond;
  if (t % kNanosPerSecond < 0) --q;  // floor, also before the epoch
  return q * kNanosPerSecond;
}

Nanos SchedulingQueue::backoff_duration(std::int32_t count) const noexcept {
  if (count <= 0) return 0;
  const int shift = count - 1;
  if (shift >= 62 || config_.pod_initial_backoff > (config_.pod_max_backoff >> shift))
    return config_.pod_max_backoff;
  return config_.pod_initial_backoff << shift;
}

Nanos SchedulingQueue::backoff_time(Entry& e) {
  if (config_.pod_max_backoff == 0) return kNoTime;  // backoff disabled
  // 1.34+: the unschedulable count, or the consecutive error count after an error.
  const std::int32_t count =
      e.consecutive_errors_count > 0 ? e.consecutive_errors_count : e.unschedulable_count;
  if (count == 0) return kNoTime;
  if (!e.backoff_cached) {
    e.backoff_expiration = align(e.timestamp + backoff_duration(count));
    e.backoff_cached = true;
  }
  return e.backoff_expiration;
}

bool SchedulingQueue::is_backing_off(Entry& e, Nanos now) {
  const Nanos bo = backoff_time(e);
  if (bo == kNoTime) return false;
  // Aligned: a pod whose expiry lies in the current 1 s window is still backing off.
  if (config_.pop_from_backoff_q) return bo >= align(now);
  return bo > now;
}

// ------------------------------------------------------------------------------------------------
// heaps

std::optional<std::uint32_t> SchedulingQueue::pop_active() {
  while (!active_heap_.empty()) {
    std::pop_heap(active_heap_.begin(), active_heap_.end(), ActiveLess{});
    const ActiveItem item = active_heap_.back();
    active_heap_.pop_back();
    const Entry& e = entries_[item.slot];
    if (e.queue == QueueKind::kActive && e.gen == item.gen) return item.slot;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> SchedulingQueue::pop_backoff_head() {
  const BackoffLess cmp{config_.pop_from_backoff_q};
  while (!backoff_heap_.empty()) {
    std::pop_heap(backoff_heap_.begin(), backoff_heap_.end(), cmp);
    const BackoffItem item = backoff_heap_.back();
    backoff_heap_.pop_back();
    const Entry& e = entries_[item.slot];
    if (e.queue == QueueKind::kBackoff && !e.in_error_backoff && e.gen == item.gen)
      return item.slot;
  }
  return std::nullopt;
}

template <class Heap, class Cmp>
void SchedulingQueue::compact(Heap& heap, QueueKind kind, Cmp cmp, bool error_heap) {
  std::size_t live_items = 0;
  switch (kind) {
    case QueueKind::kActive:
      live_items = active_count_;
      break;
    case QueueKind::kBackoff:
      live_items = error_heap ? error_backoff_count_ : backoff_count_;
      break;
    default:
      live_items = unschedulable_.size();
      break;
  }
  if (heap.size() <= 2 * live_items + 1024) return;
  auto stale = [&](const auto& item) {
    const Entry& e = entries_[item.slot];
    return !(e.queue == kind && e.gen == item.gen &&
             (kind != QueueKind::kBackoff || e.in_error_backoff == error_heap));
  };
  heap.erase(std::remove_if(heap.begin(), heap.end(), stale), heap.end());
  std::make_heap(heap.begin(), heap.end(), cmp);
}

// ------------------------------------------------------------------------------------------------
// in flight

void SchedulingQueue::to_in_flight(std::uint32_t slot, Nanos now) {
  Entry& e = entries_[slot];
  detach(slot);
  ++e.attempts;
  if (e.initial_attempt_timestamp == kNoTime) e.initial_attempt_timestamp = now;
  e.queue = QueueKind::kInFlight;
  InFlightItem marker{};
  marker.kind = InFlightItem::Kind::kPod;
  marker.slot = slot;
  in_flight_.push_back(std::move(marker));
  e.in_flight_index = in_flight_base_ + in_flight_.size() - 1;
  ++in_flight_count_;
  ++stats_.scheduling_cycle;
}

void SchedulingQueue::done_slot(std::uint32_t slot) {
  Entry& e = entries_[slot];
  in_flight_[e.in_flight_index - in_flight_base_].kind = InFlightItem::Kind::kDeadPod;
  --in_flight_count_;
  e.queue = QueueKind::kNone;
  ++e.gen;
  prune_in_flight();
}

void SchedulingQueue::prune_in_flight() {
  // Events before the oldest in-flight pod can no longer concern anyone.
  while (!in_flight_.empty() && in_flight_.front().kind != InFlightItem::Kind::kPod) {
    in_flight_.pop_front();
    ++in_flight_base_;
  }
}

void SchedulingQueue::record_event(const ClusterEvent& event, const HintContext& hints) {
  if (any_in_flight()) push_event(event, hints, false, 0);
}

void SchedulingQueue::push_event(const ClusterEvent& event, const HintContext& hints, bool targeted,
                                 std::uint32_t target) {
  InFlightItem item{};
  item.kind = InFlightItem::Kind::kEvent;
  item.event = event;
  item.seq = hints.event_seq;
  item.targeted = targeted;
  item.slot = target;
  if (!hints.verdicts.empty()) {
    for (const auto& it : in_flight_) {
      if (it.kind != InFlightItem::Kind::kPod) continue;
      const Entry& e = entries_[it.slot];
      for (const auto& v : hints.verdicts) {
        const bool in_range = e.tag >= 0 && static_cast<std::size_t>(e.tag) < v.by_tag.size();
        const std::uint8_t hint = in_range ? v.by_tag[static_cast<std::size_t>(e.tag)] : 1;
        item.captured.push_back(Captured{it.slot, v.plugin, static_cast<std::uint8_t>(hint != 0)});
      }
    }
  }
  in_flight_.push_back(std::move(item));
}

bool SchedulingQueue::is_event_of_interest(const ClusterEvent& event) const noexcept {
  if (is_wildcard(event)) return true;
  for (const auto& regs : registrations_by_profile_) {
    for (const auto& r : regs) {
      if (match_cluster_events(r.event, event)) return true;
    }
  }
  return false;
}

// isPodWorthRequeuing for many pods at once and one (non-wildcard) event. Pods without rejector
// plugins requeue after backoff. For each registration matching the event, the pods its plugin
// rejected get that plugin's hint: a captured verdict (replay), a precomputed verdict array, the
// hint source (one call for all of them), or Queue when the plugin has no hint function.
void SchedulingQueue::evaluate(std::span<const std::uint32_t> slots, const ClusterEvent& event,
                               const HintContext& hints, bool use_captured,
                               std::uint64_t captured_from, std::span<Strategy> out) {
  const std::size_t n = slots.size();
  std::vector<std::uint8_t> final_(n, 0);
  std::size_t open = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Entry& e = entries_[slots[i]];
    out[i] = Strategy::kSkip;
    if ((e.unschedulable_plugins | e.pending_plugins) == 0) {
      out[i] = Strategy::kAfterBackoff;
      final_[i] = 1;
    } else {
      ++open;
    }
  }
  const InFlightItem* captured =
      use_captured ? &in_flight_[captured_from - in_flight_base_] : nullptr;
  std::vector<std::size_t> idx;
  std::vector<std::uint8_t> verdict;
  std::vector<std::size_t> ask;
  std::vector<HintPod> pods;
  std::vector<std::uint8_t> answers;
  for (std::size_t p = 0; p < registrations_by_profile_.size() && open > 0; ++p) {
    for (const auto& reg : registrations_by_profile_[p]) {
      if (open == 0) break;
      if (!match_cluster_events(reg.event, event)) continue;
      const PluginSet bit = plugin_bit(reg.plugin);
      idx.clear();
      for (std::size_t i = 0; i < n; ++i) {
        const Entry& e = entries_[slots[i]];
        if (!final_[i] && e.profile == reg.profile &&
            ((e.unschedulable_plugins | e.pending_plugins) & bit))
          idx.push_back(i);
      }
      if (idx.empty()) continue;
      verdict.assign(idx.size(), 1);
      ask.clear();
      const PluginVerdicts* precomputed = nullptr;
      if (!use_captured) {
        for (const auto& v : hints.verdicts) {
          if (v.plugin == reg.plugin) precomputed = &v;
        }
      }
      for (std::size_t k = 0; k < idx.size(); ++k) {
        const Entry& e = entries_[slots[idx[k]]];
        bool decided = false;
        if (captured != nullptr) {
          for (const auto& c : captured->captured) {
            if (c.slot == slots[idx[k]] && c.plugin == reg.plugin) {
              verdict[k] = c.hint;
              decided = true;
              break;
            }
          }
        } else if (precomputed != nullptr) {
          const bool in_range =
              e.tag >= 0 && static_cast<std::size_t>(e.tag) < precomputed->by_tag.size();
          verdict[k] = in_range ? (precomputed->by_tag[static_cast<std::size_t>(e.tag)] != 0) : 1;
          decided = true;
        }
        if (!decided && reg.hint_id >= 0 && hints.source != nullptr) ask.push_back(k);
      }
      if (!ask.empty()) {
        pods.clear();
        for (const std::size_t k : ask) {
          const Entry& e = entries_[slots[idx[k]]];
          pods.push_back(HintPod{e.key, e.uid, e.tag});
        }
        answers.assign(ask.size(), 1);
        const std::uint64_t seq =
            use_captured ? in_flight_[captured_from - in_flight_base_].seq : hints.event_seq;
        ++stats_.hint_calls;
        const HintCall call{reg.hint_id, reg.plugin, reg.profile, event, seq};
        if (!hints.source->evaluate(call, pods, answers)) {
          ++stats_.hint_errors;
          std::fill(answers.begin(), answers.end(), std::uint8_t{1});
        }
        for (std::size_t a = 0; a < ask.size(); ++a) verdict[ask[a]] = answers[a] != 0;
      }
      for (std::size_t k = 0; k < idx.size(); ++k) {
        if (!verdict[k]) continue;
        const std::size_t i = idx[k];
        const Entry& e = entries_[slots[i]];
        if (e.pending_plugins & bit) {
          out[i] = Strategy::kImmediately;  // a Pending plugin says Queue: skip backoff
          final_[i] = 1;
          --open;
        } else {
          out[i] = Strategy::kAfterBackoff;
          if (e.pending_plugins == 0) {
            final_[i] = 1;
            --open;
          }
        }
      }
    }
  }
}

// determineSchedulingHintForInFlightPod: replay the events recorded since the pod was popped.
SchedulingQueue::Strategy SchedulingQueue::hint_for_in_flight(std::uint32_t slot,
                                                              const HintContext& hints) {
  const Entry& e = entries_[slot];
  if ((e.unschedulable_plugins | e.pending_plugins) == 0) return Strategy::kAfterBackoff;
  Strategy strategy = Strategy::kSkip;
  const std::uint32_t one[1] = {slot};
  for (std::uint64_t i = e.in_flight_index + 1; i < in_flight_base_ + in_flight_.size(); ++i) {
    const InFlightItem& item = in_flight_[i - in_flight_base_];
    if (item.kind != InFlightItem::Kind::kEvent) continue;
    Strategy s = Strategy::kSkip;
    if (is_wildcard(item.event)) {
      s = (!item.targeted || item.slot == slot) ? Strategy::kAfterBackoff : Strategy::kSkip;
    } else {
      Strategy out[1];
      evaluate(one, item.event, hints, true, i, out);
      s = out[0];
    }
    if (s == Strategy::kImmediately) return s;
    if (s == Strategy::kAfterBackoff) {
      strategy = s;
      if (entries_[slot].pending_plugins == 0) return strategy;
    }
  }
  return strategy;
}

// movePodsToActiveOrBackoffQueue
std::size_t SchedulingQueue::move_pods(std::span<const std::uint32_t> slots,
                                       const ClusterEvent& event, Nanos now,
                                       const HintContext& hints) {
  if (!is_event_of_interest(event)) return 0;
  std::vector<std::uint32_t> candidates;
  candidates.reserve(slots.size());
  for (const std::uint32_t slot : slots) {
    const Entry& e = entries_[slot];
    if (gated(e)) {
      // Only an event the gating plugin registered can lift the gate.
      bool interested = false;
      for (const auto& ev : plugin_events_[static_cast<std::size_t>(e.gating_plugin)]) {
        if (match_cluster_events(ev, event)) {
          interested = true;
          break;
        }
      }
      if (!interested) continue;
    }
    candidates.push_back(slot);
  }
  std::vector<Strategy> strategies(candidates.size(), Strategy::kAfterBackoff);
  if (!is_wildcard(event)) evaluate(candidates, event, hints, false, 0, strategies);
  std::size_t moved = 0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (strategies[i] == Strategy::kSkip) continue;
    detach(candidates[i]);
    const QueueKind q = requeue(candidates[i], strategies[i], now);
    if (q == QueueKind::kActive || q == QueueKind::kBackoff) ++moved;
  }
  // AddUnschedulableIfNotPresent may come later for in-flight pods: remember the event.
  record_event(event, hints);
  return moved;
}

std::vector<std::uint32_t> SchedulingQueue::cross_topology_candidates(std::string_view ns) {
  // getUnschedulablePodsWithCrossTopologyTerm. Matching required affinity terms against the
  // added pod needs the objects, so every pod with such terms is a candidate and the
  // InterPodAffinity queueing hint decides.
  std::vector<std::uint32_t> out;
  const std::int32_t pts = config_.pod_topology_spread_plugin;
  for (const std::uint32_t slot : unschedulable_) {
    const Entry& e = entries_[slot];
    const bool by_pts =
        pts >= 0 && (e.unschedulable_plugins & plugin_bit(pts)) && namespace_of(e.key) == ns;
    if (by_pts || e.has_required_affinity_terms) out.push_back(slot);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// nominator

void SchedulingQueue::nominate(std::uint32_t slot, const std::string& node) {
  unnominate(slot);
  if (node.empty()) return;  // an empty node name clears the nomination
  Entry& e = entries_[slot];
  e.nominated_node = node;
  nominated_[node].push_back(slot);
}

void SchedulingQueue::unnominate(std::uint32_t slot) {
  Entry& e = entries_[slot];
  if (e.nominated_node.empty()) return;
  const auto it = nominated_.find(e.nominated_node);
  if (it != nominated_.end()) {
    auto& pods = it->second;
    pods.erase(std::remove(pods.begin(), pods.end(), slot), pods.end());
    if (pods.empty()) nominated_.erase(it);
  }
  e.nominated_node.clear();
}

// ------------------------------------------------------------------------------------------------
// public API

QueueKind SchedulingQueue::add_locked(const PodSpec& pod, Nanos now, bool reject_existing) {
  // One hash operation on the common path: insert the key, or find the pod it names.
  auto [it, inserted] = live_.try_emplace(pod.key, 0u);
  std::uint32_t slot;
  if (inserted) {
    slot = new_slot();
    it->second = slot;
    entries_[slot].key = pod.key;
  } else {
    slot = it->second;
    Entry& old = entries_[slot];
    if (reject_existing) {
      if (old.queue == QueueKind::kActive || old.queue == QueueKind::kBackoff ||
          old.queue == QueueKind::kUnschedulable)
        throw PodAlreadyQueued("pod '" + pod.key + "' is already in " + queue_name(old.queue));
      if (old.queue == QueueKind::kInFlight && old.uid == pod.uid)
        throw PodAlreadyQueued("pod '" + pod.key + "' is being scheduled (in flight)");
    }
    if (old.queue == QueueKind::kNone && old.uid == pod.uid) {
      // Done earlier and kept only for its nomination: a fresh QueuedPodInfo.
      std::string nominated = std::move(old.nominated_node);
      const std::uint32_t gen = old.gen + 1;
      old = Entry{};
      old.gen = gen;
      old.used = true;
      old.key = pod.key;
      old.nominated_node = std::move(nominated);
    } else {
      // An older incarnation (another uid) is gone now.
      unnominate(slot);
      if (old.queue == QueueKind::kInFlight) {
        old.deleted = true;  // it finishes its attempt as a ghost
        ghosts_.emplace(pod.key, slot);
      } else {
        detach(slot);
        free_slot(slot);
      }
      slot = new_slot();
      it->second = slot;
      entries_[slot].key = pod.key;
    }
  }
  Entry& e = entries_[slot];
  apply_spec(e, pod);
  e.timestamp = now;
  move_to_active(slot, false, true, now);
  return e.queue;
}

QueueKind SchedulingQueue::add(const PodSpec& pod, Nanos now) {
  validate_spec(pod);
  Guard g(*this);
  return add_locked(pod, now, true);
}

std::size_t SchedulingQueue::add_batch(std::span<const PodSpec> pods, Nanos now) {
  for (const auto& pod : pods) validate_spec(pod);
  Guard g(*this);
  StringMap<std::size_t> seen;
  seen.reserve(pods.size());
  for (std::size_t i = 0; i < pods.size(); ++i) {
    const auto& pod = pods[i];
    if (!seen.emplace(pod.key, i).second)
      throw PodAlreadyQueued("pod '" + pod.key + "' appears twice in the batch");
    if (Entry* e = live(pod.key); e != nullptr) {
      if (e->queue == QueueKind::kActive || e->queue == QueueKind::kBackoff ||
          e->queue == QueueKind::kUnschedulable)
        throw PodAlreadyQueued("pod '" + pod.key + "' is already in " + queue_name(e->queue));
      if (e->queue == QueueKind::kInFlight && e->uid == pod.uid)
        throw PodAlreadyQueued("pod '" + pod.key + "' is being scheduled (in flight)");
    }
  }
  entries_.reserve(entries_.size() + pods.size());
  live_.reserve(live_.size() + pods.size());
  active_heap_.reserve(active_heap_.size() + pods.size());
  for (const auto& pod : pods) add_locked(pod, now, false);
  return pods.size();
}

QueueKind SchedulingQueue::update(const PodSpec& spec, std::uint32_t actions, Nanos now,
                                  const HintContext& hints) {
  PodSpec probe = spec;
  if (probe.uid.empty()) probe.uid = "?";  // an empty uid means "the pod the queue knows"
  validate_spec(probe);
  if ((actions & ~action::kUpdate) != 0)
    throw std::invalid_argument("a pod update's action mask may only hold UpdatePodXYZ bits");
  Guard g(*this);
  const std::vector<ClusterEvent> events = split_actions(resource::kUnschedulablePod, actions);
  Entry* e = live(spec.key);
  PodSpec pod = spec;
  if (pod.uid.empty()) pod.uid = e != nullptr ? e->uid : pod.key;
  if (e == nullptr || e->uid != pod.uid || e->queue == QueueKind::kNone) {
    // Not in any queue (or another incarnation under the same key): it goes to activeQ, or to
    // unschedulablePods if gated.
    return add_locked(pod, now, false);
  }
  const std::uint32_t slot = live_.find(pod.key)->second;
  const std::string old_status = e->status_nominated_node;
  const std::int32_t old_priority = e->priority;
  apply_spec(*e, pod);
  if (e->queue == QueueKind::kInFlight) {
    // Remember the change; it is replayed when the pod comes back.
    for (const auto& ev : events) push_event(ev, hints, false, 0);
    return QueueKind::kInFlight;
  }
  // UpdateNominatedPod: keep an in-memory nomination when the pod object carries none.
  {
    const std::string node = (old_status.empty() && pod.nominated_node_name.empty())
                                 ? e->nominated_node
                                 : pod.nominated_node_name;
    nominate(slot, node);
  }
  if (e->queue == QueueKind::kActive) {
    if (e->priority != old_priority) push_active(slot);
    return QueueKind::kActive;
  }
  if (e->queue == QueueKind::kBackoff) {
    if (e->priority != old_priority) push_backoff(slot, now);
    return QueueKind::kBackoff;
  }
  // unschedulablePods: ask the rejectors' hints whether this update may make the pod schedulable.
  const std::uint32_t one[1] = {slot};
  for (const auto& ev : events) {
    Strategy s[1];
    evaluate(one, ev, hints, false, 0, s);
    const bool nominate_pod = ev.action == action::kUpdate;
    const QueueKind q = requeue(slot, s[0], now);
    if (nominate_pod && q == QueueKind::kActive)
      nominate(slot, entries_[slot].status_nominated_node);
    if (q == QueueKind::kActive || (config_.pop_from_backoff_q && q == QueueKind::kBackoff)) break;
  }
  return entries_[slot].queue;
}

bool SchedulingQueue::remove(std::string_view key) {
  Guard g(*this);
  const auto it = live_.find(key);
  if (it == live_.end()) return false;
  const std::uint32_t slot = it->second;
  Entry& e = entries_[slot];
  unnominate(slot);
  if (e.queue == QueueKind::kInFlight) {
    // Still being scheduled: keep it until Done, unreachable by key.
    e.deleted = true;
    ghosts_.emplace(e.key, slot);
    live_.erase(it);
    return true;
  }
  detach(slot);
  release(slot);
  return true;
}

std::optional<PodSnapshot> SchedulingQueue::pop(Nanos now) {
  Guard g(*this);
  std::optional<std::uint32_t> slot = pop_active();
  if (!slot && config_.pop_from_backoff_q) slot = pop_backoff_head();
  compact(active_heap_, QueueKind::kActive, ActiveLess{}, false);
  if (!slot) return std::nullopt;
  to_in_flight(*slot, now);
  return snapshot(*slot);
}

std::vector<PodSnapshot> SchedulingQueue::pop_batch(Nanos now, std::size_t max_pods) {
  Guard g(*this);
  std::vector<PodSnapshot> out;
  out.reserve(std::min(max_pods, active_count_ + backoff_count_));
  while (out.size() < max_pods) {
    std::optional<std::uint32_t> slot = pop_active();
    if (!slot && config_.pop_from_backoff_q) slot = pop_backoff_head();
    if (!slot) break;
    to_in_flight(*slot, now);
    out.push_back(snapshot(*slot));
  }
  compact(active_heap_, QueueKind::kActive, ActiveLess{}, false);
  return out;
}

bool SchedulingQueue::done(std::string_view key, std::string_view uid) {
  Guard g(*this);
  const auto slot = resolve_in_flight(key, uid);
  if (!slot) return false;
  done_slot(*slot);
  Entry& e = entries_[*slot];
  if (e.deleted || e.nominated_node.empty()) release(*slot);
  return true;
}

QueueKind SchedulingQueue::add_unschedulable_if_not_present(std::string_view key,
                                                            std::string_view uid,
                                                            PluginSet unschedulable_plugins,
                                                            PluginSet pending_plugins, Nanos now,
                                                            const HintContext& hints) {
  const PluginSet known =
      config_.num_plugins >= kMaxPlugins ? ~PluginSet{0} : plugin_bit(config_.num_plugins) - 1;
  if (((unschedulable_plugins | pending_plugins) & ~known) != 0)
    throw std::invalid_argument("plugin set names an unknown plugin id");
  Guard g(*this);
  const auto found = resolve_in_flight(key, uid);
  if (!found) {
    if (Entry* e = live(key); e != nullptr && e->queue != QueueKind::kNone)
      throw PodAlreadyQueued("pod '" + std::string(key) + "' is already present in " +
                             queue_name(e->queue));
    throw PodNotFound("pod '" + std::string(key) + "' is not in flight");
  }
  const std::uint32_t slot = *found;
  Entry& e = entries_[slot];
  if (e.deleted) {
    // Deleted while it was being scheduled: nothing to requeue.
    done_slot(slot);
    release(slot);
    return QueueKind::kNone;
  }
  e.unschedulable_plugins = unschedulable_plugins;
  e.pending_plugins = pending_plugins;
  if (unschedulable_plugins == 0 && pending_plugins == 0) {
    ++e.consecutive_errors_count;  // an unexpected error, not a plugin rejection
  } else {
    ++e.unschedulable_count;
    e.consecutive_errors_count = 0;
  }
  e.timestamp = now;
  e.backoff_cached = false;
  const Strategy strategy = hint_for_in_flight(slot, hints);
  done_slot(slot);
  return requeue(slot, strategy, now);
}

std::size_t SchedulingQueue::activate(std::span<const std::string> keys, Nanos now) {
  Guard g(*this);
  std::size_t activated = 0;
  for (const auto& key : keys) {
    const auto it = live_.find(key);
    if (it == live_.end()) continue;
    const std::uint32_t slot = it->second;
    Entry& e = entries_[slot];
    if (e.queue == QueueKind::kUnschedulable) {
      if (move_to_active(slot, false, false, now)) ++activated;
    } else if (e.queue == QueueKind::kBackoff) {
      detach(slot);  // out of backoffQ first; a pod gated meanwhile lands in unschedulablePods
      if (move_to_active(slot, true, false, now)) ++activated;
    } else if (e.queue == QueueKind::kInFlight) {
      // Requeue it when it comes back: a ForceActivate event meant for this pod only.
      push_event(ClusterEvent{resource::kWildCard, action::kAll}, HintContext{}, true, slot);
    }
  }
  return activated;
}

std::size_t SchedulingQueue::move_all_to_active_or_backoff_queue(const ClusterEvent& event,
                                                                 Nanos now,
                                                                 const HintContext& hints) {
  Guard g(*this);
  if (!is_event_of_interest(event)) return 0;
  const std::vector<std::uint32_t> pool = unschedulable_;
  return move_pods(pool, event, now, hints);
}

std::size_t SchedulingQueue::assigned_pod_added(std::string_view pod_namespace, Nanos now,
                                                const HintContext& hints) {
  Guard g(*this);
  const ClusterEvent event{resource::kAssignedPod, action::kAdd};
  return move_pods(cross_topology_candidates(pod_namespace), event, now, hints);
}

std::size_t SchedulingQueue::assigned_pod_updated(std::string_view pod_namespace,
                                                  std::uint32_t actions, Nanos now,
                                                  const HintContext& hints) {
  if ((actions & ~action::kUpdate) != 0)
    throw std::invalid_argument("a pod update's action mask may only hold UpdatePodXYZ bits");
  Guard g(*this);
  std::size_t moved = 0;
  const ClusterEvent scale_down{resource::kPod, action::kUpdatePodScaleDown};
  for (const auto& event : split_actions(resource::kAssignedPod, actions)) {
    if (match_cluster_events(scale_down, event)) {
      // Freed resources may help any pod, not only those with cross-topology terms.
      if (!is_event_of_interest(event)) continue;
      const std::vector<std::uint32_t> pool = unschedulable_;
      moved += move_pods(pool, event, now, hints);
    } else {
      moved += move_pods(cross_topology_candidates(pod_namespace), event, now, hints);
    }
  }
  return moved;
}

std::size_t SchedulingQueue::flush_backoff_q_completed(Nanos now) {
  Guard g(*this);
  std::vector<std::uint32_t> completed;
  auto drain = [&](std::vector<BackoffItem>& heap, bool error_heap, BackoffLess cmp) {
    while (!heap.empty()) {
      const BackoffItem& top = heap.front();
      Entry& e = entries_[top.slot];
      const bool valid =
          e.queue == QueueKind::kBackoff && e.in_error_backoff == error_heap && e.gen == top.gen;
      if (valid && is_backing_off(e, now)) break;
      std::pop_heap(heap.begin(), heap.end(), cmp);
      const std::uint32_t slot = heap.back().slot;
      heap.pop_back();
      if (valid) {
        detach(slot);
        completed.push_back(slot);
      }
    }
  };
  drain(backoff_heap_, false, BackoffLess{config_.pop_from_backoff_q});
  drain(error_backoff_heap_, true, BackoffLess{false});
  std::size_t moved = 0;
  for (const std::uint32_t slot : completed) {
    if (move_to_active(slot, true, false, now)) ++moved;
  }
  compact(backoff_heap_, QueueKind::kBackoff, BackoffLess{config_.pop_from_backoff_q}, false);
  compact(error_backoff_heap_, QueueKind::kBackoff, BackoffLess{false}, true);
  return moved;
}

std::size_t SchedulingQueue::flush_unschedulable_pods_left_over(Nanos now) {
  Guard g(*this);
  std::vector<std::uint32_t> expired;
  while (!timeout_heap_.empty()) {
    const TimeoutItem& top = timeout_heap_.front();
    const Entry& e = entries_[top.slot];
    const bool valid = e.queue == QueueKind::kUnschedulable && e.gen == top.gen;
    if (valid && now - e.timestamp < config_.pod_max_in_unschedulable_pods) break;
    std::pop_heap(timeout_heap_.begin(), timeout_heap_.end(), TimeoutLess{});
    const std::uint32_t slot = timeout_heap_.back().slot;
    timeout_heap_.pop_back();
    if (valid) expired.push_back(slot);
  }
  std::size_t moved = 0;
  if (!expired.empty()) {
    const ClusterEvent timeout{resource::kWildCard, action::kAll};  // UnschedulableTimeout
    moved = move_pods(expired, timeout, now, HintContext{});
  }
  compact(timeout_heap_, QueueKind::kUnschedulable, TimeoutLess{}, false);
  return moved;
}

std::optional<Nanos> SchedulingQueue::next_wakeup(Nanos now) {
  Guard g(*this);
  std::optional<Nanos> best;
  auto consider = [&](Nanos t) {
    if (!best || t < *best) best = t;
  };
  auto head = [&](std::vector<BackoffItem>& heap, bool error_heap, BackoffLess cmp) {
    while (!heap.empty()) {
      const BackoffItem& top = heap.front();
      const Entry& e = entries_[top.slot];
      if (e.queue == QueueKind::kBackoff && e.in_error_backoff == error_heap && e.gen == top.gen) {
        if (top.expiry == kNoTime) {
          consider(now);
        } else {
          consider(config_.pop_from_backoff_q ? top.expiry + kNanosPerSecond : top.expiry);
        }
        return;
      }
      std::pop_heap(heap.begin(), heap.end(), cmp);
      heap.pop_back();
    }
  };
  head(backoff_heap_, false, BackoffLess{config_.pop_from_backoff_q});
  head(error_backoff_heap_, true, BackoffLess{false});
  while (!timeout_heap_.empty()) {
    const TimeoutItem& top = timeout_heap_.front();
    const Entry& e = entries_[top.slot];
    if (e.queue == QueueKind::kUnschedulable && e.gen == top.gen) {
      consider(e.timestamp + config_.pod_max_in_unschedulable_pods);
      break;
    }
    std::pop_heap(timeout_heap_.begin(), timeout_heap_.end(), TimeoutLess{});
    timeout_heap_.pop_back();
  }
  if (best && *best < now) best = now;
  return best;
}

bool SchedulingQueue::add_nominated_pod(std::string_view key, std::string_view node_name) {
  Guard g(*this);
  const auto it = live_.find(key);
  if (it == live_.end()) return false;  // unknown or deleted: do not nominate it
  nominate(it->second, std::string(node_name));
  if (node_name.empty() && entries_[it->second].queue == QueueKind::kNone) release(it->second);
  return true;
}

bool SchedulingQueue::delete_nominated_pod_if_exists(std::string_view key) {
  Guard g(*this);
  const auto it = live_.find(key);
  if (it == live_.end() || entries_[it->second].nominated_node.empty()) return false;
  const std::uint32_t slot = it->second;
  unnominate(slot);
  if (entries_[slot].queue == QueueKind::kNone) release(slot);
  return true;
}

std::vector<std::string> SchedulingQueue::nominated_pods_for_node(std::string_view node_name) {
  Guard g(*this);
  std::vector<std::string> out;
  const auto it = nominated_.find(node_name);
  if (it == nominated_.end()) return out;
  out.reserve(it->second.size());
  for (const std::uint32_t slot : it->second) out.push_back(entries_[slot].key);
  return out;
}

PendingCounts SchedulingQueue::pending_pods() {
  Guard g(*this);
  PendingCounts c;
  c.active = active_count_;
  c.backoff = backoff_count_ + error_backoff_count_;
  c.unschedulable = unschedulable_.size() - gated_count_;
  c.gated = gated_count_;
  c.in_flight = in_flight_count_;
  return c;
}

PodSnapshot SchedulingQueue::snapshot(std::uint32_t slot) {
  Entry& e = entries_[slot];
  PodSnapshot s;
  s.key = e.key;
  s.uid = e.uid;
  s.priority = e.priority;
  s.tag = e.tag;
  s.profile = e.profile;
  s.queue = e.queue;
  s.timestamp = e.timestamp;
  s.initial_attempt_timestamp = e.initial_attempt_timestamp;
  s.backoff_expiration = backoff_time(e);
  s.attempts = e.attempts;
  s.unschedulable_count = e.unschedulable_count;
  s.consecutive_errors_count = e.consecutive_errors_count;
  s.unschedulable_plugins = e.unschedulable_plugins;
  s.pending_plugins = e.pending_plugins;
  s.gating_plugin = e.gating_plugin;
  s.gated_by = e.gated_by;
  s.nominated_node_name = e.nominated_node;
  s.deleted = e.deleted;
  return s;
}

std::optional<PodSnapshot> SchedulingQueue::get(std::string_view key) {
  Guard g(*this);
  const auto it = live_.find(key);
  if (it == live_.end()) return std::nullopt;
  return snapshot(it->second);
}

std::vector<PodSnapshot> SchedulingQueue::list(QueueKind queue) {
  Guard g(*this);
  std::vector<PodSnapshot> out;
  switch (queue) {
    case QueueKind::kActive: {
      std::vector<ActiveItem> items;
      for (const auto& it : active_heap_) {
        const Entry& e = entries_[it.slot];
        if (e.queue == QueueKind::kActive && e.gen == it.gen) items.push_back(it);
      }
      std::sort(items.begin(), items.end(),
                [](const ActiveItem& a, const ActiveItem& b) { return ActiveLess{}(b, a); });
      for (const auto& it : items) out.push_back(snapshot(it.slot));
      break;
    }
    case QueueKind::kBackoff: {
      for (const bool error_heap : {false, true}) {
        const auto& heap = error_heap ? error_backoff_heap_ : backoff_heap_;
        const BackoffLess cmp{!error_heap && config_.pop_from_backoff_q};
        std::vector<BackoffItem> items;
        for (const auto& it : heap) {
          const Entry& e = entries_[it.slot];
          if (e.queue == QueueKind::kBackoff && e.in_error_backoff == error_heap && e.gen == it.gen)
            items.push_back(it);
        }
        std::sort(items.begin(), items.end(),
                  [&](const BackoffItem& a, const BackoffItem& b) { return cmp(b, a); });
        for (const auto& it : items) out.push_back(snapshot(it.slot));
      }
      break;
    }
    case QueueKind::kUnschedulable:
      for (const std::uint32_t slot : unschedulable_) out.push_back(snapshot(slot));
      break;
    case QueueKind::kInFlight:
      for (const auto& it : in_flight_) {
        if (it.kind == InFlightItem::Kind::kPod) out.push_back(snapshot(it.slot));
      }
      break;
    case QueueKind::kNone:
      break;
  }
  return out;
}

QueueStats SchedulingQueue::stats() {
  Guard g(*this);
  QueueStats s = stats_;
  s.in_flight_events = static_cast<std::size_t>(
      std::count_if(in_flight_.begin(), in_flight_.end(),
                    [](const InFlightItem& it) { return it.kind == InFlightItem::Kind::kEvent; }));
  s.heap_items = active_heap_.size() + backoff_heap_.size() + error_backoff_heap_.size() +
                 timeout_heap_.size();
  return s;
}

std::uint64_t SchedulingQueue::oldest_retained_event_seq() {
  Guard g(*this);
  std::uint64_t oldest = std::numeric_limits<std::uint64_t>::max();
  for (const auto& it : in_flight_) {
    if (it.kind == InFlightItem::Kind::kEvent && it.seq != 0) oldest = std::min(oldest, it.seq);
  }
  return oldest;
}

std::string SchedulingQueue::verify() {
  Guard g(*this);
  std::ostringstream err;
  std::size_t n_active = 0, n_backoff = 0, n_error = 0, n_unsched = 0, n_gated = 0, n_flight = 0;
  std::vector<std::size_t> active_items(entries_.size(), 0), backoff_items(entries_.size(), 0);
  for (const auto& it : active_heap_) {
    const Entry& e = entries_[it.slot];
    if (e.queue == QueueKind::kActive && e.gen == it.gen) ++active_items[it.slot];
  }
  for (const bool error_heap : {false, true}) {
    for (const auto& it : error_heap ? error_backoff_heap_ : backoff_heap_) {
      const Entry& e = entries_[it.slot];
      if (e.queue == QueueKind::kBackoff && e.gen == it.gen && e.in_error_backoff == error_heap)
        ++backoff_items[it.slot];
    }
  }
  std::size_t used = 0;
  for (std::uint32_t slot = 0; slot < entries_.size(); ++slot) {
    const Entry& e = entries_[slot];
    if (!e.used) continue;
    ++used;
    if (e.deleted) {
      if (e.queue != QueueKind::kInFlight) err << "ghost " << e.key << " is not in flight; ";
    } else {
      const auto it = live_.find(e.key);
      if (it == live_.end() || it->second != slot) err << "pod " << e.key << " not indexed; ";
    }
    switch (e.queue) {
      case QueueKind::kActive:
        ++n_active;
        if (active_items[slot] != 1) err << "pod " << e.key << " has no unique activeQ item; ";
        break;
      case QueueKind::kBackoff:
        ++(e.in_error_backoff ? n_error : n_backoff);
        if (backoff_items[slot] != 1) err << "pod " << e.key << " has no unique backoffQ item; ";
        break;
      case QueueKind::kUnschedulable:
        ++n_unsched;
        if (gated(e)) ++n_gated;
        if (e.pool_index >= unschedulable_.size() || unschedulable_[e.pool_index] != slot)
          err << "pod " << e.key << " has a wrong pool index; ";
        break;
      case QueueKind::kInFlight:
        ++n_flight;
        if (e.in_flight_index < in_flight_base_ ||
            e.in_flight_index >= in_flight_base_ + in_flight_.size() ||
            in_flight_[e.in_flight_index - in_flight_base_].kind != InFlightItem::Kind::kPod ||
            in_flight_[e.in_flight_index - in_flight_base_].slot != slot)
          err << "pod " << e.key << " has no in-flight marker; ";
        break;
      case QueueKind::kNone:
        if (e.nominated_node.empty()) err << "idle pod " << e.key << " is not nominated; ";
        break;
    }
    if (!e.nominated_node.empty()) {
      const auto it = nominated_.find(e.nominated_node);
      if (it == nominated_.end() || std::count(it->second.begin(), it->second.end(), slot) != 1)
        err << "pod " << e.key << " is not listed once under its nominated node; ";
    }
  }
  if (used + free_.size() != entries_.size()) err << "slot accounting is off; ";
  if (used != live_.size() + ghosts_.size()) err << "key index size is off; ";
  if (n_active != active_count_) err << "active count is off; ";
  if (n_backoff != backoff_count_ || n_error != error_backoff_count_)
    err << "backoff count is off; ";
  if (n_unsched != unschedulable_.size()) err << "unschedulable pool size is off; ";
  if (n_gated != gated_count_) err << "gated count is off; ";
  if (n_flight != in_flight_count_) err << "in-flight count is off; ";
  std::size_t markers = 0;
  for (const auto& it : in_flight_) markers += it.kind == InFlightItem::Kind::kPod;
  if (markers != in_flight_count_) err << "in-flight marker count is off; ";
  if (!in_flight_.empty() && in_flight_.front().kind != InFlightItem::Kind::kPod)
    err << "in-flight events are not pruned; ";
  for (const auto& [node, slots] : nominated_) {
    for (const std::uint32_t slot : slots) {
      if (!entries_[slot].used || entries_[slot].nominated_node != node)
        err << "nominator lists a stale pod under " << node << "; ";
    }
  }
  return err.str();
}

}  // namespace kcore
