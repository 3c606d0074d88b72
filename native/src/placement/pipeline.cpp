// The placement pipeline, in one place:
//   1. domains, lowest network level first (closest nodes first; a level only runs when every
//      lower one failed, since level is the first key of the best-fit order),
//   2. fill each domain (filters run per node inside fill),
//   3. score each fitting domain and keep the best by `better` (placement.h),
//   4. nothing fits: diagnose, and try the same request on an idle copy of the cluster to tell
//      "wait" from "never".
#include "internal.h"

namespace fleetq {

namespace {

Placement best_fit(const Topology& t, const Request& req) {
  Placement best;
  for (int level = 0; level <= kLevelCluster && !best.ok; ++level) {
    for (const std::vector<uint32_t>& d : detail::domains(t, level, req.same_group)) {
      uint64_t stranded = 0;
      auto slots = detail::fill(t, d, req, &stranded);
      if (!slots) continue;
      Score s{level, stranded, slots->empty() ? 0 : (*slots)[0].node};
      for (const Slot& x : *slots) s.first_node = x.node < s.first_node ? x.node : s.first_node;
      if (!best.ok || better(s, best.score)) {
        best.ok = true;
        best.score = s;
        best.slots = std::move(*slots);
      }
    }
  }
  return best;
}

// The cluster with every node up, idle and free: what could ever fit.
Topology idle_copy(const Topology& t) {
  Topology c = t;
  c.free_ncpus = c.ncpus;
  c.free_mem = c.mem;
  c.free_ngpus = c.ngpus;
  std::fill(c.up.begin(), c.up.end(), 1);
  std::fill(c.exclusive.begin(), c.exclusive.end(), 0);
  std::fill(c.njobs.begin(), c.njobs.end(), 0);
  return c;
}

}  // namespace

Placement place(const Topology& t, const Request& req) {
  if (req.chunks.empty()) {
    Placement p;
    p.diagnosis.never = true;
    p.diagnosis.text = "the request has no chunks";
    return p;
  }
  Placement p = best_fit(t, req);
  if (p.ok) return p;
  p.diagnosis = detail::diagnose(t, req);
  p.diagnosis.never = !best_fit(idle_copy(t), req).ok;
  return p;
}

}  // namespace fleetq
