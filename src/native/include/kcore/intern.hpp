#pragma once
// String interning: every string the scheduler compares (label keys/values, namespaces, images,
// resource names, host IPs) becomes an int32 id once, at the cache edge; hot loops compare ids.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kcore {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

class Interner {
 public:
  std::int32_t intern(std::string_view s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    auto id = static_cast<std::int32_t>(names_.size());
    names_.emplace_back(s);
    ids_.emplace(names_.back(), id);
    return id;
  }
  // -1 when `s` was never interned.
  std::int32_t find(std::string_view s) const {
    auto it = ids_.find(s);
    return it == ids_.end() ? -1 : it->second;
  }
  const std::string& name(std::int32_t id) const { return names_[static_cast<std::size_t>(id)]; }
  std::size_t size() const noexcept { return names_.size(); }

 private:
  std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>> ids_;
  std::vector<std::string> names_;  // id -> string; never shrinks
};

}  // namespace kcore
