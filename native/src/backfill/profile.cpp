// The backfill profile's bookkeeping: allocations, their events per node and in one time index,
// the clock. earliest_start() lives in sweep.cpp.
#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string>

#include "fleetq/backfill.h"

namespace fleetq {

namespace {
constexpr Seconds kForever = std::numeric_limits<Seconds>::max();
Seconds window_end(Seconds t, Seconds d) { return t > kForever - d ? kForever : t + d; }
std::string span(Seconds s, Seconds e) { return "[" + std::to_string(s) + ", " + std::to_string(e) + ")"; }
}  // namespace

Profile::Profile(const Topology& snapshot, Seconds now)
    : scratch_(snapshot), now_(now), base_(snapshot.size()), events_(snapshot.size()),
      cursors_(snapshot.size()) {
  for (uint32_t n = 0; n < scratch_.size(); ++n) {
    Level& b = base_[n];
    b.cpus = scratch_.free_ncpus[n];
    b.mem = static_cast<int64_t>(scratch_.free_mem[n]);
    b.gpus = scratch_.free_ngpus[n];
    b.jobs = static_cast<int32_t>(scratch_.njobs[n]);
    b.excl = scratch_.exclusive[n] ? 1 : 0;
    // Who holds a node changes over time, so the scratch copy keeps no job counts or exclusive
    // flags: they are folded into its free resources per window (see show_base and the sweep).
    // Topology::release is the only way to clear them, and clears `exclusive` at zero jobs.
    while (scratch_.njobs[n] > 0) scratch_.release(n, 0, 0, 0);
    show_base(n);
  }
}

void Profile::show_base(uint32_t n) {
  const Level& b = base_[n];
  if (b.excl > 0 && b.jobs > 0) { scratch_.set_free(n, 0, 0, 0); return; }
  auto clamp = [](int64_t v) { return static_cast<uint64_t>(v < 0 ? 0 : v); };
  scratch_.set_free(n, static_cast<uint32_t>(std::min<uint64_t>(clamp(b.cpus), UINT32_MAX)), clamp(b.mem),
                    static_cast<uint32_t>(std::min<uint64_t>(clamp(b.gpus), UINT32_MAX)));
}

Profile::Window Profile::window(uint32_t node, Seconds t, Seconds duration) const {
  Level cur = base_[node];
  const std::vector<Event>& ev = events_[node];
  size_t i = 0;
  for (; i < ev.size() && ev[i].t <= t; ++i) cur.apply(ev[i].d);
  return window_from(cur, ev, i, window_end(t, duration < 1 ? 1 : duration));
}

Profile::Window Profile::window_from(Level cur, const std::vector<Event>& ev, size_t i, Seconds end) {
  Window w{cur.cpus, cur.mem, cur.gpus, cur.jobs > 0, cur.excl > 0 && cur.jobs > 0};
  while (i < ev.size() && ev[i].t < end) {
    // Every change at one instant applies before the level is read: a job that ends at the same
    // second another starts does not make the node look over-committed.
    const Seconds at = ev[i].t;
    for (; i < ev.size() && ev[i].t == at; ++i) cur.apply(ev[i].d);
    w.cpus = std::min(w.cpus, cur.cpus);
    w.mem = std::min(w.mem, cur.mem);
    w.gpus = std::min(w.gpus, cur.gpus);
    w.any_job = w.any_job || cur.jobs > 0;
    w.exclusive = w.exclusive || (cur.excl > 0 && cur.jobs > 0);
  }
  return w;
}

bool Profile::needs(const std::vector<Slot>& slots, bool exclusive, std::vector<Need>& out, std::string& reason) const {
  std::map<uint32_t, Level> per_node;  // ordered: the same slots give the same events in the same order
  for (size_t i = 0; i < slots.size(); ++i) {
    const Slot& s = slots[i];
    if (s.node >= scratch_.size()) {
      reason = "slots[" + std::to_string(i) + "].node: " + std::to_string(s.node) + " is not a node of this topology";
      return false;
    }
    Level& l = per_node[s.node];
    l.cpus += s.ncpus;
    l.mem += static_cast<int64_t>(s.mem);
    l.gpus += s.ngpus;
    l.jobs = 1;
    l.excl = exclusive ? 1 : 0;
  }
  out.clear();
  for (const auto& [node, level] : per_node) out.push_back(Need{node, level});
  return true;
}

std::string Profile::check_room(const std::vector<Need>& nodes, Seconds start, Seconds end, bool exclusive) const {
  for (const Need& x : nodes) {
    const std::string& name = scratch_.names[x.node];
    if (!scratch_.up[x.node]) return "node " + name + " is down";
    const Window w = window(x.node, start, end - start);
    if (w.exclusive) return "node " + name + ": held exclusively during " + span(start, end);
    if (exclusive && w.any_job) return "node " + name + ": jobs hold it during " + span(start, end) + ", an exclusive booking needs it empty";
    // Only what the booking asks is checked: a level below zero (an overdue job holding on past a
    // booking made for its end) leaves a request asking none of that resource free to fit, as in
    // earliest_start().
    if (x.need.cpus > 0 && w.cpus < x.need.cpus) return "node " + name + ": " + std::to_string(w.cpus) + " cpus free over " + span(start, end) + ", " + std::to_string(x.need.cpus) + " asked";
    if (x.need.mem > 0 && w.mem < x.need.mem) return "node " + name + ": " + std::to_string(w.mem) + " bytes of memory free over " + span(start, end) + ", " + std::to_string(x.need.mem) + " asked";
    if (x.need.gpus > 0 && w.gpus < x.need.gpus) return "node " + name + ": " + std::to_string(w.gpus) + " gpus free over " + span(start, end) + ", " + std::to_string(x.need.gpus) + " asked";
  }
  return "";
}

void Profile::add_events(uint64_t id, const Alloc& a, Seconds t, int sign) {
  ++version_;
  for (const Need& x : a.nodes) {
    const Event e{t, id, Level::change(x.need, sign)};
    std::vector<Event>& ev = events_[x.node];
    auto at = std::upper_bound(ev.begin(), ev.end(), e, [](const Event& p, const Event& q) {
      return p.t != q.t ? p.t < q.t : p.alloc < q.alloc;
    });
    ev.insert(at, e);
  }
  std::vector<Mark>& bucket = index_[t];
  for (const Need& x : a.nodes) bucket.push_back(Mark{x.node, sign > 0});
}

void Profile::remove_events(uint64_t id, const Alloc& a, Seconds t) {
  ++version_;
  bool gives = false;
  for (const Need& x : a.nodes) {
    std::vector<Event>& ev = events_[x.node];
    auto it = std::find_if(ev.begin(), ev.end(), [&](const Event& e) { return e.t == t && e.alloc == id; });
    if (it == ev.end()) continue;
    gives = it->d.jobs < 0;
    ev.erase(it);
  }
  auto b = index_.find(t);
  if (b == index_.end()) return;
  // One mark per node of the allocation (a.nodes is sorted by node); other allocations changing
  // at the same time may have marks on the same nodes, so exactly one is taken per node.
  std::vector<uint8_t> taken(a.nodes.size(), 0);
  auto by_node = [](const Need& x, uint32_t n) { return x.node < n; };
  std::vector<Mark>& marks = b->second;
  marks.erase(std::remove_if(marks.begin(), marks.end(), [&](const Mark& m) {
    if (m.gives != gives) return false;
    auto at = std::lower_bound(a.nodes.begin(), a.nodes.end(), m.node, by_node);
    if (at == a.nodes.end() || at->node != m.node) return false;
    uint8_t& done = taken[static_cast<size_t>(at - a.nodes.begin())];
    if (done) return false;
    done = 1;
    return true;
  }), marks.end());
  if (marks.empty()) index_.erase(b);
}

void Profile::change_base(const Alloc& a, int sign) {
  ++version_;
  for (const Need& x : a.nodes) {
    base_[x.node].apply(Level::change(x.need, sign));
    show_base(x.node);
  }
}

Booking Profile::add_running(Seconds end, const std::vector<Slot>& slots, bool exclusive) {
  Booking b;
  Alloc a{now_, std::max(end, now_ + 1), true, {}, end <= now_};
  if (!needs(slots, exclusive, a.nodes, b.reason)) return b;
  for (const Need& x : a.nodes) {
    // The snapshot should already count this job on its nodes; when it does not, the job's own
    // hold is what the node must show until it ends.
    Level& l = base_[x.node];
    bool changed = false;
    if (l.jobs <= 0) { l.jobs = 1; changed = true; }
    if (exclusive && l.excl <= 0) { l.excl = 1; changed = true; }
    if (changed) show_base(x.node);
  }
  b.ok = true;
  b.id = next_id_++;
  add_events(b.id, a, a.end, +1);
  allocs_.emplace(b.id, std::move(a));
  return b;
}

Booking Profile::reserve(Seconds start, Seconds end, const std::vector<Slot>& slots, bool exclusive) {
  Booking b;
  if (start < now_) { b.reason = "start: " + std::to_string(start) + " is before now (" + std::to_string(now_) + ")"; return b; }
  if (end <= start) { b.reason = "end: " + std::to_string(end) + " is not after start (" + std::to_string(start) + ")"; return b; }
  Alloc a{start, end, start == now_, {}};
  if (!needs(slots, exclusive, a.nodes, b.reason)) return b;
  b.reason = check_room(a.nodes, start, end, exclusive);
  if (!b.reason.empty()) return b;
  b.ok = true;
  b.id = next_id_++;
  if (a.held) change_base(a, -1); else add_events(b.id, a, start, -1);
  add_events(b.id, a, end, +1);
  allocs_.emplace(b.id, std::move(a));
  return b;
}

bool Profile::release(uint64_t id) {
  auto it = allocs_.find(id);
  if (it == allocs_.end()) return false;
  const Alloc& a = it->second;
  if (a.end > now_ && !a.overdue) ++gains_;  // overdue: released at or after its booked end
  remove_events(id, a, a.end);
  if (a.held) change_base(a, +1); else remove_events(id, a, a.start);
  allocs_.erase(it);
  return true;
}

bool Profile::advance(Seconds now) {
  if (now < now_) return false;
  std::set<uint64_t> due;  // ordered by id, so the re-timed events are inserted in one order
  std::set<uint32_t> nodes;  // each node's events read once, however many of them are due
  for (auto b = index_.begin(); b != index_.end() && b->first <= now; ++b)
    for (const Mark& m : b->second) nodes.insert(m.node);
  for (uint32_t n : nodes)
    for (const Event& e : events_[n]) {  // by time: stop at the first one not due
      if (e.t > now) break;
      due.insert(e.alloc);
    }
  for (uint64_t id : due) {
    Alloc& a = allocs_.at(id);
    if (!a.held && a.start <= now) {
      remove_events(id, a, a.start);
      change_base(a, -1);
      a.held = true;
    }
    if (a.end <= now) {
      remove_events(id, a, a.end);
      a.end = now + 1;
      a.overdue = true;
      add_events(id, a, a.end, +1);
    }
  }
  now_ = now;
  ++version_;
  return true;
}

std::vector<Seconds> Profile::change_points() const {
  std::vector<Seconds> out;
  out.reserve(index_.size());
  for (const auto& b : index_) out.push_back(b.first);
  return out;
}

}  // namespace fleetq
