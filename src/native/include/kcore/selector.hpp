#pragma once
// Compiled label selectors (k8s.io/apimachinery labels.Selector) over interned label sets.
// A LabelSet is a vector of (key id, value id) sorted by key id.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kcore/spec.hpp"

namespace kcore {

using LabelSet = std::vector<std::pair<std::int32_t, std::int32_t>>;

inline std::int32_t label_value(const LabelSet& labels, std::int32_t key) noexcept {
  auto it = std::lower_bound(labels.begin(), labels.end(), std::make_pair(key, INT32_MIN));
  return (it != labels.end() && it->first == key) ? it->second : -1;
}

// Parses a base-10 int64 exactly as strconv.ParseInt(s, 10, 64).
std::optional<std::int64_t> parse_int64(const std::string& s) noexcept;

struct CompiledRequirement {
  std::int32_t key = -1;
  SelOp op = SelOp::kIn;
  std::vector<std::int32_t> values;  // sorted value ids (In / NotIn)
  std::int64_t number = 0;           // Gt / Lt operand
  bool number_ok = false;            // Gt / Lt operand parsed
};

// labels.Selector: `nothing` for a nil selector (or a parse error); no requirements = everything.
struct CompiledSelector {
  bool nothing = false;
  std::vector<CompiledRequirement> reqs;  // sorted by (key, op, values) for canonical form

  bool everything() const noexcept { return !nothing && reqs.empty(); }
  // `numeric(value id)` returns the parsed int64 of a value id (for Gt/Lt), if any.
  template <class NumericFn>
  bool matches(const LabelSet& labels, NumericFn&& numeric) const noexcept {
    if (nothing) return false;
    for (const auto& r : reqs) {
      std::int32_t v = label_value(labels, r.key);
      switch (r.op) {
        case SelOp::kIn:
          if (v < 0 || !std::binary_search(r.values.begin(), r.values.end(), v)) return false;
          break;
        case SelOp::kNotIn:
          if (v >= 0 && std::binary_search(r.values.begin(), r.values.end(), v)) return false;
          break;
        case SelOp::kExists:
          if (v < 0) return false;
          break;
        case SelOp::kDoesNotExist:
          if (v >= 0) return false;
          break;
        case SelOp::kGt:
        case SelOp::kLt: {
          if (v < 0 || !r.number_ok) return false;
          std::optional<std::int64_t> n = numeric(v);
          if (!n) return false;
          if (r.op == SelOp::kGt ? !(*n > r.number) : !(*n < r.number)) return false;
          break;
        }
      }
    }
    return true;
  }
  // Canonical serialisation (for hashing matchers and terms).
  void append_key(std::string& out) const;
};

}  // namespace kcore
