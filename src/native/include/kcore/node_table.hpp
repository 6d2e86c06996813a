#pragma once
// NodeTable: structure of arrays over all node rows (rows are stable; removed rows go to a free
// list and have live = 0). Resource columns are indexed by resource index (0 cpu milli-units,
// 1 memory bytes, 2 ephemeral-storage bytes, 3 pods, then hugepages-* and extended resources).
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "kcore/pod_info.hpp"
#include "kcore/selector.hpp"

namespace kcore {

// One interned label column: value id per row (-1 = absent) and a dense domain id per row
// (the topology domain = the label value, numbered densely per key).
struct LabelColumn {
  std::int32_t key = -1;
  std::vector<std::int32_t> value;         // per row: interned value id or -1
  std::vector<std::int32_t> domain;        // per row: dense domain id or -1
  std::vector<std::int32_t> domain_value;  // domain id -> value id
  std::unordered_map<std::int32_t, std::int32_t> domain_of_value;
};

// Variable-length per-row data (CSR-like lists kept per row; exported as CSR in snapshots).
struct NodeRowData {
  std::string name;
  LabelSet labels;
  std::vector<std::int32_t> taints;  // taint ids into the taint universe
  std::vector<PortUse> ports;        // used host ports (sorted multiset)
  std::vector<std::int32_t> images;  // image name ids (deduplicated)
  std::vector<std::int32_t> pods;    // pod slots on the node
};

struct NodeTable {
  std::size_t capacity = 0;  // number of rows allocated
  std::vector<std::uint8_t> live;
  std::vector<std::uint8_t> unschedulable;
  std::vector<std::uint64_t> generation;
  std::vector<std::int64_t> pod_count;
  std::vector<std::vector<std::int64_t>> allocatable;  // [resource][row]
  std::vector<std::vector<std::int64_t>> requested;    // [resource][row], actual requests
  std::vector<std::int64_t> nonzero_cpu, nonzero_mem;  // requested with scoring defaults
  std::vector<LabelColumn> labels;                     // one per label key
  std::vector<std::int32_t> column_of_key;             // key id -> index in labels, -1
  std::size_t taint_words = 1;
  std::vector<std::uint64_t> taint_bits;  // row * taint_words
  std::vector<NodeRowData> rows;

  const LabelColumn* column(std::int32_t key) const noexcept {
    if (key < 0 || static_cast<std::size_t>(key) >= column_of_key.size()) return nullptr;
    std::int32_t c = column_of_key[static_cast<std::size_t>(key)];
    return c < 0 ? nullptr : &labels[static_cast<std::size_t>(c)];
  }
  std::int32_t label(std::int32_t row, std::int32_t key) const noexcept {
    const LabelColumn* c = column(key);
    return c ? c->value[static_cast<std::size_t>(row)] : -1;
  }
};

}  // namespace kcore
