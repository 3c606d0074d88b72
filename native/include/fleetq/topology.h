// fleetq native core: the cluster as flat arrays (struct of arrays, indices not pointers).
// Pure C++17, no Node headers. Built once per scheduling cycle from a snapshot, queried many times;
// free resources change incrementally through allocate()/release().
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace fleetq {

// EC2 placement group strategies.
enum class PgStrategy : uint8_t { None = 0, Cluster = 1, Partition = 2, Spread = 3 };

// EC2 instance topology reports three network-node layers, top (0) to bottom (2).
constexpr int kLayers = 3;
// Distance levels: 0..2 = sharing the network node of that layer counted from the bottom
// (0 = same bottom node, 1 = same middle node, 2 = same top node), 3 = anywhere in the cluster.
constexpr int kLevelCluster = kLayers;

// One node as the caller describes it.
struct NodeSpec {
  std::string name;
  uint32_t ncpus = 0, free_ncpus = 0;
  uint64_t mem = 0, free_mem = 0;
  uint32_t ngpus = 0, free_ngpus = 0;
  uint32_t numa = 1;
  uint32_t efa = 0;          // EFA devices; 0 = ENA only
  uint32_t ena_gbps = 0;
  uint32_t njobs = 0;        // jobs with a chunk here
  bool exclusive = false;    // an exclusive job holds it
  bool up = true;
  bool spot = false;
  std::string instance_type, az, placement_group;
  PgStrategy pg_strategy = PgStrategy::None;
  int32_t pg_partition = -1;
  std::array<std::string, kLayers> network_nodes;  // top to bottom; empty = unknown
};

class Topology {
 public:
  // Builds the arrays; names are interned to small integer ids.
  static Topology build(const std::vector<NodeSpec>& nodes);

  size_t size() const { return ncpus.size(); }
  // Id of a string in a dictionary, or -1 (e.g. instance_type_id("c5n.18xlarge")).
  int32_t instance_type_id(const std::string& s) const { return lookup(itype_ids_, s); }
  int32_t group_id(const std::string& s) const { return lookup(group_ids_, s); }

  // Incremental changes as jobs start and end. Return false (changing nothing) when it would
  // over-commit or underflow.
  bool allocate(uint32_t node, uint32_t cpus, uint64_t mem, uint32_t gpus);
  bool release(uint32_t node, uint32_t cpus, uint64_t mem, uint32_t gpus);
  // Sets a node's free resources outright (clamped to its totals), e.g. for a backfill profile's
  // view of the cluster at a later time. Every change to free resources goes through these three
  // methods, so any aggregate the topology keeps stays true.
  void set_free(uint32_t node, uint32_t cpus, uint64_t mem, uint32_t gpus);

  // Per node, all of the same length.
  std::vector<std::string> names;
  std::vector<uint32_t> ncpus, free_ncpus, ngpus, free_ngpus, efa, numa, njobs;
  std::vector<uint64_t> mem, free_mem;
  std::vector<uint8_t> up, spot, exclusive;
  std::vector<int32_t> instance_type, az, group, pg_partition;
  std::vector<PgStrategy> pg_strategy;
  // Network node id of each node at each layer (0 top .. 2 bottom), -1 when unknown.
  std::vector<std::array<int32_t, kLayers>> net;
  // Number of distinct network nodes per layer (ids are 0..count-1).
  std::array<int32_t, kLayers> net_count{};

  std::vector<std::string> instance_type_names, az_names, group_names;

  // Candidate domains for placement, built once: the nodes below each network node at each level
  // (0 = bottom layer .. 2 = top layer, 3 = the whole cluster), each list in ascending node order;
  // and the same split by placement group, for requests that keep to one group.
  std::array<std::vector<std::vector<uint32_t>>, kLayers + 1> domains, group_domains;

 private:
  static int32_t lookup(const std::unordered_map<std::string, int32_t>& m, const std::string& s) {
    auto it = m.find(s);
    return it == m.end() ? -1 : it->second;
  }
  std::unordered_map<std::string, int32_t> itype_ids_, az_ids_, group_ids_;
};

}  // namespace fleetq
