// The placement pipeline, in one place:
//   1. domains, lowest network level first (closest nodes first; a level only runs when every
//      lower one failed, since level is the first key of the best-fit order),
//   2. fill each domain (filters run per node inside fill),
//   3. score each fitting domain and keep the best by `better` (placement.h),
//   4. nothing fits: diagnose, and try the same request on an idle copy of the cluster to tell
//      "wait" from "never".
#include <algorithm>
#include <cstdint>
#include <optional>

#include "internal.h"

namespace fleetq {

namespace {

// How many instances of a single-kind request each node can host now (0 when a filter says no).
std::vector<uint32_t> capacities(const Topology& t, const Request& req) {
  const ChunkReq& c = req.chunks[0];
  const bool one = req.arrangement != Arrangement::Free;
  std::vector<uint32_t> cap(t.size(), 0);
  for (uint32_t n = 0; n < t.size(); ++n) {
    if (detail::check_node(t, n, c, req.sharing) != Reason::kCount) continue;
    uint32_t k = c.ncpus ? t.free_ncpus[n] / c.ncpus : c.count;
    if (c.mem) k = std::min<uint64_t>(k, t.free_mem[n] / c.mem);
    if (c.ngpus) k = std::min(k, t.free_ngpus[n] / c.ngpus);
    cap[n] = one ? std::min(k, 1u) : k;
  }
  return cap;
}

// Scores one domain from aggregates (exact for a single chunk kind that is not packed); nullopt when it cannot hold the job.
std::optional<Score> score_single(const Topology& t, const std::vector<uint32_t>& d, const Request& req,
                                  const std::vector<uint32_t>& cap, int level) {
  const ChunkReq& c = req.chunks[0];
  uint64_t hostable = 0, have = 0;
  uint32_t first = UINT32_MAX;
  for (uint32_t n : d) {
    if (t.up[n] && !t.exclusive[n]) have += t.free_ncpus[n];
    if (cap[n] == 0) continue;
    hostable += cap[n];
    if (first == UINT32_MAX) first = n;
  }
  if (hostable < c.count) return std::nullopt;
  return Score{level, have - static_cast<uint64_t>(c.count) * c.ncpus, first};
}

Placement best_fit(const Topology& t, const Request& req) {
  Placement best;
  const bool single = req.chunks.size() == 1 && req.arrangement != Arrangement::Pack;
  const std::vector<uint32_t> cap = single ? capacities(t, req) : std::vector<uint32_t>{};
  const std::vector<uint32_t>* best_domain = nullptr;
  for (int level = 0; level <= kLevelCluster && !best.ok; ++level) {
    for (const std::vector<uint32_t>& d : detail::domains(t, level, req.same_group)) {
      if (single) {
        auto s = score_single(t, d, req, cap, level);
        if (s && (!best.ok || better(*s, best.score))) { best.ok = true; best.score = *s; best_domain = &d; }
        continue;
      }
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
  if (single && best_domain) {  // aggregates chose the domain; lay the chunks out in it
    uint64_t stranded = 0;
    auto slots = detail::fill(t, *best_domain, req, &stranded);
    if (slots) best.slots = std::move(*slots); else best.ok = false;  // cannot happen: aggregates are exact
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
