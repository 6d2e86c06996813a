// pybind11 bindings of the scheduling core: NativeScheduler (cache + framework behind a mutex),
// PodTemplate (a pod converted once for batches), NodeTableHandle (immutable snapshot whose
// columns are exported as read-only zero-copy NumPy views). Conversion and validation only.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/typing.h>

#include <mutex>
#include <optional>

#include "convert.hpp"
#include "kcore/framework.hpp"
#include "kcore/quantity.hpp"
#include "kcore/scheduler_cache.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace kcore::bindings {
// A frozenset of plugin names, spelled frozenset[str] in the generated stub.
class StrFrozenSet : public py::frozenset {
 public:
  PYBIND11_OBJECT_DEFAULT(StrFrozenSet, frozenset, PyFrozenSet_Check)
};
}  // namespace kcore::bindings

namespace pybind11::detail {
template <>
struct handle_type_name<kcore::bindings::StrFrozenSet> {
  static constexpr auto name = const_name("frozenset[str]");
};
}  // namespace pybind11::detail

namespace kcore::bindings {
namespace {

// ------------------------------------------------------------------------------------------
// Snapshot of the NodeTable (immutable once published).

struct Snapshot {
  std::size_t n = 0;
  std::vector<std::string> names;
  std::vector<std::uint8_t> live, unschedulable;
  std::vector<std::uint64_t> generation;
  std::vector<std::int64_t> pod_count;
  std::vector<std::string> resource_names;
  std::vector<std::vector<std::int64_t>> allocatable, requested;
  std::vector<std::int64_t> nonzero_cpu, nonzero_mem;
  std::vector<std::string> label_keys;
  std::vector<std::vector<std::int32_t>> label_domain;
  std::vector<std::vector<std::string>> label_values;
  std::size_t taint_words = 1;
  std::vector<std::uint64_t> taint_bits;
  std::vector<std::string> taints;
};

void fill_row(Snapshot& s, const SchedulerCache& c, std::size_t r) {
  const NodeTable& t = c.table();
  s.names[r] = t.live[r] ? t.rows[r].name : std::string();
  s.live[r] = t.live[r];
  s.unschedulable[r] = t.unschedulable[r];
  s.generation[r] = t.generation[r];
  s.pod_count[r] = t.pod_count[r];
  for (std::size_t k = 0; k < s.allocatable.size(); ++k) {
    s.allocatable[k][r] = t.allocatable[k][r];
    s.requested[k][r] = t.requested[k][r];
  }
  s.nonzero_cpu[r] = t.nonzero_cpu[r];
  s.nonzero_mem[r] = t.nonzero_mem[r];
  for (std::size_t k = 0; k < s.label_domain.size(); ++k)
    s.label_domain[k][r] = t.labels[k].domain[r];
  for (std::size_t w = 0; w < s.taint_words; ++w)
    s.taint_bits[r * s.taint_words + w] = t.taint_bits[r * t.taint_words + w];
}

void fill_meta(Snapshot& s, const SchedulerCache& c) {
  const NodeTable& t = c.table();
  s.resource_names.resize(c.resources().size());
  for (std::size_t k = 0; k < s.resource_names.size(); ++k)
    s.resource_names[k] = c.resources().name(static_cast<std::int32_t>(k));
  s.label_keys.resize(t.labels.size());
  s.label_values.resize(t.labels.size());
  for (std::size_t k = 0; k < t.labels.size(); ++k) {
    s.label_keys[k] = c.strings().name(t.labels[k].key);
    auto& vals = s.label_values[k];
    for (std::size_t d = vals.size(); d < t.labels[k].domain_value.size(); ++d) {
      vals.push_back(c.strings().name(t.labels[k].domain_value[d]));
    }
  }
  const auto& uni = c.taint_universe();
  for (std::size_t i = s.taints.size(); i < uni.size(); ++i) {
    static const char* kEff[] = {"", "NoSchedule", "PreferNoSchedule", "NoExecute", "Other"};
    s.taints.push_back(c.strings().name(uni[i].key) + "=" + c.strings().name(uni[i].value) + ":" +
                       kEff[uni[i].effect]);
  }
}

std::shared_ptr<Snapshot> full_snapshot(const SchedulerCache& c) {
  const NodeTable& t = c.table();
  auto s = std::make_shared<Snapshot>();
  s->n = t.capacity;
  s->names.resize(s->n);
  s->live.resize(s->n);
  s->unschedulable.resize(s->n);
  s->generation.resize(s->n);
  s->pod_count.resize(s->n);
  s->allocatable.assign(t.allocatable.size(), std::vector<std::int64_t>(s->n));
  s->requested.assign(t.requested.size(), std::vector<std::int64_t>(s->n));
  s->nonzero_cpu.resize(s->n);
  s->nonzero_mem.resize(s->n);
  s->label_domain.assign(t.labels.size(), std::vector<std::int32_t>(s->n));
  s->taint_words = t.taint_words;
  s->taint_bits.resize(s->n * s->taint_words);
  fill_meta(*s, c);
  for (std::size_t r = 0; r < s->n; ++r) fill_row(*s, c, r);
  return s;
}

// ------------------------------------------------------------------------------------------

// Typed Python results (for the generated stub): str-keyed dicts and schedule()'s tuple
// (code, node, message, nominated node, victims, latency ns, unschedulable plugins, pending
// plugins).
using StrDict = py::typing::Dict<py::str, py::object>;
using ResultTuple = py::typing::Tuple<py::int_, py::typing::Optional<py::str>, py::str,
                                      py::typing::Optional<py::str>, py::typing::List<py::str>,
                                      py::int_, StrFrozenSet, StrFrozenSet>;

// Plugin-name sets (frozenset[str]) of a framework's plugin bit masks; within one call each
// distinct (framework, mask) is made once and the immutable set shared.
class PluginSets {
 public:
  StrFrozenSet get(const Framework& fw, std::uint64_t mask) {
    auto key = std::make_pair(&fw, mask);
    for (const auto& [k, v] : made_) {
      if (k == key) return v;
    }
    py::list names;
    if (mask != 0) {
      std::vector<std::string> all = fw.plugin_bit_names();
      for (std::size_t b = 0; b < all.size() && b < 64; ++b) {
        if (mask & (std::uint64_t{1} << b)) names.append(py::str(all[b]));
      }
    }
    auto out = py::reinterpret_steal<StrFrozenSet>(PyFrozenSet_New(names.ptr()));
    if (!out) throw py::error_already_set();
    made_.emplace_back(key, out);
    return out;
  }

 private:
  std::vector<std::pair<std::pair<const Framework*, std::uint64_t>, StrFrozenSet>> made_;
};

struct PodTemplate {
  PodSpecIn spec;
};

// Node names by row as of one cache epoch: immutable, shared by the batch results of that epoch.
struct RowNames {
  std::shared_ptr<const std::vector<std::string>> names;
};

// The "namespace/name" of every pod of a batch given as a list, in order (Python strings are
// made only for the entries looked up).
struct PodKeys {
  std::shared_ptr<const std::vector<std::string>> keys;
};

class PyExternalPlugin final : public ExternalPlugin {
 public:
  PyExternalPlugin(std::string name, py::object fn, const std::string* current)
      : name_(std::move(name)), fn_(std::move(fn)), current_(current) {}
  ~PyExternalPlugin() override {
    py::gil_scoped_acquire gil;
    fn_ = py::object();
  }
  const std::string& name() const noexcept override { return name_; }
  bool filter(const PodInfo& pod, const std::vector<std::int32_t>& rows,
              std::vector<std::uint8_t>& pass, std::uint8_t& code, std::string& reason,
              std::string& error) override {
    (void)error;
    py::gil_scoped_acquire gil;
    py::array_t<std::int32_t> r(static_cast<py::ssize_t>(rows.size()), rows.data());
    py::tuple out = fn_("filter", pod.ns_name, *current_, r);
    auto mask = out[0].cast<py::array_t<bool, py::array::c_style | py::array::forcecast>>();
    code = out[1].cast<std::uint8_t>();
    reason = out[2].cast<std::string>();
    pass.assign(rows.size(), 1);
    auto m = mask.unchecked<1>();
    for (std::size_t i = 0; i < rows.size(); ++i) pass[i] = m(static_cast<py::ssize_t>(i)) ? 1 : 0;
    return true;
  }
  bool score(const PodInfo& pod, const std::vector<std::int32_t>& rows,
             std::vector<std::int64_t>& scores, std::string& error) override {
    (void)error;
    py::gil_scoped_acquire gil;
    py::array_t<std::int32_t> r(static_cast<py::ssize_t>(rows.size()), rows.data());
    py::object out = fn_("score", pod.ns_name, *current_, r);
    auto arr = out.cast<py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>>();
    auto a = arr.unchecked<1>();
    scores.assign(rows.size(), 0);
    for (std::size_t i = 0; i < rows.size(); ++i) scores[i] = a(static_cast<py::ssize_t>(i));
    return true;
  }

 private:
  std::string name_;
  py::object fn_;
  const std::string* current_;
};

std::vector<ResourceWeight> resource_weights(py::handle h) {
  std::vector<ResourceWeight> out;
  for (auto item : h) {
    auto t = item.cast<py::tuple>();
    out.push_back({t[0].cast<std::string>(), t[1].cast<std::int64_t>()});
  }
  return out;
}

// A profile dict built by kcore.scheduler._profile.native_profile -> the core's ProfileConfig.
// Python plugins are wrapped once per profile; `current_name` is the name of the pod in flight.
ProfileConfig profile_config(const py::dict& profile, const std::string* current_name) {
  ProfileConfig cfg;
  auto plugin = [&](const std::string& name, py::dict& ext) -> int {
    int id = native_plugin_id(name);
    if (id >= 0) return id;
    if (ext.contains(name)) {
      for (std::size_t i = 0; i < cfg.external.size(); ++i) {
        if (cfg.external[i]->name() == name) return kExternalBase + static_cast<int>(i);
      }
      cfg.external.push_back(
          std::make_shared<PyExternalPlugin>(name, ext[name.c_str()], current_name));
      return kExternalBase + static_cast<int>(cfg.external.size() - 1);
    }
    throw py::value_error("unknown plugin '" + name + "'");
  };
  py::dict ext = profile.contains("external") ? profile["external"].cast<py::dict>() : py::dict();
  for (auto f : profile["filters"]) cfg.filters.push_back(plugin(f.cast<std::string>(), ext));
  for (auto s : profile["scores"]) {
    auto t = s.cast<py::tuple>();
    cfg.scores.emplace_back(plugin(t[0].cast<std::string>(), ext), t[1].cast<std::int64_t>());
  }
  for (auto f : profile["post_filters"])
    cfg.post_filters.push_back(plugin(f.cast<std::string>(), ext));
  if (profile.contains("ignored_resources"))
    cfg.ignored_resources = profile["ignored_resources"].cast<std::vector<std::string>>();
  if (profile.contains("ignored_resource_groups"))
    cfg.ignored_resource_groups =
        profile["ignored_resource_groups"].cast<std::vector<std::string>>();
  if (profile.contains("scoring_type")) {
    auto st = profile["scoring_type"].cast<std::string>();
    cfg.scoring = st == "MostAllocated"              ? ScoringType::kMostAllocated
                  : st == "RequestedToCapacityRatio" ? ScoringType::kRequestedToCapacityRatio
                                                     : ScoringType::kLeastAllocated;
  }
  if (profile.contains("fit_resources"))
    cfg.fit_resources = resource_weights(profile["fit_resources"]);
  if (profile.contains("shape"))
    cfg.shape = profile["shape"].cast<std::vector<std::pair<std::int64_t, std::int64_t>>>();
  if (profile.contains("balanced_resources"))
    cfg.balanced_resources = resource_weights(profile["balanced_resources"]);
  if (profile.contains("hard_pod_affinity_weight"))
    cfg.hard_pod_affinity_weight = profile["hard_pod_affinity_weight"].cast<std::int64_t>();
  if (profile.contains("ignore_preferred_terms_of_existing_pods"))
    cfg.ignore_preferred_terms_of_existing_pods =
        profile["ignore_preferred_terms_of_existing_pods"].cast<bool>();
  if (profile.contains("system_defaulted"))
    cfg.system_defaulted = profile["system_defaulted"].cast<bool>();
  if (profile.contains("default_constraints")) {
    cfg.default_constraints.clear();
    for (auto item : profile["default_constraints"]) {
      auto t = item.cast<py::tuple>();
      cfg.default_constraints.push_back(
          {t[0].cast<std::int32_t>(), t[1].cast<std::string>(), t[2].cast<bool>()});
    }
  }
  if (profile.contains("added_affinity") && !profile["added_affinity"].is_none()) {
    py::dict pod;
    pod["metadata"] = py::dict("name"_a = "added-affinity");
    pod["spec"] = py::dict("affinity"_a = py::dict("nodeAffinity"_a = profile["added_affinity"]));
    PodSpecIn spec = pod_from_object(pod);
    cfg.has_added_affinity = true;
    cfg.added_affinity = spec.node_affinity;
  }
  if (profile.contains("min_candidate_nodes_percentage"))
    cfg.min_candidate_nodes_percentage =
        profile["min_candidate_nodes_percentage"].cast<std::int64_t>();
  if (profile.contains("min_candidate_nodes_absolute"))
    cfg.min_candidate_nodes_absolute = profile["min_candidate_nodes_absolute"].cast<std::int64_t>();
  if (profile.contains("percentage_of_nodes_to_score") &&
      !profile["percentage_of_nodes_to_score"].is_none()) {
    cfg.percentage_of_nodes_to_score = profile["percentage_of_nodes_to_score"].cast<std::int32_t>();
  }
  return cfg;
}

// Raised when a pod names a scheduler (spec.schedulerName) that no profile serves.
struct UnknownScheduler : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

class NativeScheduler {
 public:
  // One shared SchedulerCache and one Framework per profile (kube-scheduler's profile map over
  // one cache). With `match_scheduler_name`, a pod is scheduled by the profile named by its
  // spec.schedulerName ("" = default-scheduler); otherwise the first profile takes every pod.
  NativeScheduler(const py::typing::List<StrDict>& profiles, std::uint64_t seed,
                  bool match_scheduler_name)
      : match_scheduler_name_(match_scheduler_name) {
    if (profiles.empty()) throw py::value_error("profiles: at least one profile is required");
    for (std::size_t i = 0; i < profiles.size(); ++i) {
      py::dict profile = profiles[i].cast<py::dict>();
      std::string name = profile.contains("scheduler_name")
                             ? profile["scheduler_name"].cast<std::string>()
                             : std::string("default-scheduler");
      for (const auto& p : profiles_) {
        if (p.scheduler_name == name) {
          throw py::value_error("profiles[" + std::to_string(i) + "]: duplicate schedulerName '" +
                                name + "'");
        }
      }
      ProfileConfig cfg = profile_config(profile, &current_name_);
      profiles_.push_back(
          {name, std::make_unique<Framework>(std::move(cfg), cache_, seed, &next_start_)});
    }
  }

  // --- cluster state ---
  void add_node(py::handle obj) {
    NodeSpecIn n = node_from_object(obj);
    std::lock_guard<std::recursive_mutex> lk(mu_);
    cache_.add_node(n);
  }
  void update_node(py::handle obj) {
    NodeSpecIn n = node_from_object(obj);
    std::lock_guard<std::recursive_mutex> lk(mu_);
    cache_.update_node(n);
  }
  void remove_node(const std::string& name) {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    cache_.remove_node(name);
  }
  void add_pod(py::handle obj, bool assumed) {
    PodSpecIn spec = pod_from_object(obj);
    if (spec.node_name.empty()) {
      throw ConversionError("spec.nodeName: required (pod '" + spec.ns + "/" + spec.name +
                            "' is not bound)");
    }
    std::lock_guard<std::recursive_mutex> lk(mu_);
    if (cache_.has_pod(spec.ns + "/" + spec.name))
      throw AlreadyExists("pod '" + spec.ns + "/" + spec.name + "' already exists");
    if (cache_.row_of(spec.node_name) < 0)
      throw NotFound("pod '" + spec.ns + "/" + spec.name + "': node '" + spec.node_name +
                     "' not found");
    cache_.add_pod(cache_.compile_pod(spec), spec.node_name, assumed);
  }
  void update_pod(py::handle obj) {
    PodSpecIn spec = pod_from_object(obj);
    std::lock_guard<std::recursive_mutex> lk(mu_);
    std::string key = spec.ns + "/" + spec.name;
    const PodRecord* old = cache_.find_pod(key);
    if (!old) throw NotFound("pod '" + key + "' not found");
    std::string node = spec.node_name.empty()
                           ? cache_.table().rows[static_cast<std::size_t>(old->row)].name
                           : spec.node_name;
    if (cache_.row_of(node) < 0) throw NotFound("pod '" + key + "': node '" + node + "' not found");
    PodInfoPtr info = cache_.compile_pod(spec);
    bool assumed = old->assumed;
    cache_.remove_pod(key);
    cache_.add_pod(info, node, assumed);
  }
  void remove_pod(const std::string& ns, const std::string& name) {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    cache_.remove_pod(ns + "/" + name);
  }
  void assume(py::handle obj, const std::string& node) {
    PodSpecIn spec = pod_from_object(obj);
    std::lock_guard<std::recursive_mutex> lk(mu_);
    std::string key = spec.ns + "/" + spec.name;
    if (cache_.has_pod(key)) throw AlreadyExists("pod '" + key + "' already exists");
    if (cache_.row_of(node) < 0) throw NotFound("pod '" + key + "': node '" + node + "' not found");
    cache_.add_pod(cache_.compile_pod(spec), node, true);
  }
  void forget(const std::string& ns, const std::string& name) {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    std::string key = ns + "/" + name;
    const PodRecord* rec = cache_.find_pod(key);
    if (!rec) throw NotFound("pod '" + key + "' not found");
    if (!rec->assumed)
      throw py::value_error("pod '" + key + "' is not assumed (its binding finished)");
    cache_.remove_pod(key);
  }
  void finish_binding(const std::string& ns, const std::string& name) {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    cache_.finish_binding(ns + "/" + name);
  }
  // --- nominator (kube-scheduler's PodNominator) ---
  bool add_nominated_pod(py::handle obj, const std::optional<std::string>& node_name) {
    PodSpecIn spec = pod_from_object(obj);
    std::string node = node_name ? *node_name : spec.nominated_node_name;
    if (node.empty()) {
      throw ConversionError(
          node_name ? "node_name: must not be empty"
                    : "status.nominatedNodeName: required when no node_name is given (pod '" +
                          spec.ns + "/" + spec.name + "')");
    }
    std::lock_guard<std::recursive_mutex> lk(mu_);
    return cache_.add_nominated_pod(cache_.compile_pod(spec), spec.ns + "/" + spec.name, node);
  }
  bool delete_nominated_pod_if_exists(const std::string& ns, const std::string& name) {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    return cache_.delete_nominated_pod_if_exists(ns + "/" + name);
  }
  std::vector<std::string> nominated_pods_for_node(const std::string& node_name) {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    return cache_.nominated_pods_for_node(node_name);
  }
  std::optional<std::string> nominated_node(const std::string& ns, const std::string& name) {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    const NominatedPod* np = cache_.nominated_pod(ns + "/" + name);
    return np ? std::optional<std::string>(np->node_name) : std::nullopt;
  }

  void add_namespace(py::handle obj) {
    NamespaceSpecIn n = namespace_from_object(obj);
    std::lock_guard<std::recursive_mutex> lk(mu_);
    cache_.add_namespace(n);
  }
  void remove_namespace(const std::string& name) {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    cache_.remove_namespace(name);
  }
  void add_object(py::handle obj) {
    ObjectSpecIn o = object_from_object(obj);
    std::lock_guard<std::recursive_mutex> lk(mu_);
    cache_.add_object(o);
  }
  void remove_object(py::handle obj) {
    ObjectSpecIn o = object_from_object(obj);
    std::lock_guard<std::recursive_mutex> lk(mu_);
    cache_.remove_object(o.kind, o.ns, o.name);
  }

  std::size_t num_nodes() {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    return cache_.num_nodes();
  }
  std::size_t num_pods() {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    return cache_.num_pods();
  }
  std::vector<std::string> node_names() {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    std::vector<std::string> out;
    for (auto r : cache_.live_rows())
      out.push_back(cache_.table().rows[static_cast<std::size_t>(r)].name);
    return out;
  }
  std::vector<std::string> row_names() {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    return row_names_locked();
  }
  std::optional<std::string> pod_node(const std::string& ns, const std::string& name) {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    const PodRecord* rec = cache_.find_pod(ns + "/" + name);
    if (!rec) return std::nullopt;
    return cache_.table().rows[static_cast<std::size_t>(rec->row)].name;
  }

  // --- scheduling ---
  ResultTuple schedule(py::handle obj, bool assume) {
    PodSpecIn spec = pod_from_object(obj);
    Framework& fw = framework_for(spec);
    CycleResult res;
    std::string node;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::recursive_mutex> lk(mu_);
      res = run_one(fw, spec, nullptr, assume, spec.ns, spec.name, spec.uid, nullptr);
      if (res.row >= 0) node = cache_.table().rows[static_cast<std::size_t>(res.row)].name;
    }
    return ResultTuple(result_tuple(fw, res, node));
  }

  StrDict explain(py::handle obj) {
    PodSpecIn spec = pod_from_object(obj);
    Framework& fw = framework_for(spec);
    CycleResult res;
    CycleDetail det;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::recursive_mutex> lk(mu_);
      DecisionState saved = save_decision_state();
      res = run_one(fw, spec, nullptr, false, spec.ns, spec.name, spec.uid, &det);
      restore_decision_state(saved);
    }
    return StrDict(detail_dict(fw, res, det));
  }

  // Fidelity/explain with a state-changing option (used by the replay): schedules, returns detail.
  StrDict schedule_detail(py::handle obj, bool assume) {
    PodSpecIn spec = pod_from_object(obj);
    Framework& fw = framework_for(spec);
    CycleResult res;
    CycleDetail det;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::recursive_mutex> lk(mu_);
      res = run_one(fw, spec, nullptr, assume, spec.ns, spec.name, spec.uid, &det);
    }
    return StrDict(detail_dict(fw, res, det));
  }

  // The scheduler names of the profiles, in order.
  std::vector<std::string> scheduler_names() const {
    std::vector<std::string> out;
    for (const auto& p : profiles_) out.push_back(p.scheduler_name);
    return out;
  }

  // schedule_batch over a template (count copies named prefix + index) or a list of pods.
  StrDict schedule_batch(py::handle pods, py::object tmpl, const std::string& prefix,
                         std::int64_t count, bool assume, bool dry_run) {
    std::vector<PodSpecIn> specs;
    std::vector<Framework*> fws;  // the profile of every pod (validated before any cycle runs)
    auto keys = std::make_shared<std::vector<std::string>>();
    const PodTemplate* t = nullptr;
    Framework* tfw = nullptr;
    if (!tmpl.is_none()) {
      t = tmpl.cast<const PodTemplate*>();
      tfw = &framework_for(t->spec);
    } else {
      py::list l = PyList_Check(pods.ptr()) ? py::reinterpret_borrow<py::list>(pods)
                                            : py::list(py::reinterpret_borrow<py::object>(pods));
      specs.reserve(l.size());
      fws.reserve(l.size());
      keys->reserve(l.size());
      for (std::size_t i = 0; i < l.size(); ++i) {
        try {
          specs.push_back(pod_from_object(PyList_GET_ITEM(l.ptr(), static_cast<Py_ssize_t>(i))));
        } catch (const ConversionError& e) {
          throw ConversionError("pods[" + std::to_string(i) + "]: " + e.what());
        }
        fws.push_back(&framework_for(specs.back(), static_cast<std::ptrdiff_t>(i)));
        keys->push_back(specs.back().ns + "/" + specs.back().name);
      }
      count = static_cast<std::int64_t>(specs.size());
    }
    auto n = static_cast<std::size_t>(count);
    py::array_t<std::int32_t> node_index(static_cast<py::ssize_t>(n));
    py::array_t<std::uint8_t> codes(static_cast<py::ssize_t>(n));
    py::array_t<std::int64_t> latency(static_cast<py::ssize_t>(n));
    std::int32_t* ni = node_index.mutable_data();
    std::uint8_t* cd = codes.mutable_data();
    std::int64_t* lat = latency.mutable_data();
    std::vector<std::pair<std::size_t, CycleResult>> failures;  // with the pod's framework below
    std::vector<const Framework*> failure_fw;
    std::shared_ptr<const std::vector<std::string>> names;
    std::string error;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::recursive_mutex> lk(mu_);
      DecisionState saved = save_decision_state();
      std::optional<Nominator> saved_nominations;
      if (dry_run && cache_.num_nominated() > 0) saved_nominations = cache_.nominator();
      std::vector<std::string> placed;
      PodInfoPtr compiled;
      try {
        if (t) compiled = cache_.compile_pod(t->spec);
        for (std::size_t i = 0; i < n; ++i) {
          CycleResult res;
          if (t) {
            std::string name = prefix + std::to_string(i);
            res = run_one(*tfw, t->spec, &compiled, assume || dry_run, t->spec.ns, name,
                          std::string(), nullptr);
            if (res.row >= 0 && (assume || dry_run)) placed.push_back(t->spec.ns + "/" + name);
          } else {
            res = run_one(*fws[i], specs[i], nullptr, assume || dry_run, specs[i].ns, specs[i].name,
                          specs[i].uid, nullptr);
            if (res.row >= 0 && (assume || dry_run))
              placed.push_back(specs[i].ns + "/" + specs[i].name);
          }
          ni[i] = res.row;
          cd[i] = static_cast<std::uint8_t>(res.code);
          lat[i] = res.latency_ns;
          if (res.code != Code::kSuccess) {
            failure_fw.push_back(t ? tfw : fws[i]);
            failures.emplace_back(i, std::move(res));
          }
        }
      } catch (...) {
        if (dry_run) {
          for (auto it = placed.rbegin(); it != placed.rend(); ++it) cache_.remove_pod(*it);
          restore_decision_state(saved);
          if (saved_nominations) cache_.set_nominator(std::move(*saved_nominations));
        }
        throw;
      }
      if (dry_run) {
        for (auto it = placed.rbegin(); it != placed.rend(); ++it) cache_.remove_pod(*it);
        restore_decision_state(saved);
        if (saved_nominations) cache_.set_nominator(std::move(*saved_nominations));
      }
      // Row names change only with nodes (which bump the epoch): one immutable copy per epoch is
      // shared by every result, and Python strings are made only for the rows looked up.
      if (cache_.epoch() != row_names_epoch_ || !row_names_) {
        row_names_ = std::make_shared<const std::vector<std::string>>(row_names_locked());
        row_names_epoch_ = cache_.epoch();
      }
      names = row_names_;
    }
    py::dict fails;
    PluginSets sets;
    for (std::size_t f = 0; f < failures.size(); ++f) {
      auto& [i, res] = failures[f];
      py::object nom =
          res.nominated_row >= 0
              ? py::object(py::str((*names)[static_cast<std::size_t>(res.nominated_row)]))
              : py::object(py::none());
      fails[py::int_(i)] = py::make_tuple(res.message, nom, res.victims,
                                          sets.get(*failure_fw[f], res.unschedulable_plugins),
                                          sets.get(*failure_fw[f], res.pending_plugins));
    }
    py::dict out("node_index"_a = node_index, "codes"_a = codes, "latency_ns"_a = latency,
                 "node_names"_a = RowNames{names}, "failures"_a = fails);
    if (!t) out["keys"] = PodKeys{std::move(keys)};
    return StrDict(out);
  }

  // --- snapshot ---
  std::shared_ptr<Snapshot> snapshot() {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    return snapshot_locked();
  }

  // --- debug entry points (one plugin, one pod) ---
  py::array_t<std::uint8_t> debug_filter(py::handle obj, const std::string& plugin) {
    PodSpecIn spec = pod_from_object(obj);
    int id = native_plugin_id(plugin);
    if (id < 0) throw py::value_error("unknown plugin '" + plugin + "'");
    Framework& fw = framework_for(spec);
    std::lock_guard<std::recursive_mutex> lk(mu_);
    auto v = fw.debug_filter(cache_.compile_pod(spec), id);
    return py::array_t<std::uint8_t>(static_cast<py::ssize_t>(v.size()), v.data());
  }
  py::array_t<std::int64_t> debug_score(py::handle obj, const std::string& plugin,
                                        bool normalized) {
    PodSpecIn spec = pod_from_object(obj);
    int id = native_plugin_id(plugin);
    if (id < 0) throw py::value_error("unknown plugin '" + plugin + "'");
    Framework& fw = framework_for(spec);
    std::lock_guard<std::recursive_mutex> lk(mu_);
    std::string error;
    auto v = fw.debug_score(cache_.compile_pod(spec), id, normalized, &error);
    if (!error.empty()) throw py::value_error(error);
    return py::array_t<std::int64_t>(static_cast<py::ssize_t>(v.size()), v.data());
  }

  void set_equivalence_cache(bool on) {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    for (auto& p : profiles_) p.fw->set_equivalence_cache(on);
  }
  void set_equivalence_coarse_domains(std::size_t n) {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    for (auto& p : profiles_) p.fw->set_equivalence_coarse_domains(n);
  }
  // Cycles decided by the equivalence-class cache, summed over profiles.
  std::uint64_t cache_hits() {
    std::lock_guard<std::recursive_mutex> lk(mu_);
    std::uint64_t n = 0;
    for (const auto& p : profiles_) n += p.fw->cache_hits();
    return n;
  }
  const std::string& current_name() const { return current_name_; }

 private:
  std::vector<std::string> row_names_locked() {
    std::vector<std::string> out(cache_.table().capacity);
    for (auto r : cache_.live_rows())
      out[static_cast<std::size_t>(r)] = cache_.table().rows[static_cast<std::size_t>(r)].name;
    return out;
  }

  std::shared_ptr<Snapshot> snapshot_locked() {
    const NodeTable& t = cache_.table();
    if (snap_ && snap_.use_count() == 1 && snap_->n == t.capacity &&
        snap_->allocatable.size() == t.allocatable.size() &&
        snap_->label_domain.size() == t.labels.size() && snap_->taint_words == t.taint_words) {
      fill_meta(*snap_, cache_);
      for (std::size_t r = 0; r < snap_->n; ++r) {
        if (snap_->generation[r] != t.generation[r]) fill_row(*snap_, cache_, r);
      }
      return snap_;
    }
    snap_ = full_snapshot(cache_);
    return snap_;
  }

  // The framework of the profile that schedules `spec` (its spec.schedulerName, "" meaning
  // default-scheduler). Throws UnknownScheduler (prefixed "pods[index]: " for an item of a
  // batch) when no profile serves it.
  Framework& framework_for(const PodSpecIn& spec, std::ptrdiff_t index = -1) {
    if (!match_scheduler_name_) return *profiles_.front().fw;
    std::string_view want = spec.scheduler_name.empty() ? std::string_view("default-scheduler")
                                                        : std::string_view(spec.scheduler_name);
    for (auto& p : profiles_) {
      if (p.scheduler_name == want) return *p.fw;
    }
    std::string known;
    for (const auto& p : profiles_) known += (known.empty() ? "'" : ", '") + p.scheduler_name + "'";
    std::string where = index >= 0 ? "pods[" + std::to_string(index) + "]: " : std::string();
    throw UnknownScheduler(where + "pod '" + spec.ns + "/" + spec.name + "': spec.schedulerName '" +
                           std::string(want) +
                           "' is not served by this scheduler (profiles: " + known + ")");
  }

  // What a cycle changes besides the cluster state: every profile's tie-breaking generator and
  // the shared sampling start index. Saved and restored around explain() and dry runs.
  struct DecisionState {
    std::vector<Rng> rngs;
    std::size_t next_start = 0;
  };
  DecisionState save_decision_state() {
    DecisionState d;
    for (auto& p : profiles_) d.rngs.push_back(p.fw->rng());
    d.next_start = next_start_;
    return d;
  }
  void restore_decision_state(const DecisionState& d) {
    for (std::size_t i = 0; i < profiles_.size(); ++i) profiles_[i].fw->rng() = d.rngs[i];
    next_start_ = d.next_start;
  }

  // One cycle; caller holds mu_ (GIL released). Assumes on success when `assume`.
  CycleResult run_one(Framework& fw, const PodSpecIn& spec, PodInfoPtr* compiled, bool assume,
                      const std::string& ns, const std::string& name, const std::string& uid,
                      CycleDetail* det) {
    std::string key = ns + "/" + name;
    if (cache_.has_pod(key)) throw AlreadyExists("pod '" + key + "' already exists");
    PodInfoPtr info = compiled ? *compiled : cache_.compile_pod_shared(spec);
    current_name_ = name;
    CycleResult res = fw.schedule(info, det, key);
    if (res.code == Code::kSuccess && assume) cache_.add_pod_as(info, ns, name, uid, res.row, true);
    return res;
  }

  py::tuple result_tuple(const Framework& fw, const CycleResult& res, const std::string& node) {
    py::object n = res.row >= 0 ? py::object(py::str(node)) : py::object(py::none());
    py::object nom = py::none();
    if (res.nominated_row >= 0)
      nom = py::str(cache_.table().rows[static_cast<std::size_t>(res.nominated_row)].name);
    PluginSets sets;
    return py::make_tuple(static_cast<int>(res.code), n, res.message, nom, res.victims,
                          res.latency_ns, sets.get(fw, res.unschedulable_plugins),
                          sets.get(fw, res.pending_plugins));
  }

  py::dict detail_dict(const Framework& fw, const CycleResult& res, const CycleDetail& det) {
    const NodeTable& t = cache_.table();
    auto name = [&](std::int32_t row) { return t.rows[static_cast<std::size_t>(row)].name; };
    py::list feasible, failures, top, ties, cands;
    for (auto r : det.feasible_rows) feasible.append(name(r));
    for (const auto& f : det.failures)
      failures.append(py::make_tuple(name(f.row), f.plugin, static_cast<int>(f.code), f.reasons));
    for (auto r : det.top_rows) top.append(name(r));
    for (auto r : det.nomination_ties) ties.append(name(r));
    for (const auto& c : det.candidates)
      cands.append(py::make_tuple(name(c.row), c.victims, c.pdb_violations));
    std::size_t np = det.score_plugins.size();
    std::size_t nf = det.feasible_rows.size();
    py::array_t<std::int64_t> scores(
        {static_cast<py::ssize_t>(np ? nf : 0), static_cast<py::ssize_t>(np)});
    if (np && nf) std::copy(det.scores.begin(), det.scores.end(), scores.mutable_data());
    py::array_t<std::int64_t> totals(static_cast<py::ssize_t>(det.totals.size()));
    if (!det.totals.empty()) std::copy(det.totals.begin(), det.totals.end(), totals.mutable_data());
    py::object node = res.row >= 0 ? py::object(py::str(name(res.row))) : py::object(py::none());
    py::object nom = res.nominated_row >= 0 ? py::object(py::str(name(res.nominated_row)))
                                            : py::object(py::none());
    PluginSets sets;
    return py::dict(
        "code"_a = static_cast<int>(res.code), "node"_a = node, "message"_a = res.message,
        "nominated_node"_a = nom, "victims"_a = res.victims, "latency_ns"_a = res.latency_ns,
        "feasible"_a = feasible, "failures"_a = failures, "score_plugins"_a = det.score_plugins,
        "weights"_a = det.weights, "scores"_a = scores, "totals"_a = totals, "top_nodes"_a = top,
        "post_filter_status"_a = det.post_filter_status, "nomination_ties"_a = ties,
        "candidates"_a = cands, "prefilter_rejected"_a = det.prefilter_rejected,
        "unschedulable_plugins"_a = sets.get(fw, res.unschedulable_plugins),
        "pending_plugins"_a = sets.get(fw, res.pending_plugins),
        "prefilter_result"_a = det.has_prefilter_result
                                   ? py::object(py::cast(det.prefilter_result_names))
                                   : py::object(py::none()));
  }

  std::recursive_mutex mu_;
  SchedulerCache cache_;
  struct Profile {
    std::string scheduler_name;
    std::unique_ptr<Framework> fw;
  };
  bool match_scheduler_name_ = true;
  std::vector<Profile> profiles_;  // at least one; declared after cache_ (frameworks refer to it)
  std::size_t next_start_ = 0;     // kube-scheduler's nextStartNodeIndex, shared by all profiles
  std::shared_ptr<Snapshot> snap_;
  // Row names as last handed to Python (schedule_batch), valid while the epoch is unchanged.
  std::shared_ptr<const std::vector<std::string>> row_names_;
  std::uint64_t row_names_epoch_ = 0;
  std::string current_name_;
};

template <class T>
py::array view(const std::vector<T>& col, py::handle owner) {
  py::array_t<T> arr({static_cast<py::ssize_t>(col.size())}, {static_cast<py::ssize_t>(sizeof(T))},
                     col.data(), owner);
  py::detail::array_proxy(arr.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return arr;
}

struct SnapshotHandle {
  std::shared_ptr<const Snapshot> s;
};

}  // namespace

void register_scheduler(py::module_& m) {
  auto base_err =
      py::register_exception<ConversionError>(m, "InvalidObjectError", PyExc_ValueError);
  py::register_exception<InvalidInput>(m, "InvalidInputError", base_err.ptr());
  py::register_exception<NotFound>(m, "NotFoundError", PyExc_KeyError);
  py::register_exception<AlreadyExists>(m, "AlreadyExistsError", PyExc_ValueError);
  py::register_exception<UnknownScheduler>(m, "UnknownSchedulerError", PyExc_ValueError);

  m.def(
      "parse_quantity",
      [](const std::string& text, bool milli) {
        QuantityResult r = parse_quantity(text, milli);
        if (!r.ok) throw ConversionError(r.error);
        return r.value;
      },
      "text"_a, "milli"_a = false,
      R"pbdoc(Parse a Kubernetes quantity; ceil(value * 1000) when milli, else ceil(value).)pbdoc");
  m.def(
      "plugin_names",
      []() {
        std::vector<std::string> out;
        for (int i = 0; i < kNumNativePlugins; ++i) out.emplace_back(native_plugin_name(i));
        return out;
      },
      R"pbdoc(Names of the native plugins.)pbdoc");

  py::class_<PodTemplate>(m, "PodTemplate",
                          R"pbdoc(A pod converted once (for batches of copies).)pbdoc")
      .def(py::init([](py::handle obj) { return PodTemplate{pod_from_object(obj)}; }), "pod"_a)
      .def_property_readonly(
          "namespace", [](const PodTemplate& t) { return t.spec.ns; },
          R"pbdoc(metadata.namespace (default "default").)pbdoc")
      .def_property_readonly(
          "name", [](const PodTemplate& t) { return t.spec.name; }, R"pbdoc(metadata.name.)pbdoc");

  py::class_<RowNames>(
      m, "RowNames",
      R"pbdoc(Node names by row at the end of a batch (an immutable sequence).)pbdoc")
      .def(
          "__len__", [](const RowNames& r) { return r.names->size(); },
          R"pbdoc(Number of rows.)pbdoc")
      .def(
          "__getitem__",
          [](const RowNames& r, py::ssize_t i) {
            auto n = static_cast<py::ssize_t>(r.names->size());
            if (i < 0) i += n;
            if (i < 0 || i >= n) throw py::index_error("row index out of range");
            return (*r.names)[static_cast<std::size_t>(i)];
          },
          "row"_a, R"pbdoc(Node name of a row ("" for a free row).)pbdoc");

  py::class_<PodKeys>(m, "PodKeys",
                      R"pbdoc(The "namespace/name" of the pods of a batch, in order.)pbdoc")
      .def(
          "__len__", [](const PodKeys& k) { return k.keys->size(); },
          R"pbdoc(Number of pods.)pbdoc")
      .def(
          "__getitem__",
          [](const PodKeys& k, py::ssize_t i) {
            auto n = static_cast<py::ssize_t>(k.keys->size());
            if (i < 0) i += n;
            if (i < 0 || i >= n) throw py::index_error("pod index out of range");
            return (*k.keys)[static_cast<std::size_t>(i)];
          },
          "index"_a, R"pbdoc(The key of one pod.)pbdoc");

  py::class_<SnapshotHandle>(m, "NodeTableHandle",
                             R"pbdoc(Immutable NodeTable snapshot; owns the column buffers.)pbdoc")
      .def_property_readonly(
          "size", [](const SnapshotHandle& h) { return h.s->n; }, R"pbdoc(Number of rows.)pbdoc")
      .def(
          "names", [](const SnapshotHandle& h) { return h.s->names; },
          R"pbdoc(Node name per row ("" for free rows).)pbdoc")
      .def(
          "resource_names", [](const SnapshotHandle& h) { return h.s->resource_names; },
          R"pbdoc(Resource names by resource index.)pbdoc")
      .def(
          "label_keys", [](const SnapshotHandle& h) { return h.s->label_keys; },
          R"pbdoc(Label keys by label column.)pbdoc")
      .def(
          "label_values",
          [](const SnapshotHandle& h, std::size_t k) { return h.s->label_values.at(k); },
          "column"_a, R"pbdoc(Label values by domain id of one label column.)pbdoc")
      .def(
          "taints", [](const SnapshotHandle& h) { return h.s->taints; },
          R"pbdoc(The taint universe ("key=value:Effect") by bit.)pbdoc")
      .def(
          "columns",
          [](py::object self) {
            const Snapshot& s = *self.cast<const SnapshotHandle&>().s;
            StrDict d;
            d["live"] = view(s.live, self);
            d["unschedulable"] = view(s.unschedulable, self);
            d["generation"] = view(s.generation, self);
            d["pod_count"] = view(s.pod_count, self);
            d["nonzero_cpu"] = view(s.nonzero_cpu, self);
            d["nonzero_memory"] = view(s.nonzero_mem, self);
            py::dict alloc, req, labels;
            for (std::size_t k = 0; k < s.resource_names.size(); ++k) {
              alloc[py::str(s.resource_names[k])] = view(s.allocatable[k], self);
              req[py::str(s.resource_names[k])] = view(s.requested[k], self);
            }
            for (std::size_t k = 0; k < s.label_keys.size(); ++k)
              labels[py::str(s.label_keys[k])] = view(s.label_domain[k], self);
            d["allocatable"] = alloc;
            d["requested"] = req;
            d["labels"] = labels;
            py::array_t<std::uint64_t> bits(
                {static_cast<py::ssize_t>(s.n), static_cast<py::ssize_t>(s.taint_words)},
                {static_cast<py::ssize_t>(s.taint_words * 8), static_cast<py::ssize_t>(8)},
                s.taint_bits.data(), self);
            py::detail::array_proxy(bits.ptr())->flags &=
                ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
            d["taint_bits"] = bits;
            return d;
          },
          R"pbdoc(Read-only zero-copy NumPy views of the snapshot's columns.)pbdoc");

  py::class_<NativeScheduler>(m, "NativeScheduler", R"pbdoc(
The scheduler cache (nodes, pods, nominations, namespaces, objects) and one framework per
profile. Use kcore.scheduler.Scheduler, which wraps this class with typed methods. Every call is
serialised by one lock; scheduling calls release the GIL while cycles run.
)pbdoc")
      .def(py::init<const py::typing::List<StrDict>&, std::uint64_t, bool>(), "profiles"_a,
           "seed"_a = 0, "match_scheduler_name"_a = true,
           R"pbdoc(Profiles are dicts from kcore.scheduler._profile.native_profile.)pbdoc")
      .def("scheduler_names", &NativeScheduler::scheduler_names,
           R"pbdoc(Scheduler names of the profiles, in order.)pbdoc")
      .def("add_node", &NativeScheduler::add_node, "node"_a, R"pbdoc(Add a v1.Node.)pbdoc")
      .def("update_node", &NativeScheduler::update_node, "node"_a,
           R"pbdoc(Replace a known node.)pbdoc")
      .def("remove_node", &NativeScheduler::remove_node, "name"_a,
           R"pbdoc(Remove a node and the pods bound to it.)pbdoc")
      .def("add_pod", &NativeScheduler::add_pod, "pod"_a, "assumed"_a = false,
           R"pbdoc(Add a pod bound to spec.nodeName.)pbdoc")
      .def("update_pod", &NativeScheduler::update_pod, "pod"_a,
           R"pbdoc(Replace a known pod (same namespace/name).)pbdoc")
      .def("remove_pod", &NativeScheduler::remove_pod, "namespace"_a, "name"_a,
           R"pbdoc(Remove a bound or assumed pod.)pbdoc")
      .def("assume", &NativeScheduler::assume, "pod"_a, "node_name"_a,
           R"pbdoc(Assume a pod on a node (binding not finished).)pbdoc")
      .def("forget", &NativeScheduler::forget, "namespace"_a, "name"_a, R"pbdoc(Undo assume.)pbdoc")
      .def("finish_binding", &NativeScheduler::finish_binding, "namespace"_a, "name"_a,
           R"pbdoc(Mark an assumed pod's binding as finished.)pbdoc")
      .def("add_nominated_pod", &NativeScheduler::add_nominated_pod, "pod"_a,
           "node_name"_a = py::none(),
           R"pbdoc(Nominate a pod to a node (default: status.nominatedNodeName).)pbdoc")
      .def("delete_nominated_pod_if_exists", &NativeScheduler::delete_nominated_pod_if_exists,
           "namespace"_a, "name"_a, R"pbdoc(Drop a pod's nomination; False if none.)pbdoc")
      .def("nominated_pods_for_node", &NativeScheduler::nominated_pods_for_node, "node_name"_a,
           R"pbdoc(Keys nominated to a node, in nomination order.)pbdoc")
      .def("nominated_node", &NativeScheduler::nominated_node, "namespace"_a, "name"_a,
           R"pbdoc(The node a pod is nominated to, or None.)pbdoc")
      .def("add_namespace", &NativeScheduler::add_namespace, "namespace"_a,
           R"pbdoc(Add or replace a v1.Namespace.)pbdoc")
      .def("remove_namespace", &NativeScheduler::remove_namespace, "name"_a,
           R"pbdoc(Remove a namespace.)pbdoc")
      .def("add_object", &NativeScheduler::add_object, "obj"_a,
           R"pbdoc(Add or replace a Service, ReplicaSet, StatefulSet,
ReplicationController, PodDisruptionBudget or PriorityClass.)pbdoc")
      .def("remove_object", &NativeScheduler::remove_object, "obj"_a,
           R"pbdoc(Remove an object added with add_object.)pbdoc")
      .def("num_nodes", &NativeScheduler::num_nodes, R"pbdoc(Number of nodes.)pbdoc")
      .def("num_pods", &NativeScheduler::num_pods, R"pbdoc(Number of bound and assumed pods.)pbdoc")
      .def("node_names", &NativeScheduler::node_names, R"pbdoc(Node names in row order.)pbdoc")
      .def("row_names", &NativeScheduler::row_names,
           R"pbdoc(Node name per row ("" for free rows).)pbdoc")
      .def("pod_node", &NativeScheduler::pod_node, "namespace"_a, "name"_a,
           R"pbdoc(The node a pod is bound or assumed to, or None.)pbdoc")
      .def("schedule", &NativeScheduler::schedule, "pod"_a, "assume"_a = true,
           R"pbdoc(One cycle: (code, node, message, nominated node, victims, latency ns).)pbdoc")
      .def("explain", &NativeScheduler::explain, "pod"_a,
           R"pbdoc(One cycle with every verdict and score; the state is unchanged.)pbdoc")
      .def("schedule_detail", &NativeScheduler::schedule_detail, "pod"_a, "assume"_a,
           R"pbdoc(One cycle with detail, optionally assuming the pod.)pbdoc")
      .def("schedule_batch", &NativeScheduler::schedule_batch, "pods"_a, "template"_a, "prefix"_a,
           "count"_a, "assume"_a, "dry_run"_a,
           R"pbdoc(Many cycles in one call (a list of pods, or count copies of a template).)pbdoc")
      .def(
          "snapshot", [](NativeScheduler& s) { return SnapshotHandle{s.snapshot()}; },
          R"pbdoc(Publish an immutable NodeTable snapshot.)pbdoc")
      .def("debug_filter", &NativeScheduler::debug_filter, "pod"_a, "plugin"_a,
           R"pbdoc(Per-row codes of one filter plugin for a pod.)pbdoc")
      .def("debug_score", &NativeScheduler::debug_score, "pod"_a, "plugin"_a, "normalized"_a = true,
           R"pbdoc(Per-row scores of one score plugin for a pod (every live row feasible): after
NormalizeScore, or raw (what Score returns) with normalized=False. A failing PreScore raises
ValueError with the framework's message.)pbdoc")
      .def("set_equivalence_cache", &NativeScheduler::set_equivalence_cache, "on"_a,
           R"pbdoc(Switch the equivalence-class cache (decisions are identical either way).)pbdoc")
      .def("set_equivalence_coarse_domains", &NativeScheduler::set_equivalence_coarse_domains,
           "n"_a, R"pbdoc(Tuning: keys with at most n domains enter classes by domain.)pbdoc")
      .def("cache_hits", &NativeScheduler::cache_hits,
           R"pbdoc(Cycles decided by the equivalence-class cache.)pbdoc")
      .def("current_name", &NativeScheduler::current_name,
           R"pbdoc(Name of the pod in flight (for Python plugins).)pbdoc");
}

}  // namespace kcore::bindings
