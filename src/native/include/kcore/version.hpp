#pragma once
// Version of the native core; the Python package checks it against its own at import.
namespace kcore {
const char* version() noexcept;
}  // namespace kcore
