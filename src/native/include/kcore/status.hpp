#pragma once
// Outcome codes of filter plugins, one per node; values mirror kube-scheduler's framework.Code.
#include <cstdint>

namespace kcore {

enum class Code : std::uint8_t {
  kSuccess = 0,
  kError = 1,
  kUnschedulable = 2,
  kUnschedulableAndUnresolvable = 3,
  kWait = 4,
  kSkip = 5,
  kPending = 6,
};

}  // namespace kcore
