// fleetq native core: trace replay — the scheduling policy (policy.h) on a backfill profile
// (backfill.h) driven by a workload trace on a virtual clock, the event loop in C++. It is the
// same loop as src/sim/replay.ts (which the TypeScript policy layer drives, and which the trace
// simulator uses for orders this one does not know, such as the daemon's priority): the same
// events in the same order, the same cycle, so both give the same schedule (a test holds them to
// it). Here no crossing into JavaScript happens per event, which is what makes a 54,000-job trace
// replay in a fraction of a second.
//
// The machine is one node of `procs` cpus; a job asks one chunk of its processors for its estimate
// and holds them for its run time. At each instant: every end (its booking released; its dependent
// jobs let in after their think time), then every submit, then the jobs let in now, then one cycle.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "fleetq/backfill.h"
#include "fleetq/policy.h"

namespace fleetq {

struct TraceJob {
  Seconds submit = 0;
  Seconds run = 0;       // >= 0
  Seconds estimate = 1;  // the booking's length; < 1 is taken as 1
  uint32_t procs = 1;
  int64_t preceding = -1;  // index of the job it waits for (submitted earlier), -1 = none
  Seconds think = 0;       // after the preceding job's end
};

enum class ReplayOrder : uint8_t { Fcfs = 0, Sjf = 1 };

// One point of the timeline: jobs waiting and processors busy after the instant's cycle.
struct TimelinePoint {
  Seconds t;
  uint32_t queued;
  uint64_t busy;
};

class Replay {
 public:
  // `jobs` in any order (ties of submit by index). Throws nothing; procs >= 1.
  Replay(uint32_t procs, std::vector<TraceJob> jobs, Backfill mode, ReplayOrder order, bool timeline);
  ~Replay();
  Replay(const Replay&) = delete;
  Replay& operator=(const Replay&) = delete;

  // Runs until `max_ends` more jobs have ended or the trace is done; returns whether it is done.
  bool step(uint64_t max_ends);
  uint64_t ended() const { return ended_; }
  uint64_t cycles() const { return cycles_; }
  uint64_t checks() const { return checks_; }
  // Per job (input order): when it could first be submitted (its submit, or later when it waited
  // for a preceding job), started (-1 = never), ended.
  const std::vector<Seconds>& eligible() const { return eligible_; }
  const std::vector<Seconds>& start() const { return start_; }
  const std::vector<Seconds>& end() const { return end_; }
  const std::vector<TimelinePoint>& timeline() const { return timeline_; }

 private:
  struct State;
  void enqueue(uint32_t k);
  void submit(uint32_t k);
  void let_in(uint32_t k, Seconds pred_end);
  void cycle();

  std::unique_ptr<State> s_;
  std::vector<TraceJob> jobs_;
  std::vector<Seconds> eligible_, start_, end_;
  std::vector<TimelinePoint> timeline_;
  uint64_t ended_ = 0, cycles_ = 0, checks_ = 0;
};

}  // namespace fleetq
