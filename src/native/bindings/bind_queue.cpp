// Bindings of kcore::SchedulingQueue: argument validation and conversion only. Every call that
// takes the queue lock releases the GIL first, so a hint callback (which re-acquires the GIL while
// the lock is held) can never deadlock against another Python thread waiting for the lock.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/typing.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "kcore/scheduling_queue.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

using kcore::Nanos;

// Seconds on the caller's clock -> integer nanoseconds; +-9e9 s keeps every sum in range.
Nanos to_ns(double seconds, const char* what) {
  if (!std::isfinite(seconds) || std::fabs(seconds) > 9.0e9)
    throw py::value_error(std::string(what) + " must be a finite number of seconds within +-9e9");
  return static_cast<Nanos>(std::llround(seconds * 1e9));
}

Nanos duration_ns(double seconds, const char* what) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds > 1.0e8)
    throw py::value_error(std::string(what) + " must be a number of seconds in [0, 1e8]");
  return static_cast<Nanos>(std::llround(seconds * 1e9));
}

py::object from_ns(Nanos t) {
  if (t == kcore::kNoTime) return py::none();
  return py::float_(static_cast<double>(t) / 1e9);
}

py::tuple snapshot_tuple(const kcore::PodSnapshot& s) {
  return py::make_tuple(s.key, s.uid, s.priority, s.tag, s.profile, static_cast<int>(s.queue),
                        from_ns(s.timestamp), from_ns(s.initial_attempt_timestamp),
                        from_ns(s.backoff_expiration), s.attempts, s.unschedulable_count,
                        s.consecutive_errors_count, s.unschedulable_plugins, s.pending_plugins,
                        s.gating_plugin, s.gated_by, s.nominated_node_name, s.deleted);
}

std::uint32_t action_mask(std::int64_t actions) {
  if (actions < 0 || actions > static_cast<std::int64_t>(kcore::action::kAll))
    throw py::value_error("action type mask " + std::to_string(actions) + " is out of range");
  return static_cast<std::uint32_t>(actions);
}

// Calls the Python hint dispatcher: fn((hint_id, plugin, profile, resource, action, event_seq),
// keys, uids, tags) -> one bool/int per pod. The first Python error is kept and re-raised once
// the queue call returns (the pods concerned were queued, as kube-scheduler does on errors).
class PyHintSource final : public kcore::QueueingHintSource {
 public:
  explicit PyHintSource(py::object fn) : fn_(std::move(fn)) {}

  bool evaluate(const kcore::HintCall& call, std::span<const kcore::HintPod> pods,
                std::span<std::uint8_t> hints) noexcept override {
    py::gil_scoped_acquire gil;
    try {
      py::list keys(pods.size());
      py::list uids(pods.size());
      py::array_t<std::int64_t> tags(static_cast<py::ssize_t>(pods.size()));
      auto t = tags.mutable_unchecked<1>();
      for (std::size_t i = 0; i < pods.size(); ++i) {
        keys[i] = py::str(pods[i].key.data(), pods[i].key.size());
        uids[i] = py::str(pods[i].uid.data(), pods[i].uid.size());
        t(static_cast<py::ssize_t>(i)) = pods[i].tag;
      }
      py::object result =
          fn_(py::make_tuple(call.hint_id, call.plugin, call.profile, call.event.resource,
                             call.event.action, call.event_seq),
              keys, uids, tags);
      auto arr =
          py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>::ensure(result);
      if (!arr || arr.ndim() != 1 || static_cast<std::size_t>(arr.shape(0)) != pods.size()) {
        if (!error_) {
          PyErr_SetString(PyExc_ValueError,
                          "a queueing hint must return one value per pod it was given");
          error_.emplace();
        }
        return false;
      }
      auto a = arr.unchecked<1>();
      for (std::size_t i = 0; i < pods.size(); ++i) {
        hints[i] = a(static_cast<py::ssize_t>(i)) != 0 ? 1 : 0;
      }
      return true;
    } catch (py::error_already_set& e) {
      if (!error_) error_.emplace(std::move(e));
      return false;
    } catch (...) {
      return false;
    }
  }

  // Call with the GIL held, after the queue call returned.
  void rethrow() {
    if (error_) {
      py::error_already_set e = std::move(*error_);
      error_.reset();
      throw e;
    }
  }

 private:
  py::object fn_;
  std::optional<py::error_already_set> error_;
};

// Owns what a HintContext points to for the duration of one call.
struct HintArgs {
  std::unique_ptr<PyHintSource> source;
  std::vector<py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>> arrays;
  std::vector<kcore::PluginVerdicts> verdicts;
  kcore::HintContext ctx;

  HintArgs(const py::object& hint_fn, const py::object& verdict_map, std::uint64_t event_seq,
           int num_plugins) {
    if (!hint_fn.is_none()) {
      if (!PyCallable_Check(hint_fn.ptr())) throw py::type_error("hint_fn must be callable");
      source = std::make_unique<PyHintSource>(hint_fn);
    }
    if (!verdict_map.is_none()) {
      std::vector<int> plugins;
      for (auto item : py::cast<py::dict>(verdict_map)) {
        const int plugin = py::cast<int>(item.first);
        if (plugin < 0 || plugin >= num_plugins)
          throw py::value_error("verdicts name an unknown plugin id " + std::to_string(plugin));
        auto arr = py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast>::ensure(
            item.second);
        if (!arr || arr.ndim() != 1)
          throw py::type_error("verdicts must be 1-D arrays of booleans indexed by pod tag");
        plugins.push_back(plugin);
        arrays.push_back(arr);
      }
      verdicts.reserve(arrays.size());
      for (std::size_t i = 0; i < arrays.size(); ++i) {
        verdicts.push_back(kcore::PluginVerdicts{
            plugins[i], std::span<const std::uint8_t>(
                            arrays[i].data(), static_cast<std::size_t>(arrays[i].shape(0)))});
      }
    }
    ctx.source = source.get();
    ctx.verdicts = verdicts;
    ctx.event_seq = event_seq;
  }

  void finish() {
    if (source) source->rethrow();
  }
};

kcore::PodSpec make_spec(std::string key, std::string uid, std::int32_t priority, std::int64_t tag,
                         std::int32_t profile, std::int32_t gated_by,
                         bool has_required_affinity_terms, std::string nominated_node_name) {
  kcore::PodSpec spec;
  spec.key = std::move(key);
  spec.uid = std::move(uid);
  spec.priority = priority;
  spec.tag = tag;
  spec.profile = profile;
  spec.gated_by = gated_by;
  spec.has_required_affinity_terms = has_required_affinity_terms;
  spec.nominated_node_name = std::move(nominated_node_name);
  return spec;
}

std::unique_ptr<kcore::SchedulingQueue> make_queue(
    double initial_backoff, double max_backoff, double max_in_unschedulable,
    bool pop_from_backoff_q, int num_plugins, int num_profiles, int pod_topology_spread_plugin,
    const std::vector<std::tuple<int, int, int, std::int64_t, int>>& registrations) {
  kcore::QueueConfig config;
  config.pod_initial_backoff = duration_ns(initial_backoff, "pod_initial_backoff_seconds");
  config.pod_max_backoff = duration_ns(max_backoff, "pod_max_backoff_seconds");
  config.pod_max_in_unschedulable_pods =
      duration_ns(max_in_unschedulable, "pod_max_in_unschedulable_pods_seconds");
  config.pop_from_backoff_q = pop_from_backoff_q;
  config.num_plugins = num_plugins;
  config.num_profiles = num_profiles;
  config.pod_topology_spread_plugin = pod_topology_spread_plugin;
  for (const auto& [profile, plugin, res, actions, hint_id] : registrations) {
    config.registrations.push_back(kcore::EventRegistration{
        profile, plugin, kcore::ClusterEvent{res, action_mask(actions)}, hint_id});
  }
  return std::make_unique<kcore::SchedulingQueue>(std::move(config));
}

}  // namespace

void register_queue(py::module_& m) {
  py::register_exception<kcore::PodNotFound>(m, "PodNotFoundError", PyExc_KeyError);
  py::register_exception<kcore::PodAlreadyQueued>(m, "PodAlreadyQueuedError", PyExc_ValueError);
  py::register_exception<kcore::ReentrantCall>(m, "QueueReentrancyError", PyExc_RuntimeError);

  m.def(
      "match_cluster_events",
      [](int reg_resource, std::int64_t reg_action, int resource, std::int64_t actions) {
        return kcore::match_cluster_events(
            kcore::ClusterEvent{reg_resource, action_mask(reg_action)},
            kcore::ClusterEvent{resource, action_mask(actions)});
      },
      "registered_resource"_a, "registered_action"_a, "resource"_a, "action"_a,
      R"pbdoc(framework.MatchClusterEvents: does an incoming event match a registered one?)pbdoc");

  py::class_<kcore::SchedulingQueue>(m, "SchedulingQueue", R"pbdoc(
kube-scheduler's scheduling queue over pod keys (native core). Use
kcore.scheduler.backend.queue.SchedulingQueue, which wraps this class with typed methods.
Times are float seconds on the caller's clock; plugin sets are bit masks of plugin ids.
)pbdoc")
      .def(py::init(&make_queue), "pod_initial_backoff_seconds"_a, "pod_max_backoff_seconds"_a,
           "pod_max_in_unschedulable_pods_seconds"_a, "pop_from_backoff_q"_a, "num_plugins"_a,
           "num_profiles"_a, "pod_topology_spread_plugin"_a, "registrations"_a)
      .def(
          "add",
          [](kcore::SchedulingQueue& q, std::string key, std::string uid, std::int32_t priority,
             double now, std::int64_t tag, std::int32_t profile, std::int32_t gated_by,
             bool has_required_affinity_terms, std::string nominated_node_name) {
            const Nanos t = to_ns(now, "now");
            const kcore::PodSpec spec =
                make_spec(std::move(key), std::move(uid), priority, tag, profile, gated_by,
                          has_required_affinity_terms, std::move(nominated_node_name));
            py::gil_scoped_release release;
            return static_cast<int>(q.add(spec, t));
          },
          "key"_a, "uid"_a, "priority"_a, "now"_a, "tag"_a, "profile"_a, "gated_by"_a,
          "has_required_affinity_terms"_a, "nominated_node_name"_a,
          R"pbdoc(Add a pending pod; returns the queue it went to (QueueKind value).)pbdoc")
      .def(
          "add_batch",
          [](kcore::SchedulingQueue& q, std::vector<std::string> keys, const py::object& uids,
             py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> priorities,
             py::array_t<std::int64_t, py::array::c_style | py::array::forcecast> tags, double now,
             std::int32_t profile) {
            const Nanos t = to_ns(now, "now");
            const std::size_t n = keys.size();
            if (priorities.ndim() != 1 || static_cast<std::size_t>(priorities.shape(0)) != n ||
                tags.ndim() != 1 || static_cast<std::size_t>(tags.shape(0)) != n)
              throw py::value_error("priorities and tags must be 1-D with one value per key");
            std::vector<std::string> uid_list;
            if (!uids.is_none()) {
              uid_list = py::cast<std::vector<std::string>>(uids);
              if (uid_list.size() != n) throw py::value_error("uids must have one value per key");
            }
            const auto prio = priorities.unchecked<1>();
            const auto tag = tags.unchecked<1>();
            std::vector<kcore::PodSpec> specs(n);
            for (std::size_t i = 0; i < n; ++i) {
              const auto k = static_cast<py::ssize_t>(i);
              if (prio(k) < INT32_MIN || prio(k) > INT32_MAX)
                throw py::value_error("priority " + std::to_string(prio(k)) + " of pod '" +
                                      keys[i] + "' does not fit in 32 bits");
              specs[i].uid = uid_list.empty() ? keys[i] : std::move(uid_list[i]);
              specs[i].key = std::move(keys[i]);
              specs[i].priority = static_cast<std::int32_t>(prio(k));
              specs[i].tag = tag(k);
              specs[i].profile = profile;
            }
            py::gil_scoped_release release;
            return q.add_batch(specs, t);
          },
          "keys"_a, "uids"_a, "priorities"_a, "tags"_a, "now"_a, "profile"_a,
          R"pbdoc(Add many ungated pods under one lock, all or nothing.)pbdoc")
      .def(
          "update",
          [](kcore::SchedulingQueue& q, std::string key, std::string uid, std::int32_t priority,
             double now, std::int64_t actions, std::int64_t tag, std::int32_t profile,
             std::int32_t gated_by, bool has_required_affinity_terms,
             std::string nominated_node_name, std::uint64_t event_seq, const py::object& hint_fn,
             const py::object& verdicts) {
            const Nanos t = to_ns(now, "now");
            const std::uint32_t mask = action_mask(actions);
            const kcore::PodSpec spec =
                make_spec(std::move(key), std::move(uid), priority, tag, profile, gated_by,
                          has_required_affinity_terms, std::move(nominated_node_name));
            HintArgs hints(hint_fn, verdicts, event_seq, q.config().num_plugins);
            int result;
            {
              py::gil_scoped_release release;
              result = static_cast<int>(q.update(spec, mask, t, hints.ctx));
            }
            hints.finish();
            return result;
          },
          "key"_a, "uid"_a, "priority"_a, "now"_a, "actions"_a, "tag"_a, "profile"_a, "gated_by"_a,
          "has_required_affinity_terms"_a, "nominated_node_name"_a, "event_seq"_a, "hint_fn"_a,
          "verdicts"_a, R"pbdoc(Update a pod; returns its queue afterwards.)pbdoc")
      .def(
          "delete",
          [](kcore::SchedulingQueue& q, const std::string& key) {
            py::gil_scoped_release release;
            return q.remove(key);
          },
          "key"_a, R"pbdoc(Delete a pod; False if the key is unknown.)pbdoc")
      .def(
          "pop",
          [](kcore::SchedulingQueue& q, double now) -> py::object {
            const Nanos t = to_ns(now, "now");
            std::optional<kcore::PodSnapshot> s;
            {
              py::gil_scoped_release release;
              s = q.pop(t);
            }
            if (!s) return py::none();
            return snapshot_tuple(*s);
          },
          "now"_a, R"pbdoc(Pop the head of activeQ (or of backoffQ when activeQ is empty).)pbdoc")
      .def(
          "pop_batch",
          [](kcore::SchedulingQueue& q, double now, std::int64_t max_pods) {
            const Nanos t = to_ns(now, "now");
            if (max_pods < 0) throw py::value_error("max_pods must not be negative");
            std::vector<kcore::PodSnapshot> pods;
            {
              py::gil_scoped_release release;
              pods = q.pop_batch(t, static_cast<std::size_t>(max_pods));
            }
            py::typing::List<py::object> out(pods.size());
            for (std::size_t i = 0; i < pods.size(); ++i) out[i] = snapshot_tuple(pods[i]);
            return out;
          },
          "now"_a, "max_pods"_a, R"pbdoc(Pop up to max_pods pods, as repeated pop() would.)pbdoc")
      .def(
          "pop_batch_arrays",
          [](kcore::SchedulingQueue& q, double now, std::int64_t max_pods) {
            const Nanos t = to_ns(now, "now");
            if (max_pods < 0) throw py::value_error("max_pods must not be negative");
            std::vector<kcore::PodSnapshot> pods;
            {
              py::gil_scoped_release release;
              pods = q.pop_batch(t, static_cast<std::size_t>(max_pods));
            }
            const auto n = static_cast<py::ssize_t>(pods.size());
            py::typing::List<py::str> keys(pods.size());
            py::typing::List<py::str> uids(pods.size());
            py::array_t<std::int64_t> tags(n);
            py::array_t<std::int32_t> priorities(n);
            py::array_t<std::int32_t> attempts(n);
            auto tg = tags.mutable_unchecked<1>();
            auto pr = priorities.mutable_unchecked<1>();
            auto at = attempts.mutable_unchecked<1>();
            for (py::ssize_t i = 0; i < n; ++i) {
              const auto& p = pods[static_cast<std::size_t>(i)];
              keys[static_cast<std::size_t>(i)] = py::str(p.key);
              uids[static_cast<std::size_t>(i)] = py::str(p.uid);
              tg(i) = p.tag;
              pr(i) = p.priority;
              at(i) = p.attempts;
            }
            return py::make_tuple(keys, uids, tags, priorities, attempts);
          },
          "now"_a, "max_pods"_a,
          R"pbdoc(pop_batch as columns: (keys, uids, tags, priorities, attempts).)pbdoc")
      .def(
          "done",
          [](kcore::SchedulingQueue& q, const std::string& key, const std::string& uid) {
            py::gil_scoped_release release;
            return q.done(key, uid);
          },
          "key"_a, "uid"_a,
          R"pbdoc(End the pod's scheduling attempt; False if not in flight.)pbdoc")
      .def(
          "add_unschedulable_if_not_present",
          [](kcore::SchedulingQueue& q, const std::string& key, const std::string& uid,
             std::uint64_t unschedulable_plugins, std::uint64_t pending_plugins, double now,
             const py::object& hint_fn) {
            const Nanos t = to_ns(now, "now");
            HintArgs hints(hint_fn, py::none(), 0, q.config().num_plugins);
            int result;
            {
              py::gil_scoped_release release;
              result = static_cast<int>(q.add_unschedulable_if_not_present(
                  key, uid, unschedulable_plugins, pending_plugins, t, hints.ctx));
            }
            hints.finish();
            return result;
          },
          "key"_a, "uid"_a, "unschedulable_plugins"_a, "pending_plugins"_a, "now"_a, "hint_fn"_a,
          R"pbdoc(Requeue a pod after a failed attempt; returns its queue.)pbdoc")
      .def(
          "activate",
          [](kcore::SchedulingQueue& q, const std::vector<std::string>& keys, double now) {
            const Nanos t = to_ns(now, "now");
            py::gil_scoped_release release;
            return q.activate(keys, t);
          },
          "keys"_a, "now"_a, R"pbdoc(Move pods to activeQ; returns how many moved.)pbdoc")
      .def(
          "move_all_to_active_or_backoff_queue",
          [](kcore::SchedulingQueue& q, int res, std::int64_t actions, double now,
             std::uint64_t event_seq, const py::object& hint_fn, const py::object& verdicts) {
            const Nanos t = to_ns(now, "now");
            const kcore::ClusterEvent event{res, action_mask(actions)};
            HintArgs hints(hint_fn, verdicts, event_seq, q.config().num_plugins);
            std::size_t moved;
            {
              py::gil_scoped_release release;
              moved = q.move_all_to_active_or_backoff_queue(event, t, hints.ctx);
            }
            hints.finish();
            return moved;
          },
          "resource"_a, "action"_a, "now"_a, "event_seq"_a, "hint_fn"_a, "verdicts"_a,
          R"pbdoc(Process a cluster event; returns how many pods moved.)pbdoc")
      .def(
          "assigned_pod_added",
          [](kcore::SchedulingQueue& q, const std::string& ns, double now, std::uint64_t event_seq,
             const py::object& hint_fn, const py::object& verdicts) {
            const Nanos t = to_ns(now, "now");
            HintArgs hints(hint_fn, verdicts, event_seq, q.config().num_plugins);
            std::size_t moved;
            {
              py::gil_scoped_release release;
              moved = q.assigned_pod_added(ns, t, hints.ctx);
            }
            hints.finish();
            return moved;
          },
          "namespace"_a, "now"_a, "event_seq"_a, "hint_fn"_a, "verdicts"_a)
      .def(
          "assigned_pod_updated",
          [](kcore::SchedulingQueue& q, const std::string& ns, std::int64_t actions, double now,
             std::uint64_t event_seq, const py::object& hint_fn, const py::object& verdicts) {
            const Nanos t = to_ns(now, "now");
            const std::uint32_t mask = action_mask(actions);
            HintArgs hints(hint_fn, verdicts, event_seq, q.config().num_plugins);
            std::size_t moved;
            {
              py::gil_scoped_release release;
              moved = q.assigned_pod_updated(ns, mask, t, hints.ctx);
            }
            hints.finish();
            return moved;
          },
          "namespace"_a, "actions"_a, "now"_a, "event_seq"_a, "hint_fn"_a, "verdicts"_a)
      .def(
          "flush_backoff_q_completed",
          [](kcore::SchedulingQueue& q, double now) {
            const Nanos t = to_ns(now, "now");
            py::gil_scoped_release release;
            return q.flush_backoff_q_completed(t);
          },
          "now"_a)
      .def(
          "flush_unschedulable_pods_left_over",
          [](kcore::SchedulingQueue& q, double now) {
            const Nanos t = to_ns(now, "now");
            py::gil_scoped_release release;
            return q.flush_unschedulable_pods_left_over(t);
          },
          "now"_a)
      .def(
          "next_wakeup",
          [](kcore::SchedulingQueue& q, double now) -> py::object {
            const Nanos t = to_ns(now, "now");
            std::optional<Nanos> w;
            {
              py::gil_scoped_release release;
              w = q.next_wakeup(t);
            }
            if (!w) return py::none();
            return from_ns(*w);
          },
          "now"_a)
      .def(
          "add_nominated_pod",
          [](kcore::SchedulingQueue& q, const std::string& key, const std::string& node) {
            py::gil_scoped_release release;
            return q.add_nominated_pod(key, node);
          },
          "key"_a, "node_name"_a)
      .def(
          "delete_nominated_pod_if_exists",
          [](kcore::SchedulingQueue& q, const std::string& key) {
            py::gil_scoped_release release;
            return q.delete_nominated_pod_if_exists(key);
          },
          "key"_a)
      .def(
          "nominated_pods_for_node",
          [](kcore::SchedulingQueue& q, const std::string& node) {
            std::vector<std::string> keys;
            {
              py::gil_scoped_release release;
              keys = q.nominated_pods_for_node(node);
            }
            return keys;
          },
          "node_name"_a)
      .def("pending_pods",
           [](kcore::SchedulingQueue& q) {
             kcore::PendingCounts c;
             {
               py::gil_scoped_release release;
               c = q.pending_pods();
             }
             return py::make_tuple(c.active, c.backoff, c.unschedulable, c.gated, c.in_flight);
           })
      .def(
          "get",
          [](kcore::SchedulingQueue& q, const std::string& key) -> py::object {
            std::optional<kcore::PodSnapshot> s;
            {
              py::gil_scoped_release release;
              s = q.get(key);
            }
            if (!s) return py::none();
            return snapshot_tuple(*s);
          },
          "key"_a)
      .def(
          "list",
          [](kcore::SchedulingQueue& q, int queue) {
            if (queue < 1 || queue > 4) throw py::value_error("queue must be a QueueKind 1..4");
            std::vector<kcore::PodSnapshot> pods;
            {
              py::gil_scoped_release release;
              pods = q.list(static_cast<kcore::QueueKind>(queue));
            }
            py::typing::List<py::object> out(pods.size());
            for (std::size_t i = 0; i < pods.size(); ++i) out[i] = snapshot_tuple(pods[i]);
            return out;
          },
          "queue"_a)
      .def("stats",
           [](kcore::SchedulingQueue& q) {
             kcore::QueueStats s;
             {
               py::gil_scoped_release release;
               s = q.stats();
             }
             return py::make_tuple(s.scheduling_cycle, s.hint_calls, s.hint_errors,
                                   s.in_flight_events, s.heap_items);
           })
      .def("oldest_retained_event_seq",
           [](kcore::SchedulingQueue& q) {
             py::gil_scoped_release release;
             return q.oldest_retained_event_seq();
           })
      .def("verify", [](kcore::SchedulingQueue& q) {
        py::gil_scoped_release release;
        return q.verify();
      });
}
