// fleetq native core: the scheduling policy of one cycle — which waiting jobs start now and which
// get reservations — on a backfill profile (backfill.h). The daemon's scheduler and the trace
// simulator both call schedule(); jobs are ordered by the caller (priority), this decides.
//
// Policies, per job (the job's queue chooses):
//   None          strict order: the first job that cannot start now blocks every later job of the
//                 cycle (FCFS without backfilling when the order is submit order).
//   Easy          the first job of its queue that cannot start now gets a reservation at its
//                 earliest start; a later job starts now only if it fits around that reservation
//                 (so it cannot delay it). EASY reservations hold for this cycle only.
//   Conservative  every job that cannot start now gets a reservation, and keeps it across cycles
//                 (the caller passes its booking id back): nothing may delay any reservation. At
//                 each cycle a kept reservation is compressed — released and booked again at the
//                 earliest start, which is never later than before (its old window is still free:
//                 every booking made since was made around it). When nothing has freed up since
//                 the last cycle (Profile::gains), the compression is skipped: it could move nothing.
//
// A job that can never fit the cluster (even idle) waits with `never` set, and neither blocks a
// strict queue nor takes its queue's EASY reservation (jobs after a block, or after their queue's
// EASY reservation that cannot start now, are not examined further and simply wait). A job that fits now but comes after a strict
// (None) block does not start. A conservative job
// whose reservation has come starts even after a block: a reservation is a promise.
//
// Pure C++17 like the profile: same calls, same answers. Not thread-safe (uses the profile).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "fleetq/backfill.h"
#include "fleetq/placement.h"

namespace fleetq {

enum class Backfill : uint8_t { None = 0, Easy = 1, Conservative = 2 };

// One waiting job of a cycle.
struct Waiting {
  const Request* request = nullptr;  // not owned; must outlive the call
  Seconds duration = 1;              // its estimate (walltime); < 1 is taken as 1
  Backfill mode = Backfill::Easy;
  uint32_t queue = 0;                // EASY protects the first waiting job of each queue
  uint64_t reservation = 0;          // a conservative booking kept from an earlier cycle, 0 = none
};

enum class Action : uint8_t { Wait = 0, Start = 1, Reserve = 2 };

struct Decision {
  Action action = Action::Wait;
  // Start: now. Reserve: the reserved start (EASY's too, though that booking is dropped at the end
  // of the cycle). Wait: 0.
  Seconds start = 0;
  // Start: the profile's id of the running allocation (release it when the job ends).
  // Reserve: the kept booking's id for a conservative job (pass it back next cycle); 0 for EASY.
  uint64_t booking = 0;
  // Start and Reserve: where (slots). Wait with `never`: the request cannot fit this cluster at all.
  Placement placement;
  bool never = false;
};

struct CycleStats {
  uint32_t started = 0, reserved = 0, checks = 0;  // checks: earliest_start() calls made
  // In: profile.gains() when the kept reservations were last compressed (0: never). Out: the
  // value now. While it is unchanged, a kept reservation whose start is still ahead stays as it is:
  // nothing has freed up that could bring it earlier (a reservation is only ever compressed).
  uint64_t gains_seen = 0;
  // In: at most this many new conservative reservations per cycle (0 = no limit), as Slurm's
  // bf_max_job_test bounds a backfill pass: a conservative job past the limit without a kept
  // reservation may still start now around the others, but gets none this cycle. Out: unchanged.
  uint32_t reservation_limit = 0;
};

// Runs one cycle at profile.now() over `jobs` in the given (priority) order: returns one decision
// per job, in the same order. Started jobs are booked in the profile over [now, now + duration);
// conservative reservations are booked and kept; EASY ones are released before returning. Every
// `reservation` passed in is consumed (released, or re-booked under the id the decision returns).
// A job whose request cannot fit even on the idle cluster waits with `never` set.
std::vector<Decision> schedule(Profile& profile, const std::vector<Waiting>& jobs, CycleStats* stats = nullptr);

// A decision other than "wait" (a start, a reservation, or a wait because it can never fit), with
// the index of its job.
struct Decided {
  size_t index;
  Decision decision;
};

// The same over `n` jobs read through `at(i)`, returning only the jobs that do not simply wait (in
// order) — a cycle over a long queue builds little — and stopping early: once a strict block leaves
// nothing to decide (no job after it holds a kept reservation, `last_kept` being the index of the
// last one that does, or -1), the remaining jobs are not read. `read` (if given) is set to the
// number of jobs read. (The simulator's queue under strict FCFS is long.) Without `estimates`, an
// EASY job whose reservation no later job needed in this cycle is listed as waiting rather than
// reserved at its start — the start is not computed (the simulator has no use for it).
std::vector<Decided> schedule(Profile& profile, size_t n, const std::function<Waiting(size_t)>& at, int64_t last_kept,
                              CycleStats* stats = nullptr, size_t* read = nullptr, bool estimates = true);

}  // namespace fleetq
