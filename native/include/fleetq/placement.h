// fleetq native core: placement. A pure function of (topology, request): the same inputs always
// give the same answer. Knows nodes, slots and network layers, not jobs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "fleetq/topology.h"

namespace fleetq {

enum class Arrangement : uint8_t { Free, Pack, Scatter, VScatter };
enum class Sharing : uint8_t { Shared, Excl, ExclHost };
enum class Capacity : uint8_t { Any, Spot, OnDemand };

// One chunk kind of a select statement: count × {ncpus, mem, ngpus, mpiprocs, ...}.
struct ChunkReq {
  uint32_t count = 1;
  uint32_t ncpus = 1;
  uint64_t mem = 0;
  uint32_t ngpus = 0;
  uint32_t mpiprocs = 1;
  bool efa = false;
  int32_t instance_type = -1;  // Topology id, -1 = any
  Capacity capacity = Capacity::Any;
};

struct Request {
  std::vector<ChunkReq> chunks;
  Arrangement arrangement = Arrangement::Free;
  Sharing sharing = Sharing::Shared;
  // place=group=placement_group: every chunk in one placement group, whatever its strategy; a
  // partition group counts as one group (its partitions are neither required nor preferred).
  bool same_group = false;
};

// One chunk instance placed on one node.
struct Slot {
  uint32_t node;
  uint32_t chunk;  // index into Request::chunks
  uint32_t ncpus;
  uint64_t mem;
  uint32_t ngpus;
  uint32_t mpiprocs;
};

// Why a placement was chosen.
struct Score {
  int level = kLevelCluster;  // 0 = one bottom network node ... 3 = across the cluster
  uint64_t stranded = 0;       // free cpus left in the chosen domain after placing
  uint32_t first_node = 0;     // lowest node index used
};

// The best-fit order, one comparison: a is better than b when it is
//   1. on a lower network level (closer: the lowest network node that holds the whole job), then
//   2. leaves less stranded free capacity in its domain, then
//   3. starts at a lower node index.
inline bool better(const Score& a, const Score& b) {
  if (a.level != b.level) return a.level < b.level;
  if (a.stranded != b.stranded) return a.stranded < b.stranded;
  return a.first_node < b.first_node;
}

// Reasons a node cannot take a chunk, in the order they are checked.
enum class Reason : uint8_t { Down, LacksEfa, WrongType, WrongCapacity, TooSmall, Exclusive, Busy, kCount };
const char* reason_text(Reason r);

struct Diagnosis {
  std::array<uint32_t, static_cast<size_t>(Reason::kCount)> nodes{};  // nodes per first failing reason
  bool never = false;     // cannot fit this cluster even when every node is free
  std::string text;       // e.g. "12 nodes without EFA, 30 nodes busy"
};

struct Placement {
  bool ok = false;
  std::vector<Slot> slots;
  Score score;
  Diagnosis diagnosis;  // set when !ok
};

// Places a request. Never over-commits, never puts an EFA chunk on a node without EFA, never
// splits a same_group request across placement groups. Best fit by `better` over every domain of
// the lowest level that holds the job, found from the topology's domain aggregates: domains that
// cannot hold the job are pruned, the rest visited least stranded first until one truly fits.
// When nothing fits, the diagnosis counts nodes per reason and says whether the request could
// fit the cluster with every node up, idle and free (evaluated on the totals, without a copy).
// Inside a domain chunk instances go first fit in node order, the most constrained chunk kinds
// first (GPUs, EFA, a named type or capacity, then size) and, failing that, in select order; slots
// come back in select order. Greedy: a mix of kinds only an exhaustive search would fit can be
// reported as not fitting.
Placement place(const Topology& topo, const Request& req);

// The scheduler's batch: places `reqs` in the given order (the caller sorts by priority) on
// `work`, each success allocating its slots there (one job per node it uses; exclusively for
// place=excl/exclhost), so a later request sees what earlier ones took. Failures carry their
// diagnosis. One placement per request, in order.
std::vector<Placement> place_all_on(Topology& work, const std::vector<Request>& reqs);
// The same on a copy: `topo` is not changed.
std::vector<Placement> place_all(const Topology& topo, const std::vector<Request>& reqs);
// Allocates a placement's slots on `t` (what place_all_on does after each success); false, with
// nothing changed, when they do not fit.
bool commit(Topology& t, const Request& req, const Placement& p);

}  // namespace fleetq
