#pragma once
// Conversion of Kubernetes-shaped Python dicts into the core's plain structs (conversion and
// validation only, no scheduling logic). Errors name the field path.
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>

#include "kcore/spec.hpp"

namespace kcore::bindings {

namespace py = pybind11;

// Raised for malformed objects; mapped to kcore.scheduler.InvalidObjectError (a ValueError).
struct ConversionError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

PodSpecIn pod_from_object(py::handle obj);
NodeSpecIn node_from_object(py::handle obj);
NamespaceSpecIn namespace_from_object(py::handle obj);
ObjectSpecIn object_from_object(py::handle obj);
// RFC 3339 timestamp -> ns since the Unix epoch.
std::int64_t parse_time(const std::string& text, const std::string& path);
std::string kind_of(py::handle obj);

}  // namespace kcore::bindings
