// fleetq native core: the cluster as flat arrays (struct of arrays, indices not pointers).
// Pure C++17, no Node headers. Built once per scheduling cycle from a snapshot, queried many times;
// free resources change incrementally through allocate()/release()/set_free(), which keep running
// aggregates per placement domain so best fit scans a few domains instead of every node.
#pragma once

#include <array>
#include <cstddef>
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
constexpr int kLevels = kLevelCluster + 1;

// One node as the caller describes it.
struct NodeSpec {
  std::string name;
  uint32_t ncpus = 0, free_ncpus = 0;  // vCPUs (hardware threads)
  uint32_t cores = 0;        // physical cores, <= ncpus; 0 = unknown (taken as ncpus: no SMT)
  uint64_t mem = 0, free_mem = 0;
  uint32_t ngpus = 0, free_ngpus = 0;
  uint32_t numa = 1;         // NUMA domains; 0 is taken as 1
  uint32_t efa = 0;          // EFA devices; 0 = ENA only
  double ena_gbps = 0;       // ENA bandwidth, 0 = unknown; fractional ("up to 12.5 Gigabit")
  uint32_t njobs = 0;        // jobs with a chunk here
  bool exclusive = false;    // an exclusive job holds it
  bool up = true;
  bool spot = false;
  std::string instance_type, az, placement_group;
  PgStrategy pg_strategy = PgStrategy::None;
  int32_t pg_partition = -1;  // partition number, only with PgStrategy::Partition; -1 = none
  std::array<std::string, kLayers> network_nodes;  // top to bottom; empty = unknown
};

// A snapshot as columns (what the addon receives from TypeScript): one array per field, `n` long
// (network_nodes: 3 per node, top layer first), strings as ids into one shared dictionary
// (-1 = none). Pointers are only read during Topology::build; optional columns may be null (the
// addon always sends every column). Out-of-range values are normalized as Topology::build says.
struct Columns {
  size_t n = 0;
  std::vector<std::string> names;  // moved into the topology
  const std::vector<std::string>* strings = nullptr;
  const uint32_t *ncpus = nullptr, *free_ncpus = nullptr, *ngpus = nullptr, *free_ngpus = nullptr;
  const uint32_t *efa = nullptr, *njobs = nullptr;
  const double *mem = nullptr, *free_mem = nullptr;  // bytes, whole numbers
  const uint8_t* flags = nullptr;                     // bit 0 up, bit 1 spot, bit 2 exclusive
  const int32_t *instance_type = nullptr, *az = nullptr, *placement_group = nullptr, *network_nodes = nullptr;
  const uint32_t* numa = nullptr;              // optional: 1
  const uint32_t* cores = nullptr;             // optional: ncpus
  const double* ena_gbps = nullptr;            // optional: 0
  const uint8_t* pg_strategy = nullptr;        // optional: None (PgStrategy values)
  const int32_t* pg_partition = nullptr;       // optional: -1
};

// Running totals of one placement domain (the nodes below one network node at one level, or the
// same split by placement group). "Available" = up and not held exclusively. The efa_ fields count
// the available nodes with EFA only. by_band[k] counts available nodes whose free cpus are in
// [2^k, 2^(k+1)) (the last band open-ended), so at_least() bounds how many nodes can take a chunk.
struct DomainStats {
  static constexpr int kBands = 8;
  uint64_t free_cpus = 0;      // free cpus of available nodes (the best-fit "have")
  uint64_t efa_free_cpus = 0;
  uint32_t avail = 0;          // available nodes
  uint32_t idle = 0;           // available nodes with no job
  uint32_t efa_idle = 0;
  std::array<uint32_t, kBands> by_band{}, efa_by_band{};
  // Available nodes (with EFA when `efa`) with at least 2^k free cpus.
  uint32_t at_least(int k, bool efa) const {
    uint32_t n = 0;
    for (int b = k; b < kBands; ++b) n += efa ? efa_by_band[b] : by_band[b];
    return n;
  }
  bool operator==(const DomainStats& o) const {
    return free_cpus == o.free_cpus && efa_free_cpus == o.efa_free_cpus && avail == o.avail && idle == o.idle &&
           efa_idle == o.efa_idle && by_band == o.by_band && efa_by_band == o.efa_by_band;
  }
};

// Static bounds of one level's domains (totals, not free values): a job larger than every domain
// of a level skips that level without looking at its domains.
struct LevelBounds {
  uint64_t max_cpus = 0;   // the most cpus any one domain has
  uint32_t max_nodes = 0;  // the most nodes any one domain has
};

class Topology {
 public:
  // Builds the arrays from node specs (names interned to small integer ids). Same result as
  // build(Columns) of the same nodes.
  static Topology build(const std::vector<NodeSpec>& nodes);
  // Builds straight from columns; each dictionary string is interned once, not once per node.
  // Free values above the totals are clamped to them; cores of 0 or above ncpus become ncpus, numa
  // 0 becomes 1, an unknown strategy None, and a partition number is kept only with
  // PgStrategy::Partition (else -1).
  static Topology build(Columns cols);

  size_t size() const { return ncpus.size(); }
  // Id of a string in a dictionary, or -1 (e.g. instance_type_id("c5n.18xlarge")).
  int32_t instance_type_id(const std::string& s) const { return lookup(itype_ids_, s); }
  int32_t group_id(const std::string& s) const { return lookup(group_ids_, s); }

  // Incremental changes as jobs start and end. Return false (changing nothing) when it would
  // over-commit or underflow. allocate() counts one more job on the node and, with `exclusive`,
  // marks it held exclusively (place=excl/exclhost); release() clears that when its last job ends.
  bool allocate(uint32_t node, uint32_t cpus, uint64_t mem, uint32_t gpus, bool exclusive = false);
  bool release(uint32_t node, uint32_t cpus, uint64_t mem, uint32_t gpus);
  // Sets a node's free resources outright (clamped to its totals), e.g. for a backfill profile's
  // view of the cluster at a later time. Every change to free resources goes through these three
  // methods, so the domain aggregates stay true.
  void set_free(uint32_t node, uint32_t cpus, uint64_t mem, uint32_t gpus);

  // Aggregates of domain `d` of `level` (by_group: the placement-group split), now and with every
  // node up, idle and free (what could ever fit).
  const DomainStats& stats(int level, bool by_group, size_t d) const { return stats_[by_group][level][d]; }
  const DomainStats& totals(int level, bool by_group, size_t d) const { return totals_[by_group][level][d]; }
  const LevelBounds& bounds(int level, bool by_group) const { return bounds_[by_group][level]; }
  // The same aggregate recounted from the nodes (for tests: it must equal stats()).
  DomainStats recount(int level, bool by_group, size_t d) const;
  // Approximate heap bytes held by this topology.
  size_t bytes() const;

  // Per node, all of the same length. Read freely; change free values only through the methods above.
  std::vector<std::string> names;
  std::vector<uint32_t> ncpus, free_ncpus, cores, ngpus, free_ngpus, efa, numa, njobs;
  std::vector<uint64_t> mem, free_mem;
  std::vector<double> ena_gbps;
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
  std::array<std::vector<std::vector<uint32_t>>, kLevels> domains, group_domains;

 private:
  static int32_t lookup(const std::unordered_map<std::string, int32_t>& m, const std::string& s) {
    auto it = m.find(s);
    return it == m.end() ? -1 : it->second;
  }
  void build_domains();
  // One node's share of its domains' aggregates.
  struct Share {
    uint32_t free = 0;
    bool avail = false, idle = false, efa = false;
  };
  // Adds (sign = +1) or removes (-1) node n's share of the aggregates of its domains.
  void account(uint32_t n, int sign);
  Share share(uint32_t n) const;
  static void add(DomainStats& s, const Share& c, int sign);

  std::unordered_map<std::string, int32_t> itype_ids_, az_ids_, group_ids_;
  // Domain index of each node per [by_group][level], -1 = in none.
  std::array<std::array<std::vector<int32_t>, kLevels>, 2> domain_of_;
  std::array<std::array<std::vector<DomainStats>, kLevels>, 2> stats_, totals_;
  std::array<std::array<LevelBounds, kLevels>, 2> bounds_{};
};

}  // namespace fleetq
