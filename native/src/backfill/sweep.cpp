// earliest_start(): a sweep over candidate start times, in order. The scratch topology shows, per
// node, what it offers over the current window [t, t + d); moving to the next candidate re-shows
// only the nodes with an event that left the window's left edge or entered its right edge — the
// only nodes whose window can differ. Per chunk kind the sweep keeps how many instances the nodes
// could host; place() runs only where every kind has enough (a necessary condition, exact for one
// chunk kind placed freely or scattered without place=group), so failed placements — which also
// diagnose — are rare.
#include <algorithm>
#include <limits>
#include <string>

#include "fleetq/backfill.h"

namespace fleetq {

class Profile::Sweep {
 public:
  Sweep(Profile& p, const Request& req, Seconds d)
      : p_(p), t_(p.scratch_), req_(req), d_(d < 1 ? 1 : d), shared_(req.sharing == Sharing::Shared),
        hostable_(req.chunks.size(), 0), touched_mark_(t_.size(), 0), shown_(t_.size(), 0) {
    if (++p_.sweep_ == 0) {  // the generation wrapped: forget every cursor once
      for (Cursor& c : p_.cursors_) c.seen = 0;
      p_.sweep_ = 1;
    }
  }
  // The scratch topology goes back to showing now(), whatever happened (RAII).
  ~Sweep() {
    for (uint32_t n : touched_) p_.show_base(n);
  }
  Sweep(const Sweep&) = delete;
  Sweep& operator=(const Sweep&) = delete;

  StartPlan run(Seconds t0, Seconds not_after);
  // The answer when no candidate up to not_after fits (nothing is diagnosed).
  static StartPlan none_by(Seconds not_after) {
    StartPlan plan;
    plan.placement.diagnosis.text = "no start by " + std::to_string(not_after);
    return plan;
  }


 private:
  static Seconds end_of(Seconds t, Seconds d) {
    return t > std::numeric_limits<Seconds>::max() - d ? std::numeric_limits<Seconds>::max() : t + d;
  }
  uint64_t cap(uint32_t n, const ChunkReq& c) const;
  void count(uint32_t n, int sign) {
    for (size_t k = 0; k < req_.chunks.size(); ++k) {
      const uint64_t c = cap(n, req_.chunks[k]);
      hostable_[k] = sign > 0 ? hostable_[k] + c : hostable_[k] - c;
    }
  }
  bool may_fit() const {
    for (size_t k = 0; k < req_.chunks.size(); ++k)
      if (hostable_[k] < req_.chunks[k].count) return false;
    return true;
  }
  Window window(uint32_t n, Seconds t);
  void show(uint32_t n, Seconds t);
  using Bucket = std::map<Seconds, std::vector<Mark>>::const_iterator;
  // Re-shows the nodes of the events in buckets [from, to); with `only`, just those events whose
  // `gives` equals *only (see run()).
  // A node is shown at most once per candidate time (`step_`): a bucket can hold many of its
  // events (on a one-node machine, all of them), and showing it again changes nothing.
  void show_range(Bucket from, Bucket to, Seconds t, const bool* only = nullptr) {
    for (; from != to; ++from)
      for (const Mark& m : from->second) {
        if ((only && m.gives != *only) || shown_[m.node] == step_) continue;
        shown_[m.node] = step_;
        show(m.node, t);
      }
  }


  Profile& p_;
  Topology& t_;
  const Request& req_;
  const Seconds d_;
  const bool shared_;
  std::vector<uint64_t> hostable_;  // per chunk kind, summed over nodes
  std::vector<uint8_t> touched_mark_;
  std::vector<uint32_t> touched_;
  std::vector<uint32_t> shown_;  // per node, the last step_ it was shown at
  uint32_t step_ = 1;
};

// Instances of chunk kind c node n can host in the scratch topology; mirrors place()'s filters
// (pipeline capacities()), with the scratch copy's job counts and exclusive flags always clear.
uint64_t Profile::Sweep::cap(uint32_t n, const ChunkReq& c) const {
  if (!t_.up[n] || (c.efa && t_.efa[n] == 0)) return 0;
  if (c.instance_type != -1 && t_.instance_type[n] != c.instance_type) return 0;  // -2: a type the cluster lacks
  if ((c.capacity == Capacity::Spot && !t_.spot[n]) || (c.capacity == Capacity::OnDemand && t_.spot[n])) return 0;
  if (t_.ncpus[n] < c.ncpus || t_.mem[n] < c.mem || t_.ngpus[n] < c.ngpus) return 0;
  uint64_t k = c.ncpus ? t_.free_ncpus[n] / c.ncpus : c.count;
  if (c.mem) k = std::min<uint64_t>(k, t_.free_mem[n] / c.mem);
  if (c.ngpus) k = std::min<uint64_t>(k, t_.free_ngpus[n] / c.ngpus);
  const bool one_per_node = req_.arrangement == Arrangement::Scatter || req_.arrangement == Arrangement::VScatter;
  return one_per_node ? std::min<uint64_t>(k, 1) : k;
}

// Node n's window at t through its cursor: t only grows during a sweep, so the level at t is
// carried forward instead of summed from the first event each time.
Profile::Window Profile::Sweep::window(uint32_t n, Seconds t) {
  const std::vector<Event>& ev = p_.events_[n];
  Cursor& c = p_.cursors_[n];
  if (c.seen != p_.sweep_) c = Cursor{p_.base_[n], p_.sweep_, 0};
  uint32_t& next = c.next;
  Level& level = c.level;
  for (; next < ev.size() && ev[next].t <= t; ++next) level.apply(ev[next].d);
  return window_from(level, ev, next, end_of(t, d_));
}

void Profile::Sweep::show(uint32_t n, Seconds t) {
  const Window w = window(n, t);
  const bool unusable = shared_ ? w.exclusive : w.any_job;
  auto fit = [&](int64_t v, uint64_t total) { return unusable || v <= 0 ? uint64_t{0} : std::min<uint64_t>(static_cast<uint64_t>(v), total); };
  const uint64_t cpus = fit(w.cpus, t_.ncpus[n]), mem = fit(w.mem, t_.mem[n]), gpus = fit(w.gpus, t_.ngpus[n]);
  if (cpus == t_.free_ncpus[n] && mem == t_.free_mem[n] && gpus == t_.free_ngpus[n]) return;
  count(n, -1);
  t_.set_free(n, static_cast<uint32_t>(cpus), mem, static_cast<uint32_t>(gpus));
  count(n, +1);
  if (!touched_mark_[n]) { touched_mark_[n] = 1; touched_.push_back(n); }
}

StartPlan Profile::Sweep::run(Seconds t0, Seconds not_after) {
  if (t0 > not_after) return none_by(not_after);
  const std::map<Seconds, std::vector<Mark>>& idx = p_.index_;
  for (uint32_t n = 0; n < t_.size(); ++n) count(n, +1);
  // An excl request cannot use a node any job holds now, even one with no change ahead.
  if (!shared_)
    for (uint32_t n = 0; n < t_.size(); ++n)
      if (p_.base_[n].jobs > 0) show(n, t0);
  Seconds t = t0;
  Bucket left = idx.upper_bound(t);               // the next candidate
  Bucket right = idx.lower_bound(end_of(t, d_));  // the first change at or after the window's end
  show_range(idx.begin(), right, t);              // every change in (now, t0 + d) may matter
  StartPlan plan;
  bool placed_here = false;
  for (;;) {
    placed_here = may_fit();
    if (placed_here) {
      plan.placement = place(t_, req_);
      if (plan.placement.ok) { plan.ok = true; plan.start = t; return plan; }
    }
    if (left == idx.end()) break;
    t = left->first;
    if (t > not_after) return none_by(not_after);
    const Seconds end = end_of(t, d_);
    Bucket right2 = right;
    while (right2 != idx.end() && right2->first < end) ++right2;
    // Only two kinds of change can move a node's window minimum: resources given back that the
    // left edge passed (the low stretch before them left the window), and resources taken that
    // the right edge took in. Resources taken at a time the left edge passed were already inside
    // the previous window (else the right edge took them in too); resources given back inside the
    // window only raise instants that come after a lower one still in it.
    const bool gives = true, takes = false;
    ++step_;
    show_range(left, std::next(left), t, &gives);
    show_range(right, right2, t, &takes);
    ++left;
    right = right2;
  }
  // Every change is behind: the scratch shows the cluster once all allocations have ended.
  if (!placed_here) plan.placement = place(t_, req_);
  return plan;
}

StartPlan Profile::earliest_start(const Request& req, Seconds duration, Seconds not_before, Seconds not_after) {
  if (req.chunks.empty()) return StartPlan{false, 0, place(scratch_, req)};
  const Seconds t0 = std::max(now_, not_before);
  if (scratch_.size() == 1) {
    Seconds start = 0;
    const int found = one_node_start(req, duration, t0, not_after, start);
    if (found == 0) return Sweep::none_by(not_after);
    if (found == 1) {
      StartPlan plan = place_one_node(req, start, duration);
      if (plan.ok) return plan;
    }
  }
  Sweep sweep(*this, req, duration);
  return sweep.run(t0, not_after);
}

}  // namespace fleetq
