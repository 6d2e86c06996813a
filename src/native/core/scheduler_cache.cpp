// SchedulerCache: node rows, pod accounting and the incremental indexes (matchers, existing
// affinity terms, image states). Every mutation touches only the rows it changes and bumps their
// generation; structural changes (nodes, namespaces, objects) also bump `epoch_`.
#include "kcore/scheduler_cache.hpp"

#include <algorithm>
#include <cstring>
#include <map>

#include "kcore/validation.hpp"

namespace kcore {
namespace {

constexpr std::int64_t kDefaultMilliCPU = 100;
constexpr std::int64_t kDefaultMemory = 200LL * 1024 * 1024;

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

bool is_scalar_name(const std::string& name) {
  return name.find('/') != std::string::npos || starts_with(name, "hugepages-") ||
         starts_with(name, "attachable-volumes-");
}

std::uint8_t effect_of(const std::string& e) {
  if (e.empty()) return kEffectAll;
  if (e == "NoSchedule") return kNoSchedule;
  if (e == "PreferNoSchedule") return kPreferNoSchedule;
  if (e == "NoExecute") return kNoExecute;
  return kEffectOther;
}

std::string normalized_image(const std::string& image) {
  auto colon = image.rfind(':');
  auto slash = image.rfind('/');
  bool has_tag = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  return has_tag ? image : image + ":latest";
}

}  // namespace

SchedulerCache::SchedulerCache() {
  res_.intern("cpu");
  res_.intern("memory");
  res_.intern("ephemeral-storage");
  res_.intern("pods");
  res_scalar_ = {0, 0, 0, 0};
  t_.allocatable.resize(4);
  t_.requested.resize(4);
  str_.intern("0.0.0.0");
}

std::int32_t SchedulerCache::resource_index(const std::string& name) {
  std::int32_t r = res_.find(name);
  if (r >= 0) return r;
  if (!is_scalar_name(name)) return -1;
  r = res_.intern(name);
  res_scalar_.push_back(1);
  t_.allocatable.emplace_back(t_.capacity, 0);
  t_.requested.emplace_back(t_.capacity, 0);
  return r;
}

void SchedulerCache::ensure_row_capacity(std::size_t rows) {
  if (rows <= t_.capacity) return;
  std::size_t cap = std::max<std::size_t>(rows, t_.capacity * 2);
  t_.live.resize(cap, 0);
  t_.unschedulable.resize(cap, 0);
  t_.generation.resize(cap, 0);
  t_.pod_count.resize(cap, 0);
  for (auto& c : t_.allocatable) c.resize(cap, 0);
  for (auto& c : t_.requested) c.resize(cap, 0);
  t_.nonzero_cpu.resize(cap, 0);
  t_.nonzero_mem.resize(cap, 0);
  for (auto& c : t_.labels) {
    c.value.resize(cap, -1);
    c.domain.resize(cap, -1);
  }
  t_.taint_bits.resize(cap * t_.taint_words, 0);
  t_.rows.resize(cap);
  for (auto& [k, m] : matchers_) m->per_row.resize(cap, 0);
  for (auto& term : terms_) term.per_row.resize(cap, 0);
  t_.capacity = cap;
}

std::int32_t SchedulerCache::label_column(std::int32_t key) {
  if (static_cast<std::size_t>(key) >= t_.column_of_key.size()) {
    t_.column_of_key.resize(static_cast<std::size_t>(key) + 1, -1);
  }
  std::int32_t c = t_.column_of_key[static_cast<std::size_t>(key)];
  if (c >= 0) return c;
  LabelColumn col;
  col.key = key;
  col.value.assign(t_.capacity, -1);
  col.domain.assign(t_.capacity, -1);
  t_.labels.push_back(std::move(col));
  c = static_cast<std::int32_t>(t_.labels.size() - 1);
  t_.column_of_key[static_cast<std::size_t>(key)] = c;
  return c;
}

LabelSet SchedulerCache::intern_labels(const StringPairs& labels) {
  LabelSet out;
  out.reserve(labels.size());
  for (const auto& [k, v] : labels) out.emplace_back(str_.intern(k), str_.intern(v));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end(),
                        [](const auto& a, const auto& b) { return a.first == b.first; }),
            out.end());
  return out;
}

std::optional<std::int64_t> SchedulerCache::numeric(std::int32_t value_id) const {
  auto i = static_cast<std::size_t>(value_id);
  if (i >= numeric_state_.size()) {
    numeric_state_.resize(str_.size(), 0);
    numeric_value_.resize(str_.size(), 0);
  }
  if (numeric_state_[i] == 0) {
    auto v = parse_int64(str_.name(value_id));
    numeric_state_[i] = v ? 1 : -1;
    numeric_value_[i] = v.value_or(0);
  }
  if (numeric_state_[i] < 0) return std::nullopt;
  return numeric_value_[i];
}

// ------------------------------------------------------------------------------------------
// Nodes

std::int32_t SchedulerCache::row_of(const std::string& node_name) const {
  auto it = row_by_name_.find(node_name);
  return it == row_by_name_.end() ? -1 : it->second;
}

void SchedulerCache::clear_node_row(std::int32_t row) {
  auto r = static_cast<std::size_t>(row);
  NodeRowData& d = t_.rows[r];
  for (const auto& [k, v] : d.labels) {
    LabelColumn& col =
        t_.labels[static_cast<std::size_t>(t_.column_of_key[static_cast<std::size_t>(k)])];
    col.value[r] = -1;
    col.domain[r] = -1;
  }
  d.labels.clear();
  for (std::size_t w = 0; w < t_.taint_words; ++w) t_.taint_bits[r * t_.taint_words + w] = 0;
  d.taints.clear();
  for (auto name : d.images) {
    auto it = images_.find(name);
    if (it != images_.end() && --it->second.num_nodes <= 0) images_.erase(it);
    auto& rows = image_rows_[name];
    rows.erase(std::remove(rows.begin(), rows.end(), row), rows.end());
    if (rows.empty()) image_rows_.erase(name);
  }
  d.images.clear();
  for (auto& c : t_.allocatable) c[r] = 0;
  t_.unschedulable[r] = 0;
}

void SchedulerCache::set_node_row(std::int32_t row, const NodeSpecIn& node, bool fresh) {
  auto r = static_cast<std::size_t>(row);
  if (!fresh) clear_node_row(row);
  NodeRowData& d = t_.rows[r];
  d.name = node.name;
  d.labels = intern_labels(node.labels);
  for (const auto& [k, v] : d.labels) {
    LabelColumn& col = t_.labels[static_cast<std::size_t>(label_column(k))];
    col.value[r] = v;
    auto it = col.domain_of_value.find(v);
    std::int32_t dom;
    if (it == col.domain_of_value.end()) {
      dom = static_cast<std::int32_t>(col.domain_value.size());
      col.domain_value.push_back(v);
      col.domain_of_value.emplace(v, dom);
    } else {
      dom = it->second;
    }
    col.domain[r] = dom;
  }
  t_.unschedulable[r] = node.unschedulable ? 1 : 0;
  // Taints: intern into the universe, grow the bitset width when needed.
  for (const auto& ts : node.taints) {
    Taint t{str_.intern(ts.key), str_.intern(ts.value), effect_of(ts.effect)};
    std::uint64_t h = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(t.key)) << 34) ^
                      (static_cast<std::uint64_t>(static_cast<std::uint32_t>(t.value)) << 3) ^
                      t.effect;
    std::int32_t id = -1;
    auto it = taint_ids_.find(h);
    if (it != taint_ids_.end() && taints_[static_cast<std::size_t>(it->second)] == t) {
      id = it->second;
    } else {
      for (std::size_t i = 0; i < taints_.size() && id < 0; ++i) {
        if (taints_[i] == t) id = static_cast<std::int32_t>(i);
      }
      if (id < 0) {
        id = static_cast<std::int32_t>(taints_.size());
        taints_.push_back(t);
        taint_ids_[h] = id;
        std::size_t need = (taints_.size() + 63) / 64;
        if (need > t_.taint_words) {
          std::vector<std::uint64_t> bits(t_.capacity * need, 0);
          for (std::size_t i = 0; i < t_.capacity; ++i) {
            for (std::size_t w = 0; w < t_.taint_words; ++w) {
              bits[i * need + w] = t_.taint_bits[i * t_.taint_words + w];
            }
          }
          t_.taint_bits.swap(bits);
          t_.taint_words = need;
        }
      }
    }
    d.taints.push_back(id);
    auto u = static_cast<std::size_t>(id);
    t_.taint_bits[r * t_.taint_words + u / 64] |= (std::uint64_t{1} << (u % 64));
  }
  for (const auto& [name, v] : node.allocatable) {
    std::int32_t res = resource_index(name);
    if (res < 0) continue;
    t_.allocatable[static_cast<std::size_t>(res)][r] = v;
  }
  for (const auto& img : node.images) {
    for (const auto& n : img.names) {
      std::int32_t id = str_.intern(n);
      if (std::find(d.images.begin(), d.images.end(), id) != d.images.end()) continue;
      d.images.push_back(id);
      auto it = images_.find(id);
      if (it == images_.end()) {
        images_.emplace(id, ImageState{img.size_bytes, 1});
      } else {
        it->second.num_nodes += 1;
      }
      image_rows_[id].push_back(row);
    }
  }
}

void SchedulerCache::add_node(const NodeSpecIn& node) {
  if (node.name.empty()) throw InvalidInput("node: metadata.name is required");
  if (row_by_name_.count(node.name)) throw AlreadyExists("node '" + node.name + "' already exists");
  for (const auto& [name, v] : node.allocatable) {
    if (v < 0)
      throw InvalidInput("node '" + node.name + "': status.allocatable." + name + " is negative");
  }
  std::int32_t row;
  if (!free_rows_.empty()) {
    row = free_rows_.back();
    free_rows_.pop_back();
  } else {
    row = static_cast<std::int32_t>(live_rows_.size() + free_rows_.size());
    ensure_row_capacity(static_cast<std::size_t>(row) + 1);
  }
  auto r = static_cast<std::size_t>(row);
  t_.live[r] = 1;
  t_.pod_count[r] = 0;
  for (auto& c : t_.requested) c[r] = 0;
  t_.nonzero_cpu[r] = 0;
  t_.nonzero_mem[r] = 0;
  t_.rows[r] = NodeRowData{};
  set_node_row(row, node, true);
  row_by_name_[node.name] = row;
  live_rows_.insert(std::upper_bound(live_rows_.begin(), live_rows_.end(), row), row);
  bump_row(row);
  ++epoch_;
}

void SchedulerCache::update_node(const NodeSpecIn& node) {
  std::int32_t row = row_of(node.name);
  if (row < 0) throw NotFound("node '" + node.name + "' not found");
  for (const auto& [name, v] : node.allocatable) {
    if (v < 0)
      throw InvalidInput("node '" + node.name + "': status.allocatable." + name + " is negative");
  }
  set_node_row(row, node, false);
  bump_row(row);
  ++epoch_;
}

void SchedulerCache::remove_node(const std::string& name) {
  std::int32_t row = row_of(name);
  if (row < 0) throw NotFound("node '" + name + "' not found");
  // Pods bound to a removed node leave the cache with it (kube-scheduler keeps them in a
  // node-less NodeInfo that no snapshot lists, so they affect nothing either way).
  std::vector<std::int32_t> slots = t_.rows[static_cast<std::size_t>(row)].pods;
  for (auto slot : slots) remove_pod(pods_[static_cast<std::size_t>(slot)].key);
  clear_node_row(row);
  auto r = static_cast<std::size_t>(row);
  t_.live[r] = 0;
  t_.rows[r] = NodeRowData{};
  row_by_name_.erase(name);
  live_rows_.erase(std::lower_bound(live_rows_.begin(), live_rows_.end(), row));
  free_rows_.push_back(row);
  bump_row(row);
  ++epoch_;
}

// ------------------------------------------------------------------------------------------
// Pods

void SchedulerCache::compile_requirements(const std::vector<RequirementSpec>& reqs,
                                          CompiledSelector& out) {
  for (const auto& rs : reqs) {
    CompiledRequirement r;
    r.key = str_.intern(rs.key);
    r.op = rs.op;
    switch (rs.op) {
      case SelOp::kIn:
      case SelOp::kNotIn:
        if (rs.values.empty()) out.nothing = true;  // invalid requirement: selector errors
        for (const auto& v : rs.values) r.values.push_back(str_.intern(v));
        std::sort(r.values.begin(), r.values.end());
        r.values.erase(std::unique(r.values.begin(), r.values.end()), r.values.end());
        break;
      case SelOp::kExists:
      case SelOp::kDoesNotExist:
        if (!rs.values.empty()) out.nothing = true;
        break;
      case SelOp::kGt:
      case SelOp::kLt:
        if (rs.values.size() != 1) {
          out.nothing = true;
        } else {
          auto n = parse_int64(rs.values[0]);
          if (!n) {
            out.nothing = true;
          } else {
            r.number = *n;
            r.number_ok = true;
          }
        }
        break;
    }
    out.reqs.push_back(std::move(r));
  }
}

void SchedulerCache::compile_selector(const LabelSelectorSpec& s, CompiledSelector& out,
                                      bool nil_is_nothing) {
  out = CompiledSelector{};
  if (!s.present) {
    out.nothing = nil_is_nothing;
    return;
  }
  for (const auto& [k, v] : s.match_labels) {
    CompiledRequirement r;
    r.key = str_.intern(k);
    r.op = SelOp::kIn;
    r.values.push_back(str_.intern(v));
    out.reqs.push_back(std::move(r));
  }
  compile_requirements(s.match_expressions, out);
  std::sort(out.reqs.begin(), out.reqs.end(), [](const auto& a, const auto& b) {
    return std::tie(a.key, a.op, a.values) < std::tie(b.key, b.op, b.values);
  });
  if (out.nothing) out.reqs.clear();
}

// nodeaffinity.newNodeSelectorTerm: label requirements through labels.NewRequirement (keys and
// values validated, Gt/Lt operands parsed), fields In/NotIn with one value. A term with a parse
// error matches no node (LazyErrorNodeSelector); `errors` (optional) receives the messages.
void SchedulerCache::compile_node_term(const NodeSelectorTermSpec& t, NodeTerm& out,
                                       const std::string& path, std::vector<std::string>* errors) {
  std::vector<std::string> errs;
  node_selector_term_errors(t, path, errs);
  out.error = !errs.empty();
  if (errors) errors->insert(errors->end(), errs.begin(), errs.end());
  if (out.error) return;
  CompiledSelector sel;
  compile_requirements(t.match_expressions, sel);
  out.exprs = std::move(sel.reqs);
  for (const auto& f : t.match_fields) {
    out.fields.push_back(
        FieldRequirement{f.op == SelOp::kIn, f.key == "metadata.name", f.values[0]});
  }
}

void SchedulerCache::compile_affinity_term(const PodAffinityTermSpec& t, const std::string& pod_ns,
                                           AffinityTerm& out) {
  compile_selector(t.selector, out.selector, true);
  if (t.namespaces.empty() && !t.namespace_selector.present) {
    out.namespaces.push_back(str_.intern(pod_ns));
  } else {
    for (const auto& n : t.namespaces) out.namespaces.push_back(str_.intern(n));
  }
  std::sort(out.namespaces.begin(), out.namespaces.end());
  out.namespaces.erase(std::unique(out.namespaces.begin(), out.namespaces.end()),
                       out.namespaces.end());
  compile_selector(t.namespace_selector, out.ns_selector, true);
  out.topology_key = str_.intern(t.topology_key);
  out.weight = t.weight;
}

PodInfoPtr SchedulerCache::compile_pod(const PodSpecIn& spec) {
  auto p = std::make_shared<PodInfo>();
  auto who = [&spec] { return "pod '" + spec.ns + "/" + spec.name + "'"; };  // errors only
  if (spec.name.empty()) throw InvalidInput("pod: metadata.name is required");
  p->ns_name = spec.ns;
  p->name = spec.name;
  p->uid = spec.uid;
  p->ns = str_.intern(spec.ns);
  p->labels = intern_labels(spec.labels);
  p->node_name = spec.node_name;
  p->nominated_node_name = spec.nominated_node_name;

  // --- requests (component-helpers resource.PodRequests) ---
  // Dense per-resource sums (index = resource index, absent = 0: every amount is >= 0), in two
  // lanes computed in one pass: actual requests and the scoring variant in which a container
  // without a cpu (memory) request asks for 100m (200Mi).
  struct Lanes {
    std::vector<std::int64_t> a, z;
  };
  auto checked_add_ = [&who](std::int64_t x, std::int64_t y) {
    std::int64_t r;
    if (__builtin_add_overflow(x, y, &r)) throw InvalidInput(who() + ": request overflows int64");
    return r;
  };
  auto at = [](std::vector<std::int64_t>& v, std::size_t r) -> std::int64_t& {
    if (v.size() <= r) v.resize(r + 1, 0);
    return v[r];
  };
  auto add_into = [&](Lanes& m, const Lanes& o) {
    for (std::size_t r = 0; r < o.a.size(); ++r)
      if (o.a[r] != 0) at(m.a, r) = checked_add_(at(m.a, r), o.a[r]);
    for (std::size_t r = 0; r < o.z.size(); ++r)
      if (o.z[r] != 0) at(m.z, r) = checked_add_(at(m.z, r), o.z[r]);
  };
  auto max_into = [&](Lanes& m, const Lanes& o) {
    for (std::size_t r = 0; r < o.a.size(); ++r) at(m.a, r) = std::max(at(m.a, r), o.a[r]);
    for (std::size_t r = 0; r < o.z.size(); ++r) at(m.z, r) = std::max(at(m.z, r), o.z[r]);
  };
  Lanes c;
  c.a.reserve(res_.size() + 2);
  c.z.reserve(res_.size() + 2);
  auto container_lanes = [&](const ContainerSpec& ct, const char* list, std::size_t i) {
    c.a.assign(c.a.size(), 0);
    c.z.assign(c.z.size(), 0);
    bool has_cpu = false, has_mem = false;
    for (const auto& [name, v] : ct.requests) {
      if (v < 0) {
        throw InvalidInput(who() + ": spec." + list + "[" + std::to_string(i) +
                           "].resources.requests." + name + " is negative");
      }
      const std::string_view nv(name);
      if (nv == "cpu") has_cpu = true;
      if (nv == "memory") has_mem = true;
      std::int32_t r = resource_index(name);
      if (r < 0 || r == kResPods) continue;
      auto ri = static_cast<std::size_t>(r);
      at(c.a, ri) = checked_add_(at(c.a, ri), v);
      at(c.z, ri) = checked_add_(at(c.z, ri), v);
    }
    if (!has_cpu) at(c.z, kResCpu) = kDefaultMilliCPU;
    if (!has_mem) at(c.z, kResMemory) = kDefaultMemory;
  };
  Lanes reqs;
  for (std::size_t i = 0; i < spec.containers.size(); ++i) {
    container_lanes(spec.containers[i], "containers", i);
    add_into(reqs, c);
  }
  if (!spec.init_containers.empty()) {
    Lanes restartable, init_max, step;
    for (std::size_t i = 0; i < spec.init_containers.size(); ++i) {
      container_lanes(spec.init_containers[i], "initContainers", i);
      if (spec.init_containers[i].restartable) {
        add_into(reqs, c);
        add_into(restartable, c);
        max_into(init_max, restartable);
      } else {
        step = c;
        add_into(step, restartable);
        max_into(init_max, step);
      }
    }
    max_into(reqs, init_max);
  }
  for (const auto& [name, v] : spec.pod_requests) {
    if (v < 0) throw InvalidInput(who() + ": spec.resources.requests." + name + " is negative");
    if (name == "cpu" || name == "memory" || starts_with(name, "hugepages-")) {
      std::int32_t r = resource_index(name);
      if (r >= 0)
        at(reqs.a, static_cast<std::size_t>(r)) = at(reqs.z, static_cast<std::size_t>(r)) = v;
    }
  }
  for (const auto& [name, v] : spec.overhead) {
    if (v < 0) throw InvalidInput(who() + ": spec.overhead." + name + " is negative");
    std::int32_t r = resource_index(name);
    if (r < 0 || r == kResPods) continue;
    auto ri = static_cast<std::size_t>(r);
    at(reqs.a, ri) = checked_add_(at(reqs.a, ri), v);
    at(reqs.z, ri) = checked_add_(at(reqs.z, ri), v);
  }
  for (std::size_t r = 0; r < reqs.a.size(); ++r) {
    if (reqs.a[r] == 0) continue;
    p->requests.emplace_back(static_cast<std::int32_t>(r), reqs.a[r]);
    p->requests_nothing = false;
  }
  p->req_cpu = at(reqs.a, kResCpu);
  p->req_mem = at(reqs.a, kResMemory);
  p->req_eph = at(reqs.a, kResEphemeral);
  p->nonzero_cpu = at(reqs.z, kResCpu);
  p->nonzero_mem = at(reqs.z, kResMemory);

  // --- node affinity ---
  p->has_node_selector = spec.has_node_selector;
  for (const auto& [k, v] : spec.node_selector) {
    p->node_selector.emplace_back(str_.intern(k), str_.intern(v));
  }
  p->has_required_affinity = spec.node_affinity.has_required;
  p->node_affinity_prefilter = p->has_node_selector || p->has_required_affinity;
  if (p->has_required_affinity) {
    bool all_named = !spec.node_affinity.required_terms.empty();
    std::vector<std::string> names;
    for (const auto& t : spec.node_affinity.required_terms) {
      if (!t.match_expressions.empty() || !t.match_fields.empty()) {
        NodeTerm nt;
        compile_node_term(t, nt, std::string(), nullptr);
        p->required.terms.push_back(std::move(nt));
      }
      // PreFilterResult: the intersection of metadata.name In values within the term.
      bool term_has = false;
      std::vector<std::string> term_names;
      for (const auto& f : t.match_fields) {
        if (f.key != "metadata.name" || f.op != SelOp::kIn) continue;
        std::vector<std::string> s = f.values;
        std::sort(s.begin(), s.end());
        s.erase(std::unique(s.begin(), s.end()), s.end());
        if (!term_has) {
          term_names = s;
          term_has = true;
        } else {
          std::vector<std::string> inter;
          std::set_intersection(term_names.begin(), term_names.end(), s.begin(), s.end(),
                                std::back_inserter(inter));
          term_names.swap(inter);
        }
      }
      if (!term_has) all_named = false;
      names.insert(names.end(), term_names.begin(), term_names.end());
    }
    if (all_named) {
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
      p->has_name_result = true;
      p->name_result = std::move(names);
    }
  }
  p->has_preferred = spec.node_affinity.has_preferred;
  std::vector<std::string> preferred_errors;
  for (std::size_t i = 0; i < spec.node_affinity.preferred.size(); ++i) {
    const auto& pt = spec.node_affinity.preferred[i];
    if (pt.weight == 0) continue;
    if (pt.preference.match_expressions.empty() && pt.preference.match_fields.empty()) continue;
    PreferredNodeTerm t;
    t.weight = pt.weight;
    compile_node_term(pt.preference, t.term, "[" + std::to_string(i) + "]", &preferred_errors);
    if (t.term.error) continue;
    p->preferred.push_back(std::move(t));
  }
  p->preferred_error = go_aggregate(preferred_errors);

  // --- tolerations ---
  for (std::size_t i = 0; i < spec.tolerations.size(); ++i) {
    const auto& ts = spec.tolerations[i];
    Toleration t;
    t.key = ts.key.empty() ? -1 : str_.intern(ts.key);
    if (ts.op == "Exists") {
      t.exists = true;
    } else if (ts.op.empty() || ts.op == "Equal") {
      t.exists = false;
    } else {
      throw InvalidInput(who() + ": spec.tolerations[" + std::to_string(i) +
                         "].operator: unsupported value '" + ts.op + "' (Exists or Equal)");
    }
    t.value = str_.intern(ts.value);
    t.effect = effect_of(ts.effect);
    p->tolerations.push_back(t);
  }

  // --- host ports (regular and sidecar containers) ---
  auto add_ports = [&](const ContainerSpec& c) {
    for (const auto& ps : c.ports) {
      if (ps.host_port <= 0) continue;
      PortUse u;
      u.ip = str_.intern(ps.host_ip.empty() ? std::string("0.0.0.0") : ps.host_ip);
      if (ps.protocol.empty() || ps.protocol == "TCP") {
        u.proto = kTCP;
      } else if (ps.protocol == "UDP") {
        u.proto = kUDP;
      } else if (ps.protocol == "SCTP") {
        u.proto = kSCTP;
      } else {
        u.proto = 16 + str_.intern(ps.protocol);
      }
      u.port = ps.host_port;
      p->ports.push_back(u);
    }
  };
  for (const auto& c : spec.init_containers) {
    if (c.restartable) add_ports(c);
  }
  for (const auto& c : spec.containers) add_ports(c);

  // --- images ---
  for (const auto& c : spec.init_containers)
    p->images.push_back(str_.intern(normalized_image(c.image)));
  for (const auto& c : spec.containers) p->images.push_back(str_.intern(normalized_image(c.image)));
  p->num_containers =
      static_cast<std::int32_t>(spec.init_containers.size() + spec.containers.size());

  // --- topology spread ---
  p->has_spread_constraints = !spec.spread.empty();
  for (std::size_t i = 0; i < spec.spread.size(); ++i) {
    const auto& cs = spec.spread[i];
    if (cs.max_skew <= 0) {
      throw InvalidInput(who() + ": spec.topologySpreadConstraints[" + std::to_string(i) +
                         "].maxSkew must be greater than zero");
    }
    SpreadConstraint c;
    c.max_skew = cs.max_skew;
    c.key = str_.intern(cs.topology_key);
    compile_selector(cs.selector, c.selector, true);
    if (!c.selector.nothing) {
      bool added = false;
      for (const auto& k : cs.match_label_keys) {
        std::int32_t kid = str_.intern(k);
        std::int32_t v = label_value(p->labels, kid);
        if (v < 0) continue;
        CompiledRequirement r;
        r.key = kid;
        r.op = SelOp::kIn;
        r.values.push_back(v);
        c.selector.reqs.push_back(std::move(r));
        added = true;
      }
      if (added) {
        std::sort(c.selector.reqs.begin(), c.selector.reqs.end(), [](const auto& a, const auto& b) {
          return std::tie(a.key, a.op, a.values) < std::tie(b.key, b.op, b.values);
        });
      }
    }
    c.min_domains = cs.min_domains.value_or(1);
    c.honor_node_affinity = cs.honor_node_affinity;
    c.honor_node_taints = cs.honor_node_taints;
    (cs.do_not_schedule ? p->spread_hard : p->spread_soft).push_back(std::move(c));
  }
  if (spec.controller) {
    p->controller_api_version = spec.controller->api_version;
    p->controller_kind = spec.controller->kind;
    p->controller_name = spec.controller->name;
  }

  // --- pod (anti-)affinity ---
  auto terms = [&](const std::vector<PodAffinityTermSpec>& in, std::vector<AffinityTerm>& out) {
    for (const auto& ts : in) {
      AffinityTerm t;
      compile_affinity_term(ts, spec.ns, t);
      out.push_back(std::move(t));
    }
  };
  terms(spec.affinity_required, p->aff_required);
  terms(spec.anti_required, p->anti_required);
  terms(spec.affinity_preferred, p->aff_preferred);
  terms(spec.anti_preferred, p->anti_preferred);
  p->has_pod_affinity = spec.has_pod_affinity || spec.has_pod_anti_affinity;

  p->priority = spec.priority;
  // Equivalence signature: every input of filters and scores except the pod's identity.
  {
    std::string& g = p->signature;
    // Fixed-width binary fields (8 bytes each): cheaper than decimal text and unambiguous.
    auto add = [&g](std::int64_t v) {
      char b[sizeof v];
      std::memcpy(b, &v, sizeof v);
      g.append(b, sizeof v);
    };
    g.reserve(256);
    add(p->ns);
    for (const auto& [k, v] : p->labels) {
      add(k);
      add(v);
    }
    g += '|';
    g += p->node_name + "|" + p->controller_api_version + "|" + p->controller_kind + "|" +
         p->controller_name + "|";
    for (const auto& [r, v] : p->requests) {
      add(r);
      add(v);
    }
    add(p->nonzero_cpu);
    add(p->nonzero_mem);
    add(p->has_node_selector);
    for (const auto& [k, v] : p->node_selector) {
      add(k);
      add(v);
    }
    add(p->has_required_affinity);
    auto term = [&](const NodeTerm& t) {
      g += 'T';
      add(t.error);
      CompiledSelector tmp;
      tmp.reqs = t.exprs;
      tmp.append_key(g);
      for (const auto& f : t.fields) {
        g += f.in ? '+' : '-';
        if (!f.name_key) g += '?';
        g += f.name;
        g += ',';
      }
    };
    for (const auto& t : p->required.terms) term(t);
    add(p->has_name_result);
    for (const auto& n : p->name_result) g += n + ",";
    add(p->has_preferred);
    for (const auto& t : p->preferred) {
      add(t.weight);
      term(t.term);
    }
    g += p->preferred_error;
    g += '|';
    for (const auto& t : p->tolerations) {
      add(t.key);
      add(t.exists);
      add(t.value);
      add(t.effect);
    }
    g += '|';
    for (const auto& u : p->ports) {
      add(u.ip);
      add(u.proto);
      add(u.port);
    }
    g += '|';
    for (auto i : p->images) add(i);
    add(p->num_containers);
    add(p->has_spread_constraints);
    // Topology spread constraints and pod (anti-)affinity terms in full: cached cycles of
    // equal signatures share PodTopologySpread and InterPodAffinity aggregates.
    for (const auto* list : {&p->spread_hard, &p->spread_soft}) {
      g += 'S';
      for (const auto& c : *list) {
        add(c.max_skew);
        add(c.key);
        add(c.min_domains);
        add(c.honor_node_affinity);
        add(c.honor_node_taints);
        c.selector.append_key(g);
      }
    }
    for (const auto* list :
         {&p->aff_required, &p->anti_required, &p->aff_preferred, &p->anti_preferred}) {
      g += 'A';
      for (const auto& t : *list) {
        add(t.topology_key);
        add(t.weight);
        for (auto n : t.namespaces) add(n);
        g += '/';
        t.ns_selector.append_key(g);
        t.selector.append_key(g);
      }
    }
  }
  p->preempt_never = spec.preempt_never;
  p->terminating = spec.terminating;
  p->terminating_by_preemption = spec.terminating_by_preemption;
  p->start_time_ns = spec.start_time_ns;
  return p;
}

namespace {

// A hash of the scheduling content of a pod (not its name or uid); equal content, equal hash.
// It covers the fields that tell replicas of different controllers apart; template_equal
// decides.
std::size_t template_hash(const PodSpecIn& s) {
  std::size_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](std::size_t v) { h = (h ^ v) * 0x100000001b3ULL + (h >> 29); };
  auto str = [&mix](const std::string& v) { mix(std::hash<std::string_view>{}(v)); };
  str(s.ns);
  for (const auto& [k, v] : s.labels) {
    str(k);
    str(v);
  }
  if (s.controller) str(s.controller->name);
  str(s.node_name);
  for (const auto* list : {&s.containers, &s.init_containers}) {
    mix(list->size());
    for (const auto& c : *list) {
      str(c.image);
      for (const auto& [n, v] : c.requests) mix(static_cast<std::size_t>(v));
    }
  }
  mix(s.tolerations.size());
  mix(s.spread.size());
  mix(s.node_selector.size() + 31 * s.node_affinity.required_terms.size());
  mix(s.affinity_required.size() + 31 * s.anti_required.size());
  mix(static_cast<std::size_t>(s.priority));
  mix(static_cast<std::size_t>(s.start_time_ns));
  str(s.nominated_node_name);
  return h;
}

bool template_equal(const PodSpecIn& a, const PodSpecIn& b) {
  return a.ns == b.ns && a.labels == b.labels && a.node_name == b.node_name &&
         a.controller == b.controller && a.containers == b.containers &&
         a.init_containers == b.init_containers && a.overhead == b.overhead &&
         a.pod_requests == b.pod_requests && a.has_node_selector == b.has_node_selector &&
         a.node_selector == b.node_selector && a.node_affinity == b.node_affinity &&
         a.tolerations == b.tolerations && a.spread == b.spread &&
         a.affinity_required == b.affinity_required &&
         a.affinity_preferred == b.affinity_preferred && a.anti_required == b.anti_required &&
         a.anti_preferred == b.anti_preferred && a.has_pod_affinity == b.has_pod_affinity &&
         a.has_pod_anti_affinity == b.has_pod_anti_affinity && a.priority == b.priority &&
         a.preempt_never == b.preempt_never && a.terminating == b.terminating &&
         a.terminating_by_preemption == b.terminating_by_preemption &&
         a.start_time_ns == b.start_time_ns && a.nominated_node_name == b.nominated_node_name &&
         a.scheduler_name == b.scheduler_name;
}

}  // namespace

PodInfoPtr SchedulerCache::compile_pod_shared(const PodSpecIn& spec) {
  const std::size_t h = template_hash(spec);
  const std::uint64_t now = ++template_clock_;
  for (Template& t : templates_) {
    if (t.hash != h || !template_equal(t.spec, spec)) continue;
    t.used = now;
    return t.info;
  }
  PodInfoPtr info = compile_pod(spec);
  // A content is kept from its second sighting on (replicas arrive in groups), so pods that all
  // differ cost no copies. `seen_` holds recent hashes of contents not kept.
  auto seen = std::find(seen_.begin(), seen_.end(), h);
  if (seen == seen_.end()) {
    seen_[seen_next_] = h;
    seen_next_ = (seen_next_ + 1) % seen_.size();
    return info;
  }
  *seen = 0;
  if (templates_.size() < kTemplates) {
    templates_.push_back(Template{h, now, spec, info});
  } else {
    auto lru =
        std::min_element(templates_.begin(), templates_.end(),
                         [](const Template& a, const Template& b) { return a.used < b.used; });
    lru->hash = h;
    lru->used = now;
    lru->spec = spec;
    lru->info = info;
  }
  return info;
}

std::int32_t SchedulerCache::slot_of(const std::string& key) const {
  auto it = pod_by_key_.find(key);
  return it == pod_by_key_.end() ? -1 : it->second;
}

const PodRecord* SchedulerCache::find_pod(const std::string& key) const {
  std::int32_t s = slot_of(key);
  return s < 0 ? nullptr : &pods_[static_cast<std::size_t>(s)];
}

bool SchedulerCache::pod_matches_clause(const PodInfo& p, const MatchClause& c) const {
  if (!c.all_namespaces && !std::binary_search(c.namespaces.begin(), c.namespaces.end(), p.ns)) {
    return false;
  }
  return c.selector.matches(p.labels, [this](std::int32_t v) { return numeric(v); });
}

void SchedulerCache::account_pod(std::int32_t slot, int sign) {
  PodRecord& rec = pods_[static_cast<std::size_t>(slot)];
  const PodInfo& p = *rec.info;
  auto r = static_cast<std::size_t>(rec.row);
  t_.pod_count[r] += sign;
  for (const auto& [res, v] : p.requests)
    t_.requested[static_cast<std::size_t>(res)][r] += sign * v;
  t_.nonzero_cpu[r] += sign * p.nonzero_cpu;
  t_.nonzero_mem[r] += sign * p.nonzero_mem;
  NodeRowData& d = t_.rows[r];
  for (const auto& u : p.ports) {
    if (sign > 0) {
      d.ports.insert(std::upper_bound(d.ports.begin(), d.ports.end(), u), u);
    } else {
      auto it = std::lower_bound(d.ports.begin(), d.ports.end(), u);
      if (it != d.ports.end() && *it == u) d.ports.erase(it);
    }
  }
  if (sign > 0) {
    d.pods.push_back(slot);
  } else {
    d.pods.erase(std::remove(d.pods.begin(), d.pods.end(), slot), d.pods.end());
  }
  for (auto& [k, m] : matchers_) {
    if (m->exclude_terminating && p.terminating) continue;
    bool all = true;
    for (const auto& c : m->clauses) {
      if (!pod_matches_clause(p, c)) {
        all = false;
        break;
      }
    }
    if (all) {
      m->per_row[r] += sign;
      m->total += sign;
    }
  }
  if (sign > 0) {
    index_terms(slot);
  } else {
    unindex_terms(slot);
  }
  if (!p.aff_required.empty() || !p.anti_required.empty() || !p.aff_preferred.empty() ||
      !p.anti_preferred.empty()) {
    affinity_pods_ += sign > 0 ? 1 : static_cast<std::uint64_t>(-1);
  }
  bump_row(rec.row);
  ++pod_epoch_;
}

void SchedulerCache::index_terms(std::int32_t slot) {
  PodRecord& rec = pods_[static_cast<std::size_t>(slot)];
  const PodInfo& p = *rec.info;
  rec.term_ids.clear();
  auto add = [&](const std::vector<AffinityTerm>& list, TermKind kind) {
    for (const auto& t : list) {
      std::string key = term_key(kind, t);
      std::int32_t id;
      auto it = term_by_key_.find(key);
      if (it != term_by_key_.end()) {
        id = it->second;
      } else {
        if (!free_terms_.empty()) {
          id = free_terms_.back();
          free_terms_.pop_back();
        } else {
          id = static_cast<std::int32_t>(terms_.size());
          terms_.emplace_back();
        }
        ExistingTerm& e = terms_[static_cast<std::size_t>(id)];
        e.kind = kind;
        e.term = t;
        e.per_row.assign(t_.capacity, 0);
        e.total = 0;
        e.key = key;
        term_by_key_.emplace(key, id);
        ++terms_version_;
      }
      ExistingTerm& e = terms_[static_cast<std::size_t>(id)];
      e.per_row[static_cast<std::size_t>(rec.row)] += 1;
      e.total += 1;
      rec.term_ids.push_back(id);
    }
  };
  add(p.anti_required, kReqAnti);
  add(p.aff_required, kReqAff);
  add(p.aff_preferred, kPrefAff);
  add(p.anti_preferred, kPrefAnti);
}

std::string SchedulerCache::term_key(TermKind kind, const AffinityTerm& t) {
  std::string key = std::to_string(kind) + "#" + std::to_string(t.weight) + "#" +
                    std::to_string(t.topology_key) + "#";
  for (auto n : t.namespaces) key += std::to_string(n) + ",";
  key += "#";
  t.ns_selector.append_key(key);
  t.selector.append_key(key);
  return key;
}

std::int32_t SchedulerCache::term_id(const std::string& key) const {
  auto it = term_by_key_.find(key);
  return it == term_by_key_.end() ? -1 : it->second;
}

void SchedulerCache::unindex_terms(std::int32_t slot) {
  PodRecord& rec = pods_[static_cast<std::size_t>(slot)];
  for (auto id : rec.term_ids) {
    ExistingTerm& e = terms_[static_cast<std::size_t>(id)];
    e.per_row[static_cast<std::size_t>(rec.row)] -= 1;
    e.total -= 1;
    if (e.total == 0) {
      term_by_key_.erase(e.key);
      e.key.clear();
      ++terms_version_;
      free_terms_.push_back(id);
    }
  }
  rec.term_ids.clear();
}

std::int32_t SchedulerCache::new_slot() {
  std::int32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<std::int32_t>(pods_.size());
    pods_.emplace_back();
  }
  PodRecord& rec = pods_[static_cast<std::size_t>(slot)];
  rec = PodRecord{};
  rec.live = true;
  return slot;
}

void SchedulerCache::add_pod(const PodInfoPtr& pod, const std::string& node_name, bool assumed) {
  std::string key = pod->ns_name + "/" + pod->name;
  if (pod_by_key_.count(key)) throw AlreadyExists("pod '" + key + "' already exists");
  std::int32_t row = row_of(node_name);
  if (row < 0) throw NotFound("pod '" + key + "': node '" + node_name + "' not found");
  add_pod_as(pod, pod->ns_name, pod->name, pod->uid, row, assumed);
}

void SchedulerCache::add_pod_as(const PodInfoPtr& pod, const std::string& ns,
                                const std::string& name, const std::string& uid, std::int32_t row,
                                bool assumed) {
  std::string key = ns + "/" + name;
  if (pod_by_key_.count(key)) throw AlreadyExists("pod '" + key + "' already exists");
  if (row < 0 || static_cast<std::size_t>(row) >= t_.capacity ||
      !t_.live[static_cast<std::size_t>(row)]) {
    throw NotFound("pod '" + key + "': node row " + std::to_string(row) + " not found");
  }
  std::int32_t slot = new_slot();
  PodRecord& rec = pods_[static_cast<std::size_t>(slot)];
  rec.key = key;
  rec.name = name;
  rec.uid = uid;
  rec.info = pod;
  rec.row = row;
  rec.assumed = assumed;
  rec.seq = ++seq_;
  pod_by_key_.emplace(key, slot);
  account_pod(slot, +1);
  // kube-scheduler's assume drops the pod's nomination (DeleteNominatedPodIfExists).
  if (!nominator_.by_key.empty()) delete_nominated_pod_if_exists(key);
}

void SchedulerCache::remove_pod(const std::string& key_ref) {
  const std::string key = key_ref;  // the caller may pass a reference into the record we clear
  std::int32_t slot = slot_of(key);
  if (slot < 0) throw NotFound("pod '" + key + "' not found");
  account_pod(slot, -1);
  pods_[static_cast<std::size_t>(slot)] = PodRecord{};
  pod_by_key_.erase(key);
  free_slots_.push_back(slot);
}

void SchedulerCache::finish_binding(const std::string& key) {
  std::int32_t slot = slot_of(key);
  if (slot < 0) throw NotFound("pod '" + key + "' not found");
  pods_[static_cast<std::size_t>(slot)].assumed = false;
}

void SchedulerCache::detach_pod(std::int32_t slot) { account_pod(slot, -1); }
void SchedulerCache::attach_pod(std::int32_t slot) { account_pod(slot, +1); }

std::int32_t SchedulerCache::add_virtual_pod(const PodInfoPtr& pod, std::int32_t row) {
  std::int32_t slot = new_slot();
  PodRecord& rec = pods_[static_cast<std::size_t>(slot)];
  rec.name = pod->name;
  rec.info = pod;
  rec.row = row;
  rec.assumed = true;
  rec.seq = ++seq_;
  account_pod(slot, +1);
  return slot;
}

void SchedulerCache::remove_virtual_pod(std::int32_t slot) {
  account_pod(slot, -1);
  pods_[static_cast<std::size_t>(slot)] = PodRecord{};
  free_slots_.push_back(slot);
}

// ------------------------------------------------------------------------------------------
// Nominator

bool SchedulerCache::add_nominated_pod(const PodInfoPtr& pod, const std::string& key,
                                       const std::string& node_name) {
  delete_nominated_pod_if_exists(key);
  if (node_name.empty() || has_pod(key)) return false;
  nominator_.by_key[key] = NominatedPod{key, pod, node_name};
  nominator_.by_node[node_name].push_back(key);
  return true;
}

bool SchedulerCache::delete_nominated_pod_if_exists(const std::string& key) {
  auto it = nominator_.by_key.find(key);
  if (it == nominator_.by_key.end()) return false;
  auto nit = nominator_.by_node.find(it->second.node_name);
  if (nit != nominator_.by_node.end()) {
    auto& keys = nit->second;
    keys.erase(std::remove(keys.begin(), keys.end(), key), keys.end());
    if (keys.empty()) nominator_.by_node.erase(nit);
  }
  nominator_.by_key.erase(it);
  return true;
}

std::vector<std::string> SchedulerCache::nominated_pods_for_node(
    const std::string& node_name) const {
  auto it = nominator_.by_node.find(node_name);
  return it == nominator_.by_node.end() ? std::vector<std::string>{} : it->second;
}

const NominatedPod* SchedulerCache::nominated_pod(const std::string& key) const {
  auto it = nominator_.by_key.find(key);
  return it == nominator_.by_key.end() ? nullptr : &it->second;
}

std::vector<std::pair<std::int32_t, std::vector<PodInfoPtr>>> SchedulerCache::nominated_for(
    std::int32_t priority, const std::string& self_key) const {
  std::vector<std::pair<std::int32_t, std::vector<PodInfoPtr>>> out;
  for (const auto& [node, keys] : nominator_.by_node) {
    std::int32_t row = row_of(node);
    if (row < 0) continue;
    std::vector<PodInfoPtr> pods;
    for (const auto& k : keys) {
      if (k == self_key) continue;
      const NominatedPod& np = nominator_.by_key.at(k);
      if (np.info->priority >= priority) pods.push_back(np.info);
    }
    if (!pods.empty()) out.emplace_back(row, std::move(pods));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

// ------------------------------------------------------------------------------------------
// Matchers

const Matcher& SchedulerCache::matcher(std::vector<MatchClause> clauses, bool exclude_terminating) {
  return *matcher_ptr(std::move(clauses), exclude_terminating);
}

std::shared_ptr<const Matcher> SchedulerCache::matcher_ptr(std::vector<MatchClause> clauses,
                                                           bool exclude_terminating) {
  std::string key = exclude_terminating ? "T|" : "A|";
  for (const auto& c : clauses) {
    key += c.all_namespaces ? "*" : "";
    for (auto n : c.namespaces) key += std::to_string(n) + ",";
    key += "/";
    c.selector.append_key(key);
  }
  auto it = matchers_.find(key);
  if (it != matchers_.end()) {
    it->second->last_used = ++use_clock_;
    return it->second;
  }
  if (matchers_.size() >= 1024) {
    // Evict the least recently used matcher nobody holds (held ones are pinned).
    auto victim = matchers_.end();
    for (auto i = matchers_.begin(); i != matchers_.end(); ++i) {
      if (i->second.use_count() > 1) continue;
      if (victim == matchers_.end() || i->second->last_used < victim->second->last_used) victim = i;
    }
    if (victim != matchers_.end()) matchers_.erase(victim);
  }
  auto m = std::make_shared<Matcher>();
  m->clauses = std::move(clauses);
  m->exclude_terminating = exclude_terminating;
  m->per_row.assign(t_.capacity, 0);
  m->last_used = ++use_clock_;
  for (auto row : live_rows_) {
    for (auto slot : t_.rows[static_cast<std::size_t>(row)].pods) {
      const PodInfo& p = *pods_[static_cast<std::size_t>(slot)].info;
      if (exclude_terminating && p.terminating) continue;
      bool all = true;
      for (const auto& c : m->clauses) {
        if (!pod_matches_clause(p, c)) {
          all = false;
          break;
        }
      }
      if (all) {
        m->per_row[static_cast<std::size_t>(row)] += 1;
        m->total += 1;
      }
    }
  }
  matchers_.emplace(std::move(key), m);
  return m;
}

// ------------------------------------------------------------------------------------------
// Namespaces and objects

void SchedulerCache::invalidate_ns_matchers() { ++epoch_; }

void SchedulerCache::add_namespace(const NamespaceSpecIn& ns) {
  if (ns.name.empty()) throw InvalidInput("namespace: metadata.name is required");
  namespaces_[str_.intern(ns.name)] = intern_labels(ns.labels);
  invalidate_ns_matchers();
}

void SchedulerCache::remove_namespace(const std::string& name) {
  std::int32_t id = str_.find(name);
  if (id < 0 || !namespaces_.count(id)) throw NotFound("namespace '" + name + "' not found");
  namespaces_.erase(id);
  invalidate_ns_matchers();
}

const LabelSet* SchedulerCache::namespace_labels(std::int32_t ns) const {
  auto it = namespaces_.find(ns);
  return it == namespaces_.end() ? nullptr : &it->second;
}

std::vector<std::int32_t> SchedulerCache::namespaces_matching(const CompiledSelector& sel) const {
  std::vector<std::int32_t> out;
  if (sel.nothing) return out;
  for (const auto& [id, labels] : namespaces_) {
    if (sel.matches(labels, [this](std::int32_t v) { return numeric(v); })) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void SchedulerCache::add_object(const ObjectSpecIn& obj) {
  std::int32_t ns = str_.intern(obj.ns);
  switch (obj.kind) {
    case ObjectKind::kService: {
      ServiceObj s;
      s.ns = ns;
      s.name = obj.name;
      s.has_selector = obj.has_map_selector;
      s.selector = intern_labels(obj.map_selector);
      for (auto& e : services_) {
        if (e.ns == ns && e.name == obj.name) {
          e = std::move(s);
          ++epoch_;
          return;
        }
      }
      services_.push_back(std::move(s));
      break;
    }
    case ObjectKind::kReplicaSet:
    case ObjectKind::kStatefulSet:
    case ObjectKind::kReplicationController:
    case ObjectKind::kPodDisruptionBudget: {
      SelectorObj o;
      o.kind = obj.kind;
      o.ns = ns;
      o.name = obj.name;
      o.has_map_selector = obj.has_map_selector;
      o.map_selector = intern_labels(obj.map_selector);
      compile_selector(obj.selector, o.selector, true);
      o.disruptions_allowed = obj.disruptions_allowed;
      o.disrupted_pods = obj.disrupted_pods;
      auto& list = obj.kind == ObjectKind::kPodDisruptionBudget ? pdbs_ : owners_;
      bool replaced = false;
      for (auto& e : list) {
        if (e.kind == o.kind && e.ns == ns && e.name == obj.name) {
          e = o;
          replaced = true;
        }
      }
      if (!replaced) list.push_back(std::move(o));
      break;
    }
    case ObjectKind::kPriorityClass:
      priority_classes_[obj.name] = obj.value;
      break;
    case ObjectKind::kOther:
      break;
  }
  ++epoch_;
}

void SchedulerCache::remove_object(ObjectKind kind, const std::string& ns_name,
                                   const std::string& name) {
  std::int32_t ns = str_.find(ns_name);
  bool found = false;
  switch (kind) {
    case ObjectKind::kService: {
      auto it = std::find_if(services_.begin(), services_.end(),
                             [&](const auto& s) { return s.ns == ns && s.name == name; });
      if (it != services_.end()) {
        services_.erase(it);
        found = true;
      }
      break;
    }
    case ObjectKind::kPriorityClass:
      found = priority_classes_.erase(name) > 0;
      break;
    case ObjectKind::kOther:
      found = true;
      break;
    default: {
      auto& list = kind == ObjectKind::kPodDisruptionBudget ? pdbs_ : owners_;
      auto it = std::find_if(list.begin(), list.end(), [&](const auto& o) {
        return o.kind == kind && o.ns == ns && o.name == name;
      });
      if (it != list.end()) {
        list.erase(it);
        found = true;
      }
    }
  }
  if (!found)
    throw NotFound("object '" + (ns_name.empty() ? name : ns_name + "/" + name) + "' not found");
  ++epoch_;
}

const SelectorObj* SchedulerCache::find_object(ObjectKind kind, std::int32_t ns,
                                               const std::string& name) const {
  for (const auto& o : owners_) {
    if (o.kind == kind && o.ns == ns && o.name == name) return &o;
  }
  return nullptr;
}

const ImageState* SchedulerCache::image(std::int32_t name_id) const {
  auto it = images_.find(name_id);
  return it == images_.end() ? nullptr : &it->second;
}

const std::vector<std::int32_t>& SchedulerCache::image_rows(std::int32_t name_id) const {
  static const std::vector<std::int32_t> kEmpty;
  auto it = image_rows_.find(name_id);
  return it == image_rows_.end() ? kEmpty : it->second;
}

}  // namespace kcore
