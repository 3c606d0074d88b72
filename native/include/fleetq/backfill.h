// fleetq native core: the backfill profile — resource availability over time (integer seconds),
// built from a topology snapshot at `now` plus allocations that hold slots over a span of time:
// running jobs (already taken in the snapshot, given back at their expected end) and reservations
// (taken at their start, given back at their end). EASY and conservative backfilling are written on
// top of it: earliest_start() answers "when could this request run for this long", reserve() books
// the answer, release() cancels a booking or ends a job early, advance() moves the clock.
//
// Pure C++17, no clock, no I/O: the same calls in the same order give the same answers.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "fleetq/placement.h"
#include "fleetq/topology.h"

namespace fleetq {

using Seconds = int64_t;

// The answer to add_running()/reserve(): an allocation id (ids start at 1, increase by one per
// booking, never reused), or why it was refused.
struct Booking {
  bool ok = false;
  uint64_t id = 0;
  std::string reason;  // set when !ok, e.g. "node n3: 2 cpus free over [100, 160), 4 asked"
};

// The answer to earliest_start(). When ok, `placement` is what place() gives against the
// availability that holds over the whole window [start, start + duration). When !ok the request
// does not fit even once every allocation has ended; placement.diagnosis says why, and
// diagnosis.never whether it cannot fit this cluster at all (reject it) or only waits on
// allocations the profile does not know the end of (nodes busy with unregistered jobs, down nodes).
struct StartPlan {
  bool ok = false;
  Seconds start = 0;
  Placement placement;
};

// A resource-availability profile over time.
//
// Model. Per node, the free cpus/mem/gpus, the number of jobs holding it and whether one holds it
// exclusively form a step function of time: the snapshot's values at `now`, changed by each
// allocation at its start (taken) and end (given back). An allocation holds over [start, end).
// A node is unusable for a shared request while an exclusive allocation holds it, and for an
// excl/exclhost request while any job holds it. Over a window [t, t + d) a node offers the minimum
// of each free resource over the window (and is unusable if it is unusable at any instant of it).
//
// Overdue allocations. An allocation whose end is at or before `now` (a job past its estimate,
// still running because nobody called release()) is treated as ending at now + 1: its resources are
// still held now and expected back one second later. advance() re-times them as the clock moves.
//
// Cost. The profile keeps one private scratch copy of the topology and changes only the nodes
// whose window differs from `now` (through Topology::set_free, so the topology's aggregates stay
// true). earliest_start() is O(nodes) for the setup and one place() call, plus about one node
// update per event before the answer's window ends (a per-node cursor carries the level forward;
// only ends passed by the window's left edge and starts taken in by its right edge are re-read);
// a cheap necessary check (per chunk kind, enough hostable instances) skips place() at candidate
// times that cannot work. reserve()/release() touch the allocation's nodes and two time buckets.
//
// Not thread-safe: earliest_start() uses the scratch copy. One profile per thread.
class Profile {
 public:
  // Copies `snapshot` (its free resources are the availability at `now`; its njobs/exclusive say
  // which nodes jobs hold now).
  Profile(const Topology& snapshot, Seconds now);

  Seconds now() const { return now_; }
  size_t size() const { return allocs_.size(); }  // allocations held or booked
  // How many times availability has grown somewhere ahead: a release() that gives resources back
  // before the end they were booked to (a job ending early, a booking cancelled). While it does not
  // change, no earliest start can have moved earlier — conservative backfilling skips compressing.
  uint64_t gains() const { return gains_; }
  // The nodes booking `id` holds, ascending (empty when there is no such booking).
  std::vector<uint32_t> nodes_of(uint64_t id) const {
    std::vector<uint32_t> out;
    auto it = allocs_.find(id);
    if (it != allocs_.end()) for (const Need& n : it->second.nodes) out.push_back(n.node);
    return out;
  }
  // Whether booking `id` could start no earlier than it does: the earliest start of `req` for
  // `duration`, computed as if that booking were not there, is its own start. Answered without
  // changing anything on a one-node topology; elsewhere (or for an unknown id) false, meaning "not
  // known": release it and ask earliest_start(). Conservative compression uses it to leave the
  // reservations that cannot move alone instead of releasing and booking them again.
  bool cannot_move(uint64_t id, const Request& req, Seconds duration) const;
  // Whether `req` cannot fit this cluster even with every node up, idle and free (what place()'s
  // diagnosis calls never). Cheap on one node (the node's totals); elsewhere one place().
  bool never_fits(const Request& req) const;
  // The start of booking `id`, or -1 when there is no such booking.
  Seconds start_of(uint64_t id) const {
    auto it = allocs_.find(id);
    return it == allocs_.end() ? -1 : it->second.start;
  }
  // The topology the profile places against; between calls its free resources are those at now()
  // (exclusive holds shown as nothing free). Use it to resolve names (instance types, nodes).
  const Topology& topology() const { return scratch_; }

  // Registers a running job whose slots the snapshot already counts as taken; they come back at
  // `end` (an end at or before now is treated as now + 1). Refused only when a slot names a node
  // outside the topology.
  Booking add_running(Seconds end, const std::vector<Slot>& slots, bool exclusive);

  // Books `slots` over [start, end), now <= start < end. Never over-commits: refused, with the
  // first node that lacks room, when the slots (summed per node) do not fit the availability over
  // the whole window, when an exclusive booking meets any job there, or a shared one meets an
  // exclusive hold, or a node is down. A booking with start == now holds from now, like a job
  // that starts now.
  Booking reserve(Seconds start, Seconds end, const std::vector<Slot>& slots, bool exclusive);

  // Ends allocation `id`: a booking that has not started disappears; a running job, or a booking
  // whose start has passed, gives its resources back now (a job that ends earlier than expected).
  // False (changing nothing) for an unknown id. Not idempotent: the id is gone afterwards.
  bool release(uint64_t id);

  // Moves the clock to `now` (>= now(); false, changing nothing, when earlier): bookings whose
  // start has come hold from then on; allocations whose end has come are overdue (see above).
  bool advance(Seconds now);

  // The earliest t >= max(now, not_before) at which place() succeeds against the availability over
  // the whole window [t, t + duration), with the placement it gets there. Candidates are
  // max(now, not_before) and every later change point, in order; the first that fits is returned.
  // duration >= 1 (a shorter one is treated as 1). With `not_after`, candidates after it are not
  // tried: the answer is !ok with the diagnosis text "no start by <not_after>" (no placement is
  // diagnosed) — e.g. not_after = now asks "can it start now?", EASY's backfill test, cheaply.
  StartPlan earliest_start(const Request& req, Seconds duration, Seconds not_before,
                           Seconds not_after = std::numeric_limits<Seconds>::max());

  // The distinct times after now() at which availability changes, ascending (for tests, and for a
  // simulator that wants the next interesting time).
  std::vector<Seconds> change_points() const;

 private:
  // Free resources, jobs holding and exclusive holds of one node (or a change of them).
  struct Level {
    int64_t cpus = 0, mem = 0, gpus = 0;
    int32_t jobs = 0, excl = 0;
    void apply(const Level& d) { cpus += d.cpus; mem += d.mem; gpus += d.gpus; jobs += d.jobs; excl += d.excl; }
    // The change an allocation holding `need` (resources, 1 job, 1 if exclusive) makes when it
    // gives back (sign +1: resources up, holders down) or takes (sign -1).
    static Level change(const Level& need, int sign) {
      return Level{sign * need.cpus, sign * need.mem, sign * need.gpus, -sign * need.jobs, -sign * need.excl};
    }
  };
  // What a node offers over a window: minimum free, and whether anything/an exclusive hold is there.
  struct Window {
    int64_t cpus, mem, gpus;
    bool any_job, exclusive;
  };
  struct Event { Seconds t; uint64_t alloc; Level d; };
  // An event in the time index: its node, and whether it gives resources back (an end) or takes
  // them (a start).
  struct Mark { uint32_t node; bool gives; };
  struct Need { uint32_t node; Level need; };
  // overdue: its end was re-timed to now + 1 (see above), so releasing it gives back nothing ahead
  // of the end it was booked to — not a gain.
  struct Alloc { Seconds start, end; bool held; std::vector<Need> nodes; bool overdue = false; };
  class Sweep;  // one earliest_start() call (backfill/sweep.cpp)
  // The one-node case (backfill/one_node.cpp): availability is one step function, scanned once.
  // 1: found `start`; 0: none by not_after; -1: not decided here (use the sweep).
  // `except`: an allocation counted as absent (its resources free over its span).
  int one_node_start(const Request& req, Seconds duration, Seconds t0, Seconds not_after, Seconds& start,
                     const Alloc* except = nullptr) const;
  StartPlan place_one_node(const Request& req, Seconds start, Seconds duration);

  Window window(uint32_t node, Seconds t, Seconds duration) const;
  // The window from a node's level at its start `at` and its events from index i on, up to `end`.
  static Window window_from(Level at, const std::vector<Event>& ev, size_t i, Seconds end);
  bool needs(const std::vector<Slot>& slots, bool exclusive, std::vector<Need>& out, std::string& reason) const;
  std::string check_room(const std::vector<Need>& nodes, Seconds start, Seconds end, bool exclusive) const;
  void add_events(uint64_t id, const Alloc& a, Seconds t, int sign);
  void remove_events(uint64_t id, const Alloc& a, Seconds t);
  void change_base(const Alloc& a, int sign);
  // Shows node n's availability at now (shared view) in the scratch topology.
  void show_base(uint32_t n);

  Topology scratch_;
  Seconds now_;
  std::vector<Level> base_;                // per node, at now_
  std::vector<std::vector<Event>> events_;  // per node, by time
  // Every event by time (all after now_): one bucket per change point, so a booking touches two
  // buckets and a sweep walks change points in order.
  std::map<Seconds, std::vector<Mark>> index_;
  std::unordered_map<uint64_t, Alloc> allocs_;
  uint64_t next_id_ = 1;
  uint64_t gains_ = 0;
  int one_node_level_ = -1;  // place()'s network level on a one-node topology, once known
  // Bumped by every change of availability; what the cache below was built at.
  uint64_t version_ = 0;
  // One node: the most cpus free at any instant from now() up to each of its steps' starts
  // (step start, running maximum), rebuilt when the version moves. cannot_move()'s first test: a
  // booking cannot move earlier than its start if no instant before it has its cpus free.
  mutable uint64_t peak_version_ = ~uint64_t{0};
  mutable std::vector<std::pair<Seconds, int64_t>> peak_;
  int64_t peak_free_before(Seconds t) const;
  // The first step (now() or a change point) with at least `cpus` free, or the largest Seconds.
  Seconds first_with_free_cpus(int64_t cpus) const;
  // Per-node cursor of the current sweep (valid where seen == sweep_): the level at the sweep's
  // time and the next event. One struct per node, so a sweep step costs one cache line, and kept
  // between calls so a sweep does not clear O(nodes) memory.
  struct Cursor { Level level; uint32_t seen = 0, next = 0; };
  std::vector<Cursor> cursors_;
  uint32_t sweep_ = 0;
};

}  // namespace fleetq
