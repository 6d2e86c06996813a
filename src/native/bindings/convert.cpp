#include "convert.hpp"

#include <cmath>
#include <string_view>
#include <unordered_map>

#include "kcore/quantity.hpp"

namespace kcore::bindings {
namespace {

// --- field paths ------------------------------------------------------------------------------
// A field path ("spec.containers[0].resources") as a chain of stack frames; it is rendered only
// when an error is reported, so converting a valid object builds no path strings.
class Path {
 public:
  explicit Path(std::string_view root) : name_(root) {}
  Path child(std::string_view name) const { return Path(this, name, 0); }
  Path index(std::size_t i) const { return Path(this, {}, i + 1); }
  std::string str() const {
    std::string out = parent_ ? parent_->str() : std::string();
    if (index_ > 0) {
      out += '[';
      out += std::to_string(index_ - 1);
      out += ']';
    } else {
      if (!out.empty() && !name_.empty()) out += '.';
      out += name_;
    }
    return out;
  }

 private:
  Path(const Path* parent, std::string_view name, std::size_t index)
      : parent_(parent), name_(name), index_(index) {}
  const Path* parent_ = nullptr;
  std::string_view name_;
  std::size_t index_ = 0;  // 0: a named segment, else the list index + 1
};

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw ConversionError(path + ": " + why);
}
[[noreturn]] void fail(const Path& path, const std::string& why) { fail(path.str(), why); }

// --- interned keys ----------------------------------------------------------------------------
// Every field name the converters look up, as one interned Python string created once: lookups
// hash nothing (the hash is cached in the string) and allocate nothing.
#define KCORE_KEYS(X)                                                                              \
  X(affinity)                                                                                      \
  X(allocatable)                                                                                   \
  X(apiVersion)                                                                                    \
  X(capacity)                                                                                      \
  X(conditions) X(containerPort) X(containers) X(controller) X(deletionTimestamp) X(disruptedPods) \
      X(disruptionsAllowed) X(effect) X(hostIP) X(hostPort) X(image) X(images) X(initContainers)   \
          X(key) X(kind) X(labelSelector) X(labels) X(matchExpressions) X(matchFields) X(          \
              matchLabelKeys) X(matchLabels) X(maxSkew) X(metadata) X(minDomains) X(name) X(names) \
              X(namespaceSelector) X(namespaces) X(nodeAffinity) X(nodeAffinityPolicy) X(nodeName) \
                  X(nodeSelector) X(nodeSelectorTerms) X(nodeTaintsPolicy) X(nominatedNodeName)    \
                      X(overhead) X(ownerReferences) X(podAffinity) X(podAffinityTerm)             \
                          X(podAntiAffinity) X(ports) X(preemptionPolicy) X(preference)            \
                              X(preferredDuringSchedulingIgnoredDuringExecution) X(priority)       \
                                  X(protocol) X(reason) X(requests)                                \
                                      X(requiredDuringSchedulingIgnoredDuringExecution)            \
                                          X(resources) X(restartPolicy) X(schedulerName)           \
                                              X(selector) X(sizeBytes) X(spec) X(startTime)        \
                                                  X(status) X(taints) X(tolerations)               \
                                                      X(topologyKey) X(topologySpreadConstraints)  \
                                                          X(type) X(uid) X(unschedulable) X(value) \
                                                              X(values) X(weight)                  \
                                                                  X(whenUnsatisfiable)

// One interned key: the Python string and its text (for field paths).
struct Key {
  PyObject* obj = nullptr;
  const char* name = "";
};

struct Keys {
#define KCORE_KEY_FIELD(k) Key k;
  KCORE_KEYS(KCORE_KEY_FIELD)
#undef KCORE_KEY_FIELD
  Key namespace_;  // "namespace" and "operator" are C++ keywords
  Key operator_;
};

// Created on first use (with the GIL held) and kept for the life of the process: the strings are
// immortal in practice, so no destructor runs after the interpreter has gone.
const Keys& keys() {
  static const Keys* k = [] {
    auto* out = new Keys;
    auto make = [](const char* text) {
      PyObject* o = PyUnicode_InternFromString(text);
      if (o == nullptr) throw py::error_already_set();
      return Key{o, text};
    };
#define KCORE_KEY_INIT(name) out->name = make(#name);
    KCORE_KEYS(KCORE_KEY_INIT)
#undef KCORE_KEY_INIT
    out->namespace_ = make("namespace");
    out->operator_ = make("operator");
    return out;
  }();
  return *k;
}

// --- value access -----------------------------------------------------------------------------

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")); }

// Item i of a list (borrowed; the list keeps it alive).
inline PyObject* item(const py::list& l, std::size_t i) {
  return PyList_GET_ITEM(l.ptr(), static_cast<Py_ssize_t>(i));
}

// Mapping access: dicts directly, other Mappings through a dict copy of their items.
py::dict as_mapping(py::handle h, const Path& path) {
  if (PyDict_Check(h.ptr())) return py::reinterpret_borrow<py::dict>(h);
  py::module_ abc = py::module_::import("collections.abc");
  if (py::isinstance(h, abc.attr("Mapping")))
    return py::dict(py::reinterpret_borrow<py::object>(h));
  fail(path, "expected a mapping, got " + type_name(h));
}

// The value of `key`, or nullptr when absent or None (borrowed from the dict).
PyObject* get(const py::dict& d, const Key& key) {
  PyObject* v = PyDict_GetItemWithError(d.ptr(), key.obj);
  if (v == nullptr) {
    if (PyErr_Occurred()) throw py::error_already_set();
    return nullptr;
  }
  return v == Py_None ? nullptr : v;
}

// The UTF-8 of a str (no copy for ASCII strings, whose UTF-8 is their storage).
std::string_view utf8(PyObject* s, const Path& path) {
  Py_ssize_t n = 0;
  const char* p = PyUnicode_AsUTF8AndSize(s, &n);
  if (p == nullptr) {
    PyErr_Clear();
    fail(path, "string is not valid UTF-8");
  }
  return {p, static_cast<std::size_t>(n)};
}

std::string_view as_str_view(PyObject* h, const Path& path) {
  if (!PyUnicode_Check(h)) fail(path, "expected a string, got " + type_name(h));
  return utf8(h, path);
}
std::string as_str(PyObject* h, const Path& path) { return std::string(as_str_view(h, path)); }

std::int64_t as_int(PyObject* h, const Path& path) {
  if (PyBool_Check(h) || !PyLong_Check(h)) fail(path, "expected an integer, got " + type_name(h));
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(h, &overflow);
  if (overflow != 0) fail(path, "integer out of range");
  if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
  return static_cast<std::int64_t>(v);
}

bool as_bool(PyObject* h, const Path& path) {
  if (!PyBool_Check(h)) fail(path, "expected a boolean, got " + type_name(h));
  return h == Py_True;
}

// A list (borrowed) or a tuple (copied into a list).
py::list as_list(PyObject* h, const Path& path) {
  if (PyList_Check(h)) return py::reinterpret_borrow<py::list>(h);
  if (PyTuple_Check(h)) return py::list(py::reinterpret_borrow<py::object>(h));
  fail(path, "expected a list, got " + type_name(h));
}

std::string opt_str(const py::dict& d, const Key& key, const Path& path) {
  PyObject* v = get(d, key);
  if (v == nullptr) return std::string();
  if (!PyUnicode_Check(v)) fail(path.child(key.name), "expected a string, got " + type_name(v));
  return std::string(utf8(v, path.child(key.name)));
}

StringPairs string_map(PyObject* h, const Path& path) {
  StringPairs out;
  py::dict d = as_mapping(h, path);
  out.reserve(static_cast<std::size_t>(PyDict_Size(d.ptr())));
  Py_ssize_t pos = 0;
  PyObject *k = nullptr, *v = nullptr;
  while (PyDict_Next(d.ptr(), &pos, &k, &v)) {
    std::string_view key = as_str_view(k, path);
    out.emplace_back(std::string(key), v == Py_None ? std::string() : as_str(v, path.child(key)));
  }
  return out;
}

// Parsed quantities by text, per unit: the same few strings ("100m", "128Mi") recur across pods.
// Bounded: cleared when it grows past kMaxCached entries. Holds only plain C++ values.
class QuantityCache {
 public:
  const QuantityResult& parse(std::string_view text, bool milli) {
    auto& m = milli ? milli_ : units_;
    auto it = m.find(text);
    if (it != m.end()) return it->second;
    if (m.size() >= kMaxCached) m.clear();
    return m.emplace(std::string(text), parse_quantity(std::string(text), milli)).first->second;
  }

 private:
  static constexpr std::size_t kMaxCached = 4096;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_map<std::string, QuantityResult, Hash, std::equal_to<>> milli_, units_;
};

QuantityCache& quantity_cache() {
  static thread_local QuantityCache cache;
  return cache;
}

std::int64_t quantity(PyObject* h, bool milli, const Path& path) {
  if (PyUnicode_Check(h)) {
    const QuantityResult& r = quantity_cache().parse(utf8(h, path), milli);
    if (!r.ok) fail(path, r.error);
    return r.value;
  }
  std::string text;
  if (PyLong_Check(h) && !PyBool_Check(h)) {
    text = py::str(h).cast<std::string>();
  } else if (PyFloat_Check(h)) {
    double v = PyFloat_AsDouble(h);
    if (!std::isfinite(v)) fail(path, "quantity must be finite");
    text = py::repr(h).cast<std::string>();
  } else {
    fail(path, "expected a quantity string, got " + type_name(h));
  }
  QuantityResult r = parse_quantity(text, milli);
  if (!r.ok) fail(path, r.error);
  return r.value;
}

ResourceList resource_list(PyObject* h, const Path& path) {
  ResourceList out;
  py::dict d = as_mapping(h, path);
  out.reserve(static_cast<std::size_t>(PyDict_Size(d.ptr())));
  Py_ssize_t pos = 0;
  PyObject *k = nullptr, *v = nullptr;
  while (PyDict_Next(d.ptr(), &pos, &k, &v)) {
    std::string_view name = as_str_view(k, path);
    out.emplace_back(std::string(name), quantity(v, name == "cpu", path.child(name)));
  }
  return out;
}

SelOp sel_op(std::string_view op, bool node_selector, const Path& path) {
  if (op == "In") return SelOp::kIn;
  if (op == "NotIn") return SelOp::kNotIn;
  if (op == "Exists") return SelOp::kExists;
  if (op == "DoesNotExist") return SelOp::kDoesNotExist;
  if (node_selector && op == "Gt") return SelOp::kGt;
  if (node_selector && op == "Lt") return SelOp::kLt;
  fail(path, "unknown operator '" + std::string(op) + "'" +
                 (node_selector ? " (In, NotIn, Exists, DoesNotExist, Gt, Lt)"
                                : " (In, NotIn, Exists, DoesNotExist)"));
}

std::vector<RequirementSpec> requirements(PyObject* h, bool node_selector, const Path& path) {
  const Keys& K = keys();
  std::vector<RequirementSpec> out;
  py::list l = as_list(h, path);
  out.reserve(l.size());
  for (std::size_t i = 0; i < l.size(); ++i) {
    Path p = path.index(i);
    py::dict d = as_mapping(item(l, i), p);
    RequirementSpec r;
    PyObject* key = get(d, K.key);
    if (!key) fail(p.child("key"), "required");
    r.key = as_str(key, p.child("key"));
    PyObject* op = get(d, K.operator_);
    if (!op) fail(p.child("operator"), "required");
    r.op = sel_op(as_str_view(op, p.child("operator")), node_selector, p.child("operator"));
    if (PyObject* vals = get(d, K.values)) {
      py::list vl = as_list(vals, p.child("values"));
      r.values.reserve(vl.size());
      for (std::size_t j = 0; j < vl.size(); ++j)
        r.values.push_back(as_str(item(vl, j), p.child("values").index(j)));
    } else {
      r.values_nil = true;
    }
    out.push_back(std::move(r));
  }
  return out;
}

LabelSelectorSpec label_selector(PyObject* h, const Path& path) {
  const Keys& K = keys();
  LabelSelectorSpec s;
  if (h == nullptr) return s;
  py::dict d = as_mapping(h, path);
  s.present = true;
  if (PyObject* ml = get(d, K.matchLabels))
    s.match_labels = string_map(ml, path.child("matchLabels"));
  if (PyObject* me = get(d, K.matchExpressions))
    s.match_expressions = requirements(me, false, path.child("matchExpressions"));
  return s;
}

NodeSelectorTermSpec node_term(py::handle h, const Path& path) {
  const Keys& K = keys();
  NodeSelectorTermSpec t;
  py::dict d = as_mapping(h, path);
  if (PyObject* me = get(d, K.matchExpressions))
    t.match_expressions = requirements(me, true, path.child("matchExpressions"));
  if (PyObject* mf = get(d, K.matchFields))
    t.match_fields = requirements(mf, true, path.child("matchFields"));
  return t;
}

PodAffinityTermSpec affinity_term(py::handle h, const Path& path, bool weighted) {
  const Keys& K = keys();
  PodAffinityTermSpec t;
  py::dict d = as_mapping(h, path);
  const Path inner = path.child("podAffinityTerm");
  const Path& p = weighted ? inner : path;
  if (weighted) {
    PyObject* w = get(d, K.weight);
    if (!w) fail(path.child("weight"), "required");
    t.weight = static_cast<std::int32_t>(as_int(w, path.child("weight")));
    if (t.weight < 1 || t.weight > 100) fail(path.child("weight"), "must be in the range 1-100");
    PyObject* term = get(d, K.podAffinityTerm);
    if (!term) fail(inner, "required");
    d = as_mapping(term, inner);
  }
  t.selector = label_selector(get(d, K.labelSelector), p.child("labelSelector"));
  if (PyObject* ns = get(d, K.namespaces)) {
    py::list l = as_list(ns, p.child("namespaces"));
    t.namespaces.reserve(l.size());
    for (std::size_t i = 0; i < l.size(); ++i)
      t.namespaces.push_back(as_str(item(l, i), p.child("namespaces")));
  }
  t.namespace_selector = label_selector(get(d, K.namespaceSelector), p.child("namespaceSelector"));
  PyObject* tk = get(d, K.topologyKey);
  if (!tk) fail(p.child("topologyKey"), "required");
  t.topology_key = as_str(tk, p.child("topologyKey"));
  if (t.topology_key.empty()) fail(p.child("topologyKey"), "must not be empty");
  return t;
}

std::vector<PodAffinityTermSpec> affinity_terms(const py::dict& d, const Key& key, const Path& path,
                                                bool weighted) {
  std::vector<PodAffinityTermSpec> out;
  if (PyObject* v = get(d, key)) {
    Path lp = path.child(key.name);
    py::list l = as_list(v, lp);
    out.reserve(l.size());
    for (std::size_t i = 0; i < l.size(); ++i)
      out.push_back(affinity_term(item(l, i), lp.index(i), weighted));
  }
  return out;
}

ContainerSpec container(py::handle h, const Path& path, bool init) {
  const Keys& K = keys();
  ContainerSpec c;
  py::dict d = as_mapping(h, path);
  c.name = opt_str(d, K.name, path);
  c.image = opt_str(d, K.image, path);
  if (PyObject* res = get(d, K.resources)) {
    Path rp = path.child("resources");
    py::dict rd = as_mapping(res, rp);
    if (PyObject* req = get(rd, K.requests)) c.requests = resource_list(req, rp.child("requests"));
  }
  if (PyObject* ports = get(d, K.ports)) {
    Path pp = path.child("ports");
    py::list l = as_list(ports, pp);
    for (std::size_t i = 0; i < l.size(); ++i) {
      Path p = pp.index(i);
      py::dict pd = as_mapping(item(l, i), p);
      PortSpec ps;
      if (PyObject* hp = get(pd, K.hostPort))
        ps.host_port = static_cast<std::int32_t>(as_int(hp, p.child("hostPort")));
      if (ps.host_port < 0 || ps.host_port > 65535)
        fail(p.child("hostPort"), "must be between 0 and 65535");
      if (ps.host_port == 0) continue;
      ps.host_ip = opt_str(pd, K.hostIP, p);
      ps.protocol = opt_str(pd, K.protocol, p);
      c.ports.push_back(std::move(ps));
    }
  }
  if (init) {
    if (PyObject* rp = get(d, K.restartPolicy))
      c.restartable = as_str_view(rp, path.child("restartPolicy")) == "Always";
  }
  return c;
}

}  // namespace

std::string kind_of(py::handle obj) {
  py::dict d = as_mapping(obj, Path("object"));
  PyObject* k = get(d, keys().kind);
  return k ? as_str(k, Path("kind")) : std::string();
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

// An object's `metadata` (required) and `metadata.name` (required; empty is the caller's call).
struct Metadata {
  py::dict m;
  std::string name;
};

Metadata required_metadata(const py::dict& d) {
  const Keys& K = keys();
  const Path mp("metadata");
  PyObject* md = get(d, K.metadata);
  if (!md) fail(mp, "required");
  py::dict m = as_mapping(md, mp);
  PyObject* name = get(m, K.name);
  if (!name) fail(mp.child("name"), "required");
  return {m, as_str(name, mp.child("name"))};
}

PodSpecIn pod_from_object(py::handle obj) {
  const Keys& K = keys();
  PodSpecIn p;
  py::dict d = as_mapping(obj, Path("pod"));
  const Path mp("metadata");
  auto [m, name] = required_metadata(d);
  p.name = std::move(name);
  if (p.name.empty()) fail(mp.child("name"), "must not be empty");
  p.ns = opt_str(m, K.namespace_, mp);
  if (p.ns.empty()) p.ns = "default";
  p.uid = opt_str(m, K.uid, mp);
  if (PyObject* l = get(m, K.labels)) p.labels = string_map(l, mp.child("labels"));
  p.terminating = get(m, K.deletionTimestamp) != nullptr;
  if (PyObject* owners = get(m, K.ownerReferences)) {
    Path op = mp.child("ownerReferences");
    py::list l = as_list(owners, op);
    for (std::size_t i = 0; i < l.size(); ++i) {
      Path path = op.index(i);
      py::dict o = as_mapping(item(l, i), path);
      PyObject* ctl = get(o, K.controller);
      if (ctl && as_bool(ctl, path.child("controller"))) {
        p.controller = OwnerRefSpec{opt_str(o, K.apiVersion, path), opt_str(o, K.kind, path),
                                    opt_str(o, K.name, path)};
        break;
      }
    }
  }
  const Path sp("spec");
  PyObject* spec_o = get(d, K.spec);
  py::dict spec = spec_o ? as_mapping(spec_o, sp) : py::dict();
  p.node_name = opt_str(spec, K.nodeName, sp);
  p.scheduler_name = opt_str(spec, K.schedulerName, sp);
  if (PyObject* cs = get(spec, K.containers)) {
    Path cp = sp.child("containers");
    py::list l = as_list(cs, cp);
    p.containers.reserve(l.size());
    for (std::size_t i = 0; i < l.size(); ++i)
      p.containers.push_back(container(item(l, i), cp.index(i), false));
  }
  if (PyObject* cs = get(spec, K.initContainers)) {
    Path cp = sp.child("initContainers");
    py::list l = as_list(cs, cp);
    p.init_containers.reserve(l.size());
    for (std::size_t i = 0; i < l.size(); ++i)
      p.init_containers.push_back(container(item(l, i), cp.index(i), true));
  }
  if (PyObject* o = get(spec, K.overhead)) p.overhead = resource_list(o, sp.child("overhead"));
  if (PyObject* r = get(spec, K.resources)) {
    Path rp = sp.child("resources");
    py::dict rd = as_mapping(r, rp);
    if (PyObject* req = get(rd, K.requests))
      p.pod_requests = resource_list(req, rp.child("requests"));
  }
  if (PyObject* ns = get(spec, K.nodeSelector)) {
    p.has_node_selector = true;
    p.node_selector = string_map(ns, sp.child("nodeSelector"));
  }
  if (PyObject* aff = get(spec, K.affinity)) {
    Path ap = sp.child("affinity");
    py::dict a = as_mapping(aff, ap);
    if (PyObject* na = get(a, K.nodeAffinity)) {
      Path base = ap.child("nodeAffinity");
      py::dict n = as_mapping(na, base);
      if (PyObject* req = get(n, K.requiredDuringSchedulingIgnoredDuringExecution)) {
        p.node_affinity.has_required = true;
        Path rp = base.child("requiredDuringSchedulingIgnoredDuringExecution");
        py::dict rd = as_mapping(req, rp);
        if (PyObject* terms = get(rd, K.nodeSelectorTerms)) {
          Path tp = rp.child("nodeSelectorTerms");
          py::list l = as_list(terms, tp);
          p.node_affinity.required_terms.reserve(l.size());
          for (std::size_t i = 0; i < l.size(); ++i)
            p.node_affinity.required_terms.push_back(node_term(item(l, i), tp.index(i)));
        }
      }
      if (PyObject* pref = get(n, K.preferredDuringSchedulingIgnoredDuringExecution)) {
        p.node_affinity.has_preferred = true;
        Path pp = base.child("preferredDuringSchedulingIgnoredDuringExecution");
        py::list l = as_list(pref, pp);
        p.node_affinity.preferred.reserve(l.size());
        for (std::size_t i = 0; i < l.size(); ++i) {
          Path ip = pp.index(i);
          py::dict td = as_mapping(item(l, i), ip);
          PreferredSchedulingTermSpec t;
          PyObject* w = get(td, K.weight);
          if (!w) fail(ip.child("weight"), "required");
          t.weight = static_cast<std::int32_t>(as_int(w, ip.child("weight")));
          if (t.weight < 0 || t.weight > 100)
            fail(ip.child("weight"), "must be in the range 0-100");
          if (PyObject* pr = get(td, K.preference))
            t.preference = node_term(pr, ip.child("preference"));
          p.node_affinity.preferred.push_back(std::move(t));
        }
      }
    }
    if (PyObject* pa = get(a, K.podAffinity)) {
      p.has_pod_affinity = true;
      Path pp = ap.child("podAffinity");
      py::dict pd = as_mapping(pa, pp);
      p.affinity_required =
          affinity_terms(pd, K.requiredDuringSchedulingIgnoredDuringExecution, pp, false);
      p.affinity_preferred =
          affinity_terms(pd, K.preferredDuringSchedulingIgnoredDuringExecution, pp, true);
    }
    if (PyObject* pa = get(a, K.podAntiAffinity)) {
      p.has_pod_anti_affinity = true;
      Path pp = ap.child("podAntiAffinity");
      py::dict pd = as_mapping(pa, pp);
      p.anti_required =
          affinity_terms(pd, K.requiredDuringSchedulingIgnoredDuringExecution, pp, false);
      p.anti_preferred =
          affinity_terms(pd, K.preferredDuringSchedulingIgnoredDuringExecution, pp, true);
    }
  }
  if (PyObject* tols = get(spec, K.tolerations)) {
    Path tl = sp.child("tolerations");
    py::list l = as_list(tols, tl);
    p.tolerations.reserve(l.size());
    for (std::size_t i = 0; i < l.size(); ++i) {
      Path tp = tl.index(i);
      py::dict td = as_mapping(item(l, i), tp);
      TolerationSpec t;
      t.key = opt_str(td, K.key, tp);
      t.op = opt_str(td, K.operator_, tp);
      if (!t.op.empty() && t.op != "Exists" && t.op != "Equal") {
        fail(tp.child("operator"), "unknown operator '" + t.op + "' (Exists, Equal)");
      }
      t.value = opt_str(td, K.value, tp);
      t.effect = opt_str(td, K.effect, tp);
      p.tolerations.push_back(std::move(t));
    }
  }
  if (PyObject* tsc = get(spec, K.topologySpreadConstraints)) {
    Path tl = sp.child("topologySpreadConstraints");
    py::list l = as_list(tsc, tl);
    p.spread.reserve(l.size());
    for (std::size_t i = 0; i < l.size(); ++i) {
      Path cp = tl.index(i);
      py::dict cd = as_mapping(item(l, i), cp);
      TopologySpreadConstraintSpec c;
      PyObject* ms = get(cd, K.maxSkew);
      if (!ms) fail(cp.child("maxSkew"), "required");
      c.max_skew = static_cast<std::int32_t>(as_int(ms, cp.child("maxSkew")));
      if (c.max_skew <= 0) fail(cp.child("maxSkew"), "must be greater than zero");
      PyObject* tk = get(cd, K.topologyKey);
      if (!tk) fail(cp.child("topologyKey"), "required");
      c.topology_key = as_str(tk, cp.child("topologyKey"));
      std::string when = opt_str(cd, K.whenUnsatisfiable, cp);
      if (when != "DoNotSchedule" && when != "ScheduleAnyway") {
        fail(cp.child("whenUnsatisfiable"),
             "unsupported value '" + when + "' (DoNotSchedule, ScheduleAnyway)");
      }
      c.do_not_schedule = when == "DoNotSchedule";
      c.selector = label_selector(get(cd, K.labelSelector), cp.child("labelSelector"));
      if (PyObject* md2 = get(cd, K.minDomains)) {
        c.min_domains = static_cast<std::int32_t>(as_int(md2, cp.child("minDomains")));
        if (*c.min_domains <= 0) fail(cp.child("minDomains"), "must be greater than zero");
      }
      std::string nap = opt_str(cd, K.nodeAffinityPolicy, cp);
      if (!nap.empty() && nap != "Honor" && nap != "Ignore")
        fail(cp.child("nodeAffinityPolicy"), "unsupported value '" + nap + "' (Honor, Ignore)");
      c.honor_node_affinity = nap != "Ignore";
      std::string ntp = opt_str(cd, K.nodeTaintsPolicy, cp);
      if (!ntp.empty() && ntp != "Honor" && ntp != "Ignore")
        fail(cp.child("nodeTaintsPolicy"), "unsupported value '" + ntp + "' (Honor, Ignore)");
      c.honor_node_taints = ntp == "Honor";
      if (PyObject* mlk = get(cd, K.matchLabelKeys)) {
        py::list kl = as_list(mlk, cp.child("matchLabelKeys"));
        for (std::size_t j = 0; j < kl.size(); ++j)
          c.match_label_keys.push_back(as_str(item(kl, j), cp.child("matchLabelKeys")));
      }
      p.spread.push_back(std::move(c));
    }
  }
  if (PyObject* pr = get(spec, K.priority)) {
    std::int64_t v = as_int(pr, sp.child("priority"));
    if (v < INT32_MIN || v > INT32_MAX) fail(sp.child("priority"), "out of int32 range");
    p.priority = static_cast<std::int32_t>(v);
  }
  std::string pp = opt_str(spec, K.preemptionPolicy, sp);
  if (!pp.empty() && pp != "Never" && pp != "PreemptLowerPriority") {
    fail(sp.child("preemptionPolicy"),
         "unsupported value '" + pp + "' (Never, PreemptLowerPriority)");
  }
  p.preempt_never = pp == "Never";
  if (PyObject* st = get(d, K.status)) {
    const Path stp("status");
    py::dict sd = as_mapping(st, stp);
    if (PyObject* t = get(sd, K.startTime))
      p.start_time_ns = parse_time(as_str(t, stp.child("startTime")), "status.startTime");
    p.nominated_node_name = opt_str(sd, K.nominatedNodeName, stp);
    if (PyObject* conds = get(sd, K.conditions)) {
      Path cl = stp.child("conditions");
      py::list l = as_list(conds, cl);
      for (std::size_t i = 0; i < l.size(); ++i) {
        py::dict cd = as_mapping(item(l, i), cl.index(i));
        if (opt_str(cd, K.type, cl) == "DisruptionTarget") {
          p.terminating_by_preemption = p.terminating && opt_str(cd, K.status, cl) == "True" &&
                                        opt_str(cd, K.reason, cl) == "PreemptionByScheduler";
          break;
        }
      }
    }
  }
  return p;
}

NodeSpecIn node_from_object(py::handle obj) {
  const Keys& K = keys();
  NodeSpecIn n;
  py::dict d = as_mapping(obj, Path("node"));
  const Path mp("metadata");
  auto [m, name] = required_metadata(d);
  n.name = std::move(name);
  if (n.name.empty()) fail(mp.child("name"), "must not be empty");
  if (PyObject* l = get(m, K.labels)) n.labels = string_map(l, mp.child("labels"));
  if (PyObject* so = get(d, K.spec)) {
    const Path sp("spec");
    py::dict s = as_mapping(so, sp);
    if (PyObject* u = get(s, K.unschedulable))
      n.unschedulable = as_bool(u, sp.child("unschedulable"));
    if (PyObject* ts = get(s, K.taints)) {
      Path tl = sp.child("taints");
      py::list l = as_list(ts, tl);
      for (std::size_t i = 0; i < l.size(); ++i) {
        Path tp = tl.index(i);
        py::dict td = as_mapping(item(l, i), tp);
        TaintSpec t;
        t.key = opt_str(td, K.key, tp);
        if (t.key.empty()) fail(tp.child("key"), "required");
        t.value = opt_str(td, K.value, tp);
        t.effect = opt_str(td, K.effect, tp);
        if (t.effect != "NoSchedule" && t.effect != "PreferNoSchedule" && t.effect != "NoExecute") {
          fail(tp.child("effect"),
               "unsupported value '" + t.effect + "' (NoSchedule, PreferNoSchedule, NoExecute)");
        }
        n.taints.push_back(std::move(t));
      }
    }
  }
  if (PyObject* so = get(d, K.status)) {
    const Path stp("status");
    py::dict s = as_mapping(so, stp);
    PyObject* alloc = get(s, K.allocatable);
    if (!alloc) alloc = get(s, K.capacity);
    if (alloc) n.allocatable = resource_list(alloc, stp.child("allocatable"));
    if (PyObject* imgs = get(s, K.images)) {
      Path il = stp.child("images");
      py::list l = as_list(imgs, il);
      for (std::size_t i = 0; i < l.size(); ++i) {
        Path ip = il.index(i);
        py::dict id = as_mapping(item(l, i), ip);
        NodeImageSpec im;
        if (PyObject* names = get(id, K.names)) {
          py::list nl = as_list(names, ip.child("names"));
          for (std::size_t j = 0; j < nl.size(); ++j)
            im.names.push_back(as_str(item(nl, j), ip.child("names")));
        }
        if (PyObject* sz = get(id, K.sizeBytes)) im.size_bytes = as_int(sz, ip.child("sizeBytes"));
        n.images.push_back(std::move(im));
      }
    }
  }
  return n;
}

NamespaceSpecIn namespace_from_object(py::handle obj) {
  const Keys& K = keys();
  NamespaceSpecIn n;
  py::dict d = as_mapping(obj, Path("namespace"));
  const Path mp("metadata");
  auto [m, name] = required_metadata(d);
  n.name = std::move(name);
  if (PyObject* l = get(m, K.labels)) n.labels = string_map(l, mp.child("labels"));
  bool has_name_label = false;
  for (const auto& [k, v] : n.labels) has_name_label |= k == "kubernetes.io/metadata.name";
  if (!has_name_label) n.labels.emplace_back("kubernetes.io/metadata.name", n.name);
  return n;
}

ObjectSpecIn object_from_object(py::handle obj) {
  const Keys& K = keys();
  ObjectSpecIn o;
  py::dict d = as_mapping(obj, Path("object"));
  std::string kind = opt_str(d, K.kind, Path("object"));
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
  const Path mp("metadata");
  auto [m, name] = required_metadata(d);
  o.name = std::move(name);
  o.ns = opt_str(m, K.namespace_, mp);
  if (o.ns.empty() && o.kind != ObjectKind::kPriorityClass && o.kind != ObjectKind::kOther)
    o.ns = "default";
  const Path sp("spec");
  PyObject* so = get(d, K.spec);
  py::dict s = so ? as_mapping(so, sp) : py::dict();
  switch (o.kind) {
    case ObjectKind::kService:
    case ObjectKind::kReplicationController:
      if (PyObject* sel = get(s, K.selector)) {
        o.has_map_selector = true;
        o.map_selector = string_map(sel, sp.child("selector"));
      }
      break;
    case ObjectKind::kReplicaSet:
    case ObjectKind::kStatefulSet:
    case ObjectKind::kPodDisruptionBudget:
      o.selector = label_selector(get(s, K.selector), sp.child("selector"));
      break;
    case ObjectKind::kPriorityClass:
      if (PyObject* v = get(d, K.value))
        o.value = static_cast<std::int32_t>(as_int(v, Path("value")));
      break;
    default:
      break;
  }
  if (o.kind == ObjectKind::kPodDisruptionBudget) {
    if (PyObject* st = get(d, K.status)) {
      const Path stp("status");
      py::dict sd = as_mapping(st, stp);
      if (PyObject* da = get(sd, K.disruptionsAllowed))
        o.disruptions_allowed =
            static_cast<std::int32_t>(as_int(da, stp.child("disruptionsAllowed")));
      if (PyObject* dp = get(sd, K.disruptedPods)) {
        Path dpp = stp.child("disruptedPods");
        py::dict dd = as_mapping(dp, dpp);
        Py_ssize_t pos = 0;
        PyObject *k = nullptr, *v = nullptr;
        while (PyDict_Next(dd.ptr(), &pos, &k, &v)) o.disrupted_pods.push_back(as_str(k, dpp));
      }
    }
  }
  return o;
}

}  // namespace kcore::bindings
