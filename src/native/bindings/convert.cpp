#include "convert.hpp"

#include <cmath>

#include "kcore/quantity.hpp"

namespace kcore::bindings {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw ConversionError(path + ": " + why);
}

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")); }

// Mapping access: dicts directly, other Mappings through their items.
py::dict as_mapping(py::handle h, const std::string& path) {
  if (py::isinstance<py::dict>(h)) return py::reinterpret_borrow<py::dict>(h);
  py::module_ abc = py::module_::import("collections.abc");
  if (py::isinstance(h, abc.attr("Mapping")))
    return py::dict(py::reinterpret_borrow<py::object>(h));
  fail(path, "expected a mapping, got " + type_name(h));
}

// Returns the value or an invalid handle when the key is absent or None.
py::object get(const py::dict& d, const char* key) {
  PyObject* v = PyDict_GetItemString(d.ptr(), key);
  if (v == nullptr || v == Py_None) return py::object();
  return py::reinterpret_borrow<py::object>(v);
}

std::string as_str(py::handle h, const std::string& path) {
  if (!py::isinstance<py::str>(h)) fail(path, "expected a string, got " + type_name(h));
  return h.cast<std::string>();
}

std::int64_t as_int(py::handle h, const std::string& path) {
  if (py::isinstance<py::bool_>(h) || !py::isinstance<py::int_>(h)) {
    fail(path, "expected an integer, got " + type_name(h));
  }
  try {
    return h.cast<std::int64_t>();
  } catch (const py::cast_error&) {
    fail(path, "integer out of range");
  }
}

bool as_bool(py::handle h, const std::string& path) {
  if (!py::isinstance<py::bool_>(h)) fail(path, "expected a boolean, got " + type_name(h));
  return h.cast<bool>();
}

py::list as_list(py::handle h, const std::string& path) {
  if (py::isinstance<py::list>(h)) return py::reinterpret_borrow<py::list>(h);
  if (py::isinstance<py::tuple>(h)) return py::list(py::reinterpret_borrow<py::object>(h));
  fail(path, "expected a list, got " + type_name(h));
}

std::string opt_str(const py::dict& d, const char* key, const std::string& path) {
  py::object v = get(d, key);
  return v ? as_str(v, path + "." + key) : std::string();
}

StringPairs string_map(py::handle h, const std::string& path) {
  StringPairs out;
  py::dict d = as_mapping(h, path);
  for (auto item : d) {
    std::string k = as_str(item.first, path);
    out.emplace_back(k,
                     item.second.is_none() ? std::string() : as_str(item.second, path + "." + k));
  }
  return out;
}

std::int64_t quantity(py::handle h, bool milli, const std::string& path) {
  std::string text;
  if (py::isinstance<py::str>(h)) {
    text = h.cast<std::string>();
  } else if (py::isinstance<py::int_>(h) && !py::isinstance<py::bool_>(h)) {
    text = py::str(h).cast<std::string>();
  } else if (py::isinstance<py::float_>(h)) {
    double v = h.cast<double>();
    if (!std::isfinite(v)) fail(path, "quantity must be finite");
    text = py::str(py::module_::import("builtins").attr("repr")(h)).cast<std::string>();
  } else {
    fail(path, "expected a quantity string, got " + type_name(h));
  }
  QuantityResult r = parse_quantity(text, milli);
  if (!r.ok) fail(path, r.error);
  return r.value;
}

ResourceList resource_list(py::handle h, const std::string& path) {
  ResourceList out;
  py::dict d = as_mapping(h, path);
  for (auto item : d) {
    std::string name = as_str(item.first, path);
    out.emplace_back(name, quantity(item.second, name == "cpu", path + "." + name));
  }
  return out;
}

SelOp sel_op(const std::string& op, bool node_selector, const std::string& path) {
  if (op == "In") return SelOp::kIn;
  if (op == "NotIn") return SelOp::kNotIn;
  if (op == "Exists") return SelOp::kExists;
  if (op == "DoesNotExist") return SelOp::kDoesNotExist;
  if (node_selector && op == "Gt") return SelOp::kGt;
  if (node_selector && op == "Lt") return SelOp::kLt;
  fail(path, "unknown operator '" + op + "'" +
                 (node_selector ? " (In, NotIn, Exists, DoesNotExist, Gt, Lt)"
                                : " (In, NotIn, Exists, DoesNotExist)"));
}

std::vector<RequirementSpec> requirements(py::handle h, bool node_selector,
                                          const std::string& path) {
  std::vector<RequirementSpec> out;
  py::list l = as_list(h, path);
  for (std::size_t i = 0; i < l.size(); ++i) {
    std::string p = path + "[" + std::to_string(i) + "]";
    py::dict d = as_mapping(l[i], p);
    RequirementSpec r;
    py::object key = get(d, "key");
    if (!key) fail(p + ".key", "required");
    r.key = as_str(key, p + ".key");
    py::object op = get(d, "operator");
    if (!op) fail(p + ".operator", "required");
    r.op = sel_op(as_str(op, p + ".operator"), node_selector, p + ".operator");
    if (py::object vals = get(d, "values")) {
      py::list vl = as_list(vals, p + ".values");
      for (std::size_t j = 0; j < vl.size(); ++j)
        r.values.push_back(as_str(vl[j], p + ".values[" + std::to_string(j) + "]"));
    } else {
      r.values_nil = true;
    }
    out.push_back(std::move(r));
  }
  return out;
}

LabelSelectorSpec label_selector(py::handle h, const std::string& path) {
  LabelSelectorSpec s;
  if (!h || h.is_none()) return s;
  py::dict d = as_mapping(h, path);
  s.present = true;
  if (py::object ml = get(d, "matchLabels")) s.match_labels = string_map(ml, path + ".matchLabels");
  if (py::object me = get(d, "matchExpressions"))
    s.match_expressions = requirements(me, false, path + ".matchExpressions");
  return s;
}

NodeSelectorTermSpec node_term(py::handle h, const std::string& path) {
  NodeSelectorTermSpec t;
  py::dict d = as_mapping(h, path);
  if (py::object me = get(d, "matchExpressions"))
    t.match_expressions = requirements(me, true, path + ".matchExpressions");
  if (py::object mf = get(d, "matchFields"))
    t.match_fields = requirements(mf, true, path + ".matchFields");
  return t;
}

PodAffinityTermSpec affinity_term(py::handle h, const std::string& path, bool weighted) {
  PodAffinityTermSpec t;
  py::dict d = as_mapping(h, path);
  std::string p = path;
  if (weighted) {
    py::object w = get(d, "weight");
    if (!w) fail(path + ".weight", "required");
    t.weight = static_cast<std::int32_t>(as_int(w, path + ".weight"));
    if (t.weight < 1 || t.weight > 100) fail(path + ".weight", "must be in the range 1-100");
    py::object inner = get(d, "podAffinityTerm");
    if (!inner) fail(path + ".podAffinityTerm", "required");
    d = as_mapping(inner, path + ".podAffinityTerm");
    p = path + ".podAffinityTerm";
  }
  t.selector = label_selector(get(d, "labelSelector"), p + ".labelSelector");
  if (py::object ns = get(d, "namespaces")) {
    py::list l = as_list(ns, p + ".namespaces");
    for (std::size_t i = 0; i < l.size(); ++i)
      t.namespaces.push_back(as_str(l[i], p + ".namespaces"));
  }
  t.namespace_selector = label_selector(get(d, "namespaceSelector"), p + ".namespaceSelector");
  py::object tk = get(d, "topologyKey");
  if (!tk) fail(p + ".topologyKey", "required");
  t.topology_key = as_str(tk, p + ".topologyKey");
  if (t.topology_key.empty()) fail(p + ".topologyKey", "must not be empty");
  return t;
}

std::vector<PodAffinityTermSpec> affinity_terms(const py::dict& d, const char* key,
                                                const std::string& path, bool weighted) {
  std::vector<PodAffinityTermSpec> out;
  if (py::object v = get(d, key)) {
    py::list l = as_list(v, path + "." + key);
    for (std::size_t i = 0; i < l.size(); ++i) {
      out.push_back(
          affinity_term(l[i], path + "." + key + "[" + std::to_string(i) + "]", weighted));
    }
  }
  return out;
}

ContainerSpec container(py::handle h, const std::string& path, bool init) {
  ContainerSpec c;
  py::dict d = as_mapping(h, path);
  c.name = opt_str(d, "name", path);
  c.image = opt_str(d, "image", path);
  if (py::object res = get(d, "resources")) {
    py::dict rd = as_mapping(res, path + ".resources");
    if (py::object req = get(rd, "requests"))
      c.requests = resource_list(req, path + ".resources.requests");
  }
  if (py::object ports = get(d, "ports")) {
    py::list l = as_list(ports, path + ".ports");
    for (std::size_t i = 0; i < l.size(); ++i) {
      std::string p = path + ".ports[" + std::to_string(i) + "]";
      py::dict pd = as_mapping(l[i], p);
      PortSpec ps;
      if (py::object hp = get(pd, "hostPort"))
        ps.host_port = static_cast<std::int32_t>(as_int(hp, p + ".hostPort"));
      if (ps.host_port < 0 || ps.host_port > 65535)
        fail(p + ".hostPort", "must be between 0 and 65535");
      if (ps.host_port == 0) continue;
      ps.host_ip = opt_str(pd, "hostIP", p);
      ps.protocol = opt_str(pd, "protocol", p);
      c.ports.push_back(std::move(ps));
    }
  }
  if (init) {
    if (py::object rp = get(d, "restartPolicy"))
      c.restartable = as_str(rp, path + ".restartPolicy") == "Always";
  }
  return c;
}

}  // namespace

std::string kind_of(py::handle obj) {
  py::dict d = as_mapping(obj, "object");
  py::object k = get(d, "kind");
  return k ? as_str(k, "kind") : std::string();
}

std::int64_t parse_time(const std::string& s, const std::string& path) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  auto digits = [&](std::size_t pos, std::size_t n) -> std::int64_t {
    if (pos + n > s.size()) fail(path, "invalid RFC 3339 time '" + s + "'");
    std::int64_t v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') fail(path, "invalid RFC 3339 time '" + s + "'");
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':') {
    fail(path, "invalid RFC 3339 time '" + s + "'");
  }
  std::int64_t y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2);
  std::int64_t h = digits(11, 2), mi = digits(14, 2), se = digits(17, 2);
  std::size_t pos = 19;
  std::int64_t frac_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::int64_t scale = 100000000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_ns += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  std::int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    std::int64_t sign = s[pos] == '-' ? -1 : 1;
    offset = sign * (digits(pos + 1, 2) * 3600 + digits(pos + 4, 2) * 60);
    pos += 6;
  } else {
    fail(path, "invalid RFC 3339 time '" + s + "'");
  }
  if (pos != s.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) {
    fail(path, "invalid RFC 3339 time '" + s + "'");
  }
  // days_from_civil (Howard Hinnant).
  y -= mo <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = era * 146097 + doe - 719468;
  return ((days * 86400 + h * 3600 + mi * 60 + se) - offset) * 1000000000LL + frac_ns;
}

PodSpecIn pod_from_object(py::handle obj) {
  PodSpecIn p;
  py::dict d = as_mapping(obj, "pod");
  py::object md = get(d, "metadata");
  if (!md) fail("metadata", "required");
  py::dict m = as_mapping(md, "metadata");
  py::object name = get(m, "name");
  if (!name) fail("metadata.name", "required");
  p.name = as_str(name, "metadata.name");
  if (p.name.empty()) fail("metadata.name", "must not be empty");
  p.ns = opt_str(m, "namespace", "metadata");
  if (p.ns.empty()) p.ns = "default";
  p.uid = opt_str(m, "uid", "metadata");
  if (py::object l = get(m, "labels")) p.labels = string_map(l, "metadata.labels");
  p.terminating = static_cast<bool>(get(m, "deletionTimestamp"));
  if (py::object owners = get(m, "ownerReferences")) {
    py::list l = as_list(owners, "metadata.ownerReferences");
    for (std::size_t i = 0; i < l.size(); ++i) {
      std::string path = "metadata.ownerReferences[" + std::to_string(i) + "]";
      py::dict o = as_mapping(l[i], path);
      py::object ctl = get(o, "controller");
      if (ctl && as_bool(ctl, path + ".controller")) {
        p.controller = OwnerRefSpec{opt_str(o, "apiVersion", path), opt_str(o, "kind", path),
                                    opt_str(o, "name", path)};
        break;
      }
    }
  }
  py::object spec_o = get(d, "spec");
  py::dict spec = spec_o ? as_mapping(spec_o, "spec") : py::dict();
  p.node_name = opt_str(spec, "nodeName", "spec");
  p.scheduler_name = opt_str(spec, "schedulerName", "spec");
  if (py::object cs = get(spec, "containers")) {
    py::list l = as_list(cs, "spec.containers");
    for (std::size_t i = 0; i < l.size(); ++i)
      p.containers.push_back(container(l[i], "spec.containers[" + std::to_string(i) + "]", false));
  }
  if (py::object cs = get(spec, "initContainers")) {
    py::list l = as_list(cs, "spec.initContainers");
    for (std::size_t i = 0; i < l.size(); ++i)
      p.init_containers.push_back(
          container(l[i], "spec.initContainers[" + std::to_string(i) + "]", true));
  }
  if (py::object o = get(spec, "overhead")) p.overhead = resource_list(o, "spec.overhead");
  if (py::object r = get(spec, "resources")) {
    py::dict rd = as_mapping(r, "spec.resources");
    if (py::object req = get(rd, "requests"))
      p.pod_requests = resource_list(req, "spec.resources.requests");
  }
  if (py::object ns = get(spec, "nodeSelector")) {
    p.has_node_selector = true;
    p.node_selector = string_map(ns, "spec.nodeSelector");
  }
  if (py::object aff = get(spec, "affinity")) {
    py::dict a = as_mapping(aff, "spec.affinity");
    if (py::object na = get(a, "nodeAffinity")) {
      py::dict n = as_mapping(na, "spec.affinity.nodeAffinity");
      const std::string base = "spec.affinity.nodeAffinity";
      if (py::object req = get(n, "requiredDuringSchedulingIgnoredDuringExecution")) {
        p.node_affinity.has_required = true;
        std::string rp = base + ".requiredDuringSchedulingIgnoredDuringExecution";
        py::dict rd = as_mapping(req, rp);
        if (py::object terms = get(rd, "nodeSelectorTerms")) {
          py::list l = as_list(terms, rp + ".nodeSelectorTerms");
          for (std::size_t i = 0; i < l.size(); ++i) {
            p.node_affinity.required_terms.push_back(
                node_term(l[i], rp + ".nodeSelectorTerms[" + std::to_string(i) + "]"));
          }
        }
      }
      if (py::object pref = get(n, "preferredDuringSchedulingIgnoredDuringExecution")) {
        p.node_affinity.has_preferred = true;
        std::string pp = base + ".preferredDuringSchedulingIgnoredDuringExecution";
        py::list l = as_list(pref, pp);
        for (std::size_t i = 0; i < l.size(); ++i) {
          std::string ip = pp + "[" + std::to_string(i) + "]";
          py::dict td = as_mapping(l[i], ip);
          PreferredSchedulingTermSpec t;
          py::object w = get(td, "weight");
          if (!w) fail(ip + ".weight", "required");
          t.weight = static_cast<std::int32_t>(as_int(w, ip + ".weight"));
          if (t.weight < 0 || t.weight > 100) fail(ip + ".weight", "must be in the range 0-100");
          if (py::object pr = get(td, "preference"))
            t.preference = node_term(pr, ip + ".preference");
          p.node_affinity.preferred.push_back(std::move(t));
        }
      }
    }
    if (py::object pa = get(a, "podAffinity")) {
      p.has_pod_affinity = true;
      py::dict pd = as_mapping(pa, "spec.affinity.podAffinity");
      p.affinity_required = affinity_terms(pd, "requiredDuringSchedulingIgnoredDuringExecution",
                                           "spec.affinity.podAffinity", false);
      p.affinity_preferred = affinity_terms(pd, "preferredDuringSchedulingIgnoredDuringExecution",
                                            "spec.affinity.podAffinity", true);
    }
    if (py::object pa = get(a, "podAntiAffinity")) {
      p.has_pod_anti_affinity = true;
      py::dict pd = as_mapping(pa, "spec.affinity.podAntiAffinity");
      p.anti_required = affinity_terms(pd, "requiredDuringSchedulingIgnoredDuringExecution",
                                       "spec.affinity.podAntiAffinity", false);
      p.anti_preferred = affinity_terms(pd, "preferredDuringSchedulingIgnoredDuringExecution",
                                        "spec.affinity.podAntiAffinity", true);
    }
  }
  if (py::object tols = get(spec, "tolerations")) {
    py::list l = as_list(tols, "spec.tolerations");
    for (std::size_t i = 0; i < l.size(); ++i) {
      std::string tp = "spec.tolerations[" + std::to_string(i) + "]";
      py::dict td = as_mapping(l[i], tp);
      TolerationSpec t;
      t.key = opt_str(td, "key", tp);
      t.op = opt_str(td, "operator", tp);
      if (!t.op.empty() && t.op != "Exists" && t.op != "Equal") {
        fail(tp + ".operator", "unknown operator '" + t.op + "' (Exists, Equal)");
      }
      t.value = opt_str(td, "value", tp);
      t.effect = opt_str(td, "effect", tp);
      p.tolerations.push_back(std::move(t));
    }
  }
  if (py::object tsc = get(spec, "topologySpreadConstraints")) {
    py::list l = as_list(tsc, "spec.topologySpreadConstraints");
    for (std::size_t i = 0; i < l.size(); ++i) {
      std::string cp = "spec.topologySpreadConstraints[" + std::to_string(i) + "]";
      py::dict cd = as_mapping(l[i], cp);
      TopologySpreadConstraintSpec c;
      py::object ms = get(cd, "maxSkew");
      if (!ms) fail(cp + ".maxSkew", "required");
      c.max_skew = static_cast<std::int32_t>(as_int(ms, cp + ".maxSkew"));
      if (c.max_skew <= 0) fail(cp + ".maxSkew", "must be greater than zero");
      py::object tk = get(cd, "topologyKey");
      if (!tk) fail(cp + ".topologyKey", "required");
      c.topology_key = as_str(tk, cp + ".topologyKey");
      std::string when = opt_str(cd, "whenUnsatisfiable", cp);
      if (when != "DoNotSchedule" && when != "ScheduleAnyway") {
        fail(cp + ".whenUnsatisfiable",
             "unsupported value '" + when + "' (DoNotSchedule, ScheduleAnyway)");
      }
      c.do_not_schedule = when == "DoNotSchedule";
      c.selector = label_selector(get(cd, "labelSelector"), cp + ".labelSelector");
      if (py::object md2 = get(cd, "minDomains")) {
        c.min_domains = static_cast<std::int32_t>(as_int(md2, cp + ".minDomains"));
        if (*c.min_domains <= 0) fail(cp + ".minDomains", "must be greater than zero");
      }
      std::string nap = opt_str(cd, "nodeAffinityPolicy", cp);
      if (!nap.empty() && nap != "Honor" && nap != "Ignore")
        fail(cp + ".nodeAffinityPolicy", "unsupported value '" + nap + "' (Honor, Ignore)");
      c.honor_node_affinity = nap != "Ignore";
      std::string ntp = opt_str(cd, "nodeTaintsPolicy", cp);
      if (!ntp.empty() && ntp != "Honor" && ntp != "Ignore")
        fail(cp + ".nodeTaintsPolicy", "unsupported value '" + ntp + "' (Honor, Ignore)");
      c.honor_node_taints = ntp == "Honor";
      if (py::object mlk = get(cd, "matchLabelKeys")) {
        py::list kl = as_list(mlk, cp + ".matchLabelKeys");
        for (std::size_t j = 0; j < kl.size(); ++j)
          c.match_label_keys.push_back(as_str(kl[j], cp + ".matchLabelKeys"));
      }
      p.spread.push_back(std::move(c));
    }
  }
  if (py::object pr = get(spec, "priority")) {
    std::int64_t v = as_int(pr, "spec.priority");
    if (v < INT32_MIN || v > INT32_MAX) fail("spec.priority", "out of int32 range");
    p.priority = static_cast<std::int32_t>(v);
  }
  std::string pp = opt_str(spec, "preemptionPolicy", "spec");
  if (!pp.empty() && pp != "Never" && pp != "PreemptLowerPriority") {
    fail("spec.preemptionPolicy", "unsupported value '" + pp + "' (Never, PreemptLowerPriority)");
  }
  p.preempt_never = pp == "Never";
  if (py::object st = get(d, "status")) {
    py::dict sd = as_mapping(st, "status");
    if (py::object t = get(sd, "startTime"))
      p.start_time_ns = parse_time(as_str(t, "status.startTime"), "status.startTime");
    p.nominated_node_name = opt_str(sd, "nominatedNodeName", "status");
    if (py::object conds = get(sd, "conditions")) {
      py::list l = as_list(conds, "status.conditions");
      for (std::size_t i = 0; i < l.size(); ++i) {
        py::dict cd = as_mapping(l[i], "status.conditions[" + std::to_string(i) + "]");
        if (opt_str(cd, "type", "status.conditions") == "DisruptionTarget") {
          p.terminating_by_preemption =
              p.terminating && opt_str(cd, "status", "status.conditions") == "True" &&
              opt_str(cd, "reason", "status.conditions") == "PreemptionByScheduler";
          break;
        }
      }
    }
  }
  return p;
}

NodeSpecIn node_from_object(py::handle obj) {
  NodeSpecIn n;
  py::dict d = as_mapping(obj, "node");
  py::object md = get(d, "metadata");
  if (!md) fail("metadata", "required");
  py::dict m = as_mapping(md, "metadata");
  py::object name = get(m, "name");
  if (!name) fail("metadata.name", "required");
  n.name = as_str(name, "metadata.name");
  if (n.name.empty()) fail("metadata.name", "must not be empty");
  if (py::object l = get(m, "labels")) n.labels = string_map(l, "metadata.labels");
  if (py::object so = get(d, "spec")) {
    py::dict s = as_mapping(so, "spec");
    if (py::object u = get(s, "unschedulable")) n.unschedulable = as_bool(u, "spec.unschedulable");
    if (py::object ts = get(s, "taints")) {
      py::list l = as_list(ts, "spec.taints");
      for (std::size_t i = 0; i < l.size(); ++i) {
        std::string tp = "spec.taints[" + std::to_string(i) + "]";
        py::dict td = as_mapping(l[i], tp);
        TaintSpec t;
        t.key = opt_str(td, "key", tp);
        if (t.key.empty()) fail(tp + ".key", "required");
        t.value = opt_str(td, "value", tp);
        t.effect = opt_str(td, "effect", tp);
        if (t.effect != "NoSchedule" && t.effect != "PreferNoSchedule" && t.effect != "NoExecute") {
          fail(tp + ".effect",
               "unsupported value '" + t.effect + "' (NoSchedule, PreferNoSchedule, NoExecute)");
        }
        n.taints.push_back(std::move(t));
      }
    }
  }
  if (py::object so = get(d, "status")) {
    py::dict s = as_mapping(so, "status");
    py::object alloc = get(s, "allocatable");
    if (!alloc) alloc = get(s, "capacity");
    if (alloc) n.allocatable = resource_list(alloc, "status.allocatable");
    if (py::object imgs = get(s, "images")) {
      py::list l = as_list(imgs, "status.images");
      for (std::size_t i = 0; i < l.size(); ++i) {
        std::string ip = "status.images[" + std::to_string(i) + "]";
        py::dict id = as_mapping(l[i], ip);
        NodeImageSpec im;
        if (py::object names = get(id, "names")) {
          py::list nl = as_list(names, ip + ".names");
          for (std::size_t j = 0; j < nl.size(); ++j)
            im.names.push_back(as_str(nl[j], ip + ".names"));
        }
        if (py::object sz = get(id, "sizeBytes")) im.size_bytes = as_int(sz, ip + ".sizeBytes");
        n.images.push_back(std::move(im));
      }
    }
  }
  return n;
}

NamespaceSpecIn namespace_from_object(py::handle obj) {
  NamespaceSpecIn n;
  py::dict d = as_mapping(obj, "namespace");
  py::object md = get(d, "metadata");
  if (!md) fail("metadata", "required");
  py::dict m = as_mapping(md, "metadata");
  py::object name = get(m, "name");
  if (!name) fail("metadata.name", "required");
  n.name = as_str(name, "metadata.name");
  if (py::object l = get(m, "labels")) n.labels = string_map(l, "metadata.labels");
  bool has_name_label = false;
  for (const auto& [k, v] : n.labels) has_name_label |= k == "kubernetes.io/metadata.name";
  if (!has_name_label) n.labels.emplace_back("kubernetes.io/metadata.name", n.name);
  return n;
}

ObjectSpecIn object_from_object(py::handle obj) {
  ObjectSpecIn o;
  py::dict d = as_mapping(obj, "object");
  std::string kind = opt_str(d, "kind", "object");
  if (kind == "Service") {
    o.kind = ObjectKind::kService;
  } else if (kind == "ReplicaSet") {
    o.kind = ObjectKind::kReplicaSet;
  } else if (kind == "StatefulSet") {
    o.kind = ObjectKind::kStatefulSet;
  } else if (kind == "ReplicationController") {
    o.kind = ObjectKind::kReplicationController;
  } else if (kind == "PodDisruptionBudget") {
    o.kind = ObjectKind::kPodDisruptionBudget;
  } else if (kind == "PriorityClass") {
    o.kind = ObjectKind::kPriorityClass;
  } else if (kind == "RuntimeClass") {
    o.kind = ObjectKind::kOther;
  } else {
    fail("kind",
         "unsupported kind '" + kind +
             "' (Service, ReplicaSet, StatefulSet, ReplicationController, PodDisruptionBudget, "
             "PriorityClass, RuntimeClass)");
  }
  py::object md = get(d, "metadata");
  if (!md) fail("metadata", "required");
  py::dict m = as_mapping(md, "metadata");
  py::object name = get(m, "name");
  if (!name) fail("metadata.name", "required");
  o.name = as_str(name, "metadata.name");
  o.ns = opt_str(m, "namespace", "metadata");
  if (o.ns.empty() && o.kind != ObjectKind::kPriorityClass && o.kind != ObjectKind::kOther)
    o.ns = "default";
  py::object so = get(d, "spec");
  py::dict s = so ? as_mapping(so, "spec") : py::dict();
  switch (o.kind) {
    case ObjectKind::kService:
    case ObjectKind::kReplicationController:
      if (py::object sel = get(s, "selector")) {
        o.has_map_selector = true;
        o.map_selector = string_map(sel, "spec.selector");
      }
      break;
    case ObjectKind::kReplicaSet:
    case ObjectKind::kStatefulSet:
    case ObjectKind::kPodDisruptionBudget:
      o.selector = label_selector(get(s, "selector"), "spec.selector");
      break;
    case ObjectKind::kPriorityClass:
      if (py::object v = get(d, "value")) o.value = static_cast<std::int32_t>(as_int(v, "value"));
      break;
    default:
      break;
  }
  if (o.kind == ObjectKind::kPodDisruptionBudget) {
    if (py::object st = get(d, "status")) {
      py::dict sd = as_mapping(st, "status");
      if (py::object da = get(sd, "disruptionsAllowed"))
        o.disruptions_allowed = static_cast<std::int32_t>(as_int(da, "status.disruptionsAllowed"));
      if (py::object dp = get(sd, "disruptedPods")) {
        py::dict dd = as_mapping(dp, "status.disruptedPods");
        for (auto item : dd) o.disrupted_pods.push_back(as_str(item.first, "status.disruptedPods"));
      }
    }
  }
  return o;
}

}  // namespace kcore::bindings
