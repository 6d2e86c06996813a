// The kcore._native extension module: registration of every binding unit.
#include <pybind11/pybind11.h>

#include "kcore/version.hpp"

namespace py = pybind11;

void register_queue(py::module_& m);

PYBIND11_MODULE(_native, m) {
  m.doc() = "kcore native scheduling core";
  m.def("version", &kcore::version, "Version string of the native core.");
  register_queue(m);
}
