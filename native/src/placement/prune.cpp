// PreFilter and prune: what a request needs in total, and the domains whose running aggregates
// (Topology::stats) show they cannot hold it — skipped without looking at their nodes.
#include "internal.h"

namespace fleetq::detail {

Need need_of(const Request& req) {
  Need n;
  for (const ChunkReq& c : req.chunks) {
    n.cpus += static_cast<uint64_t>(c.count) * c.ncpus;
    n.instances += c.count;
    n.all_take_cpus = n.all_take_cpus && c.ncpus > 0;
  }
  n.distinct = req.arrangement == Arrangement::Scatter || req.arrangement == Arrangement::VScatter;
  n.exclusive = req.sharing != Sharing::Shared;
  n.single = req.chunks.size() == 1 && req.arrangement != Arrangement::Pack;
  return n;
}

bool may_hold(const DomainStats& s, const Need& need) {
  if (s.free_cpus < need.cpus || s.avail == 0) return false;  // not enough free cpus at all
  if (need.exclusive && s.idle == 0) return false;            // excl takes only nodes without jobs
  if (!need.distinct) return true;
  // One instance per node: that many available nodes (with a free cpu when each takes one; without jobs for excl).
  const uint32_t nodes = need.exclusive ? s.idle : need.all_take_cpus ? s.with_free : s.avail;
  return nodes >= need.instances;
}

}  // namespace fleetq::detail
