#pragma once
// Kubernetes resource.Quantity parsing: the exact grammar of k8s.io/apimachinery, converted to
// int64 milli-units or units rounded up (as Quantity.MilliValue()/Value() do). Errors are values.
#include <cstdint>
#include <string>
#include <string_view>

namespace kcore {

struct QuantityResult {
  bool ok = false;
  std::int64_t value = 0;  // valid when ok
  std::string error;       // set when !ok: what is wrong with the text
};

// Parses `text` and returns ceil(quantity * 1000) when `milli`, else ceil(quantity).
// Fails on malformed text, on negative values when `allow_negative` is false, and when the
// result does not fit in int64.
QuantityResult parse_quantity(std::string_view text, bool milli, bool allow_negative = false);

}  // namespace kcore
