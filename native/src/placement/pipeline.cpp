// The placement pipeline, in one place:
//   1. need_of (prune.cpp): what the request needs in total, computed once;
//   2. per network level, lowest first (level is the first key of the best-fit order, so a level
//      only runs when every lower one failed):
//      a. skip the level when even its largest domain, empty, is too small (static bounds);
//         candidates (domains.cpp): domains whose running aggregates may hold the job (prune.cpp),
//         queued least free cpus first — stranded = free - need, the comparator's second key;
//      b. fill (fill.cpp, with the filters of filters.cpp per node) the next candidate, score it
//         (score.cpp) and keep the best by `better` (placement.h); stop as soon as no candidate
//         left can beat it (more stranded, or the same but starting at a higher node);
//   3. nothing fits: diagnose (diagnose.cpp), and run 2 again on the idle view (every node up,
//      idle and free, from the totals) to tell "wait" from "never".
#include <vector>

#include "internal.h"

namespace fleetq {

namespace {

// Whether no domain of `level` could hold the job even empty (static bounds: skip the level unscanned).
bool level_too_small(const Topology& t, int level, bool same_group, const detail::Need& need) {
  const LevelBounds& b = t.bounds(level, same_group);
  return b.max_cpus < need.cpus || (need.distinct && b.max_nodes < need.instances);
}

Placement best_fit(const detail::View& v, const Request& req, const detail::Need& need) {
  Placement best;
  uint64_t best_free = 0;
  detail::CandidateQueue queue;
  std::vector<Slot> scratch;
  for (int level = 0; level <= kLevelCluster && !best.ok; ++level) {
    if (level_too_small(v.t, level, req.same_group, need)) continue;
    const auto& ds = detail::domains(v.t, level, req.same_group);
    queue.fill(v, level, req.same_group, need);
    while (!queue.empty()) {
      const detail::Candidate c = queue.pop();
      // Pop order: free ascending, then first node ascending; a candidate with more free cpus, or
      // that cannot start lower than the best's first node, cannot beat it.
      if (best.ok && (c.free_cpus > best_free || c.first > best.score.first_node)) break;
      if (!detail::fill(v, ds[c.index], req, need, scratch)) continue;
      const Score s = detail::score(level, c, need, scratch);
      if (!best.ok || better(s, best.score)) {
        best.ok = true;
        best.score = s;
        best.slots.swap(scratch);
        best_free = c.free_cpus;
      }
      if (!queue.tie_possible()) break;
    }
  }
  return best;
}

}  // namespace

Placement place(const Topology& t, const Request& req) {
  if (req.chunks.empty()) {
    Placement p;
    p.diagnosis.never = true;
    p.diagnosis.text = "the request has no chunks";
    return p;
  }
  const detail::Need need = detail::need_of(req);
  Placement p = best_fit(detail::View{t, false}, req, need);
  if (p.ok) return p;
  p.diagnosis = detail::diagnose(t, req);
  p.diagnosis.never = !best_fit(detail::View{t, true}, req, need).ok;
  return p;
}

}  // namespace fleetq
