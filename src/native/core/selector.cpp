#include "kcore/selector.hpp"

#include <cerrno>
#include <cstdlib>

namespace kcore {

std::optional<std::int64_t> parse_int64(const std::string& s) noexcept {
  if (s.empty()) return std::nullopt;
  std::size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i >= s.size()) return std::nullopt;
  unsigned __int128 v = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
    if (v > static_cast<unsigned __int128>(INT64_MAX) + 1) return std::nullopt;
  }
  if (!neg && v > static_cast<unsigned __int128>(INT64_MAX)) return std::nullopt;
  if (neg) return static_cast<std::int64_t>(-static_cast<__int128>(v));
  return static_cast<std::int64_t>(v);
}

void CompiledSelector::append_key(std::string& out) const {
  if (nothing) {
    out += "N;";
    return;
  }
  for (const auto& r : reqs) {
    out += std::to_string(r.key);
    out += ':';
    out += std::to_string(static_cast<int>(r.op));
    out += ':';
    for (auto v : r.values) {
      out += std::to_string(v);
      out += ',';
    }
    if (r.op == SelOp::kGt || r.op == SelOp::kLt) {
      out += r.number_ok ? std::to_string(r.number) : std::string("!");
    }
    out += ';';
  }
  out += '|';
}

}  // namespace kcore
