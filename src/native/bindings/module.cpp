// The kcore._native extension module: registration of every binding unit.
#include <pybind11/pybind11.h>

#include "kcore/version.hpp"

namespace py = pybind11;

namespace kcore::bindings {
void register_scheduler(py::module_& m);
}  // namespace kcore::bindings

void register_queue(py::module_& m);

PYBIND11_MODULE(_native, m) {
  m.doc() = "kcore native scheduling core";
  m.def("version", &kcore::version, "Version string of the native core.");
  kcore::bindings::register_scheduler(m);
  register_queue(m);
}
