#include "kcore/version.hpp"

namespace kcore {
const char* version() noexcept { return "0.1.0"; }
}  // namespace kcore
