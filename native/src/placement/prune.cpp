// PreFilter and prune: what a request needs in total, and the domains whose running aggregates
// (Topology::stats) show they cannot hold it — skipped without looking at their nodes.
#include "internal.h"

namespace fleetq::detail {

Need need_of(const Request& req) {
  Need n;
  n.min_cpus = UINT32_MAX;
  n.efa = true;
  for (const ChunkReq& c : req.chunks) {
    n.cpus += static_cast<uint64_t>(c.count) * c.ncpus;
    n.instances += c.count;
    n.min_cpus = c.ncpus < n.min_cpus ? c.ncpus : n.min_cpus;
    n.efa = n.efa && c.efa;
  }
  n.distinct = req.arrangement == Arrangement::Scatter || req.arrangement == Arrangement::VScatter;
  n.exclusive = req.sharing != Sharing::Shared;
  n.single = req.chunks.size() == 1 && req.arrangement != Arrangement::Pack;
  return n;
}

namespace {
// The widest free-cpu band a node needs to take `cpus` (at_least(band) counts such nodes, and more).
int band(uint32_t cpus) {
  int k = 0;
  while (k + 1 < DomainStats::kBands && (2u << k) <= cpus) ++k;
  return k;
}
}  // namespace

bool may_hold(const DomainStats& s, const Need& need) {
  const uint64_t free = need.efa ? s.efa_free_cpus : s.free_cpus;
  if (s.free_cpus < need.cpus || free < need.cpus || s.avail == 0) return false;  // not enough free cpus at all
  const uint32_t idle = need.efa ? s.efa_idle : s.idle;
  if (need.exclusive && idle == 0) return false;  // excl takes only nodes without jobs
  if (!need.distinct) return true;
  // One instance per node: that many nodes that can take the smallest chunk (without jobs for excl).
  if (need.exclusive && idle < need.instances) return false;
  if (need.min_cpus == 0) return s.avail >= need.instances;
  const int k = band(need.min_cpus);
  return s.at_least(k, need.efa) >= need.instances;
}

}  // namespace fleetq::detail
