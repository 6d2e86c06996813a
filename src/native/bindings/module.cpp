// The kcore._native extension module: registration of every binding unit.
#include <pybind11/pybind11.h>

#include "kcore/version.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_native, m) {
  m.doc() = "kcore native scheduling core";
  m.def("version", &kcore::version, "Version string of the native core.");
}
