// Placement stages, each small and pure; pipeline.cpp wires them in order.
#pragma once

#include <cstdint>
#include <vector>

#include "fleetq/placement.h"

namespace fleetq::detail {

// The cluster as the stages see it: the live free values, or (idle = true) every node up, idle and
// free — so "could this ever fit?" runs through the very same stages without copying the topology.
struct View {
  const Topology& t;
  bool idle;
  bool up(uint32_t n) const { return idle || t.up[n]; }
  bool exclusive(uint32_t n) const { return !idle && t.exclusive[n]; }
  uint32_t njobs(uint32_t n) const { return idle ? 0 : t.njobs[n]; }
  uint32_t free_ncpus(uint32_t n) const { return idle ? t.ncpus[n] : t.free_ncpus[n]; }
  uint64_t free_mem(uint32_t n) const { return idle ? t.mem[n] : t.free_mem[n]; }
  uint32_t free_ngpus(uint32_t n) const { return idle ? t.ngpus[n] : t.free_ngpus[n]; }
  const DomainStats& stats(int level, bool by_group, size_t d) const {
    return idle ? t.totals(level, by_group, d) : t.stats(level, by_group, d);
  }
};

// PreFilter (prune.cpp): what the whole request needs, computed once per request.
struct Need {
  uint64_t cpus = 0;            // cpus of every chunk instance together
  uint32_t instances = 0;       // chunk instances
  bool distinct = false;        // scatter/vscatter: one instance per node
  bool exclusive = false;       // excl/exclhost: only nodes without jobs
  uint32_t min_cpus = 0;        // fewest cpus any chunk kind asks for
  bool efa = false;             // every chunk kind asks for EFA: only EFA nodes count
  bool single = false;          // one chunk kind, not packed: fill straight from per-node capacity
};
Need need_of(const Request& req);

// Prune (prune.cpp): false when a domain with these aggregates certainly cannot hold the job.
// Necessary conditions only; fill decides.
bool may_hold(const DomainStats& s, const Need& need);

// Filter (filters.cpp): the first reason node `n` cannot take one instance of `c` now, or
// Reason::kCount when it can.
Reason check_node(const View& v, uint32_t n, const ChunkReq& c, Sharing sharing);
inline Reason check_node(const Topology& t, uint32_t n, const ChunkReq& c, Sharing sharing) {
  return check_node(View{t, false}, n, c, sharing);
}

// Domains (domains.cpp): the node sets that share a network node at `level` (and a placement group
// when asked), each in ascending node order. Nodes without topology only appear at kLevelCluster.
const std::vector<std::vector<uint32_t>>& domains(const Topology& t, int level, bool same_group);

// A domain that may hold the job, with the keys it is visited by.
struct Candidate {
  uint64_t free_cpus;  // the domain's free cpus: stranded = free_cpus - Need::cpus
  uint32_t first;      // its first node: no placement in it starts lower
  uint32_t index;      // into domains(t, level, same_group)
};
// Domains of `level` that pass the prune, handed out in best-fit order (least free first, then
// lowest first node). The first pop is the minimum found while scanning; the heap is only built if
// more are asked for, since the first candidate usually fits.
class CandidateQueue {
 public:
  void fill(const View& v, int level, bool same_group, const Need& need);
  bool empty() const { return items_.empty(); }
  Candidate pop();
  // After popping a candidate that fits: could another one still tie on free cpus?
  bool tie_possible() const { return popped_ > 1 || ties_ > 1; }

 private:
  std::vector<Candidate> items_;
  size_t min_ = 0;
  size_t ties_ = 0;  // candidates with the minimum's free cpus
  size_t popped_ = 0;
  bool heaped_ = false;
};

// Fill (fill.cpp): places every chunk instance inside one domain (first fit in node order, staying
// on a node while it fits; one per node for scatter; all on one node for pack) into `out`, or
// returns false.
bool fill(const View& v, const std::vector<uint32_t>& domain, const Request& req, const Need& need, std::vector<Slot>& out);

// Score (score.cpp): the comparator's keys for a filled domain.
Score score(int level, const Candidate& c, const Need& need, const std::vector<Slot>& slots);

// Diagnosis (diagnose.cpp): counts nodes by why none of the chunks fits them now.
Diagnosis diagnose(const Topology& t, const Request& req);

}  // namespace fleetq::detail
