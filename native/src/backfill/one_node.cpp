// earliest_start() on a one-node topology (a trace simulator's machine, a daemon with one local
// node): the node's availability is one step function of time, and a request fits a window exactly
// when it fits every instant of it — its chunks all land on the one node, so fitting is a
// threshold on each resource (free cpus, memory, gpus at least the sums asked) and on who holds
// the node. So one scan finds the earliest start: walk the steps from t0, and whenever a step
// cannot host the request move the candidate start past it ("jump"); the first candidate whose
// window is all hostable steps wins. O(events) instead of the sweep's O(events × window).
#include <algorithm>
#include <climits>
#include <limits>

#include "fleetq/backfill.h"

namespace fleetq {

namespace {
constexpr Seconds kForever = std::numeric_limits<Seconds>::max();
Seconds end_of(Seconds t, Seconds d) { return t > kForever - d ? kForever : t + d; }
}  // namespace

int Profile::one_node_start(const Request& req, Seconds duration, Seconds t0, Seconds not_after, Seconds& start,
                            const Alloc* except) const {
  // Chunks that cannot share one node (scatter of several instances) are the sweep's to diagnose.
  uint64_t count = 0, cpus = 0, mem = 0, gpus = 0;
  for (const ChunkReq& c : req.chunks) {
    count += c.count;
    cpus += uint64_t{c.count} * c.ncpus;
    mem += c.count * c.mem;
    gpus += uint64_t{c.count} * c.ngpus;
  }
  const bool one_per_node = req.arrangement == Arrangement::Scatter || req.arrangement == Arrangement::VScatter;
  if ((one_per_node && count > 1) || !scratch_.up[0]) return -1;
  // What place()'s filters check of the node itself (EFA, type, capacity, chunk sizes): when one
  // fails the request can never fit here, and the sweep diagnoses it.
  const Topology& t = scratch_;
  for (const ChunkReq& c : req.chunks) {
    if (c.efa && t.efa[0] == 0) return -1;
    if (c.instance_type != -1 && t.instance_type[0] != c.instance_type) return -1;
    if ((c.capacity == Capacity::Spot && !t.spot[0]) || (c.capacity == Capacity::OnDemand && t.spot[0])) return -1;
    if (t.ncpus[0] < c.ncpus || t.mem[0] < c.mem || t.ngpus[0] < c.ngpus) return -1;
  }
  const bool shared = req.sharing == Sharing::Shared;
  // The allocation left out gives its hold back over its span (steps begin at events, and its own
  // start and end are events, so a step is wholly inside or outside it).
  const Level* back = except && !except->nodes.empty() ? &except->nodes[0].need : nullptr;
  auto hosts = [&](Level l, Seconds from) {
    if (back && from >= except->start && from < except->end) l.apply(Level::change(*back, +1));
    if (shared ? (l.excl > 0 && l.jobs > 0) : l.jobs > 0) return false;
    // A level below zero (a node over-committed while an overdue job holds on) offers nothing, as the
    // sweep and place() see it — so a request asking none of that resource still fits there.
    auto enough = [](int64_t have, uint64_t ask) { return ask == 0 || have >= static_cast<int64_t>(ask); };
    return enough(l.cpus, cpus) && enough(l.mem, mem) && enough(l.gpus, gpus);
  };
  const Seconds d = std::max<Seconds>(duration, 1);
  // No start can come before the first instant with the cpus free (the left-out allocation, if
  // any, holds nothing before its start, and t0 is at most that): skip the steps before it.
  // (Not for "can it start now?": one step answers that, and the peak would cost a rebuild.)
  if (cpus > 0 && not_after > t0) {
    const Seconds first = first_with_free_cpus(static_cast<int64_t>(cpus));
    if (first == kForever) return -1;  // never, even once everything has ended: the sweep says why
    // With an allocation left out, instants from its start on may have more free than counted:
    // skip at most to its start.
    t0 = std::max(t0, except ? std::min(first, except->start) : first);
  }
  const std::vector<Event>& ev = events_[0];
  Level level = base_[0];
  size_t i = 0;
  for (; i < ev.size() && ev[i].t <= t0; ++i) level.apply(ev[i].d);
  Seconds candidate = t0, from = t0;
  for (;;) {
    if (candidate > not_after) return 0;
    const Seconds next = i < ev.size() ? ev[i].t : kForever;  // this step holds over [from, next)
    if (!hosts(level, from)) {
      if (next == kForever) return -1;  // never, even once everything has ended: let the sweep say why
      candidate = next;
    } else if (next >= end_of(candidate, d)) {
      start = candidate;
      return 1;
    }
    for (const Seconds at = next; i < ev.size() && ev[i].t == at; ++i) level.apply(ev[i].d);
    from = next;
  }
}

bool Profile::never_fits(const Request& req) const {
  if (req.chunks.empty()) return false;
  if (scratch_.size() != 1) {
    const Placement p = place(scratch_, req);
    return !p.ok && p.diagnosis.never;
  }
  const Topology& t = scratch_;
  uint64_t count = 0, cpus = 0, mem = 0, gpus = 0;
  for (const ChunkReq& c : req.chunks) {
    if (c.efa && t.efa[0] == 0) return true;
    if (c.instance_type != -1 && t.instance_type[0] != c.instance_type) return true;
    if ((c.capacity == Capacity::Spot && !t.spot[0]) || (c.capacity == Capacity::OnDemand && t.spot[0])) return true;
    count += c.count;
    cpus += uint64_t{c.count} * c.ncpus;
    mem += c.count * c.mem;
    gpus += uint64_t{c.count} * c.ngpus;
  }
  const bool one_per_node = req.arrangement == Arrangement::Scatter || req.arrangement == Arrangement::VScatter;
  return (one_per_node && count > 1) || cpus > t.ncpus[0] || mem > t.mem[0] || gpus > t.ngpus[0];
}

Seconds Profile::first_with_free_cpus(int64_t cpus) const {
  peak_free_before(now_);  // (re)builds peak_ when availability changed
  auto it = std::lower_bound(peak_.begin(), peak_.end(), cpus, [](const std::pair<Seconds, int64_t>& p, int64_t v) { return p.second < v; });
  return it == peak_.end() ? kForever : it->first;
}

int64_t Profile::peak_free_before(Seconds t) const {
  if (peak_version_ != version_) {
    peak_.clear();
    const std::vector<Event>& ev = events_[0];
    Level level = base_[0];
    size_t i = 0;
    for (; i < ev.size() && ev[i].t <= now_; ++i) level.apply(ev[i].d);
    int64_t peak = level.cpus;
    peak_.emplace_back(now_, peak);
    while (i < ev.size()) {
      const Seconds at = ev[i].t;
      for (; i < ev.size() && ev[i].t == at; ++i) level.apply(ev[i].d);
      peak = std::max(peak, level.cpus);
      peak_.emplace_back(at, peak);
    }
    peak_version_ = version_;
  }
  // The last step starting before t.
  auto it = std::lower_bound(peak_.begin(), peak_.end(), t, [](const std::pair<Seconds, int64_t>& p, Seconds v) { return p.first < v; });
  return it == peak_.begin() ? INT64_MIN : std::prev(it)->second;
}

bool Profile::cannot_move(uint64_t id, const Request& req, Seconds duration) const {
  if (scratch_.size() != 1) return false;
  auto it = allocs_.find(id);
  if (it == allocs_.end() || it->second.held) return false;
  int64_t cpus = 0;
  for (const ChunkReq& c : req.chunks) cpus += int64_t{c.count} * c.ncpus;
  // Before its start the booking holds nothing, so the cpus free then are what it could have.
  if (cpus > 0 && peak_free_before(it->second.start) < cpus) return true;
  Seconds start = 0;
  return one_node_start(req, duration, now_, it->second.start, start, &it->second) == 1 && start == it->second.start;
}

// The placement at a start one_node_start() found: every chunk instance on node 0, in select
// order — what place() gives on one node. The first time it is place()'s own answer (and the
// network level it reports for this node, which depends on the node only, is kept); after that it
// is built directly, skipping place()'s search and its allocations (a simulator asks this often).
StartPlan Profile::place_one_node(const Request& req, Seconds start, Seconds duration) {
  const Window w = window(0, start, duration);
  const bool unusable = req.sharing == Sharing::Shared ? w.exclusive : w.any_job;
  auto fit = [&](int64_t v, uint64_t total) { return unusable || v <= 0 ? uint64_t{0} : std::min<uint64_t>(static_cast<uint64_t>(v), total); };
  const uint64_t free_cpus = fit(w.cpus, scratch_.ncpus[0]);
  StartPlan plan;
  plan.start = start;
  if (one_node_level_ < 0) {
    scratch_.set_free(0, static_cast<uint32_t>(free_cpus), fit(w.mem, scratch_.mem[0]), static_cast<uint32_t>(fit(w.gpus, scratch_.ngpus[0])));
    plan.placement = place(scratch_, req);
    plan.ok = plan.placement.ok;
    show_base(0);
    if (plan.ok) one_node_level_ = plan.placement.score.level;
    return plan;
  }
  Placement& p = plan.placement;
  uint64_t used = 0;
  for (uint32_t k = 0; k < req.chunks.size(); ++k) {
    const ChunkReq& c = req.chunks[k];
    for (uint32_t i = 0; i < c.count; ++i) p.slots.push_back(Slot{0, k, c.ncpus, c.mem, c.ngpus, c.mpiprocs});
    used += uint64_t{c.count} * c.ncpus;
  }
  p.ok = plan.ok = true;
  p.score = Score{one_node_level_, free_cpus - std::min(free_cpus, used), 0};
  return plan;
}

}  // namespace fleetq
