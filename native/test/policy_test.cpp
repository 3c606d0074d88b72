// GoogleTest for the scheduling policy (policy.h) and the one-node fast path of the backfill
// profile (backfill/one_node.cpp): the fast path must answer exactly what the generic sweep
// answers, and one schedule() cycle must decide what None, EASY and conservative backfilling
// promise, on hand-computed cases and across successive cycles.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "fleetq/backfill.h"
#include "fleetq/policy.h"
#include "fleetq/replay.h"

using namespace fleetq;

namespace {

constexpr uint64_t kGiB = 1ull << 30;
constexpr Seconds kNever = std::numeric_limits<Seconds>::max();

NodeSpec node(const std::string& name, uint32_t cpus, uint64_t mem = 64 * kGiB, uint32_t gpus = 0, bool up = true) {
  NodeSpec s;
  s.name = name;
  s.ncpus = s.free_ncpus = cpus;
  s.mem = s.free_mem = mem;
  s.ngpus = s.free_ngpus = gpus;
  s.up = up;
  s.instance_type = "c5.xlarge";
  s.network_nodes = {"top", "mid", "bot"};
  return s;
}

// `n` nodes n0, n1, … of `cpus` cpus each, every cpu free.
Topology cluster(size_t n, uint32_t cpus) {
  std::vector<NodeSpec> specs;
  for (size_t i = 0; i < n; ++i) specs.push_back(node("n" + std::to_string(i), cpus));
  return Topology::build(specs);
}

Request chunks(uint32_t count, uint32_t cpus, Arrangement a = Arrangement::Free, Sharing sharing = Sharing::Shared) {
  Request r;
  ChunkReq c;
  c.count = count;
  c.ncpus = cpus;
  r.chunks.push_back(c);
  r.arrangement = a;
  r.sharing = sharing;
  return r;
}

// A running job of `cpus` cpus on each of `nodes`, ending at `end`: taken in the snapshot `t`
// (before the profile is built) — call hold() on the topology, then add() on the profile.
struct Running {
  std::vector<uint32_t> nodes;
  uint32_t cpus;
  Seconds end;
  void hold(Topology& t) const {
    for (uint32_t n : nodes) EXPECT_TRUE(t.allocate(n, cpus, 0, 0)) << "running job on n" << n;
  }
  uint64_t add(Profile& p) const {
    std::vector<Slot> slots;
    for (uint32_t n : nodes) slots.push_back(Slot{n, 0, cpus, 0, 0, 1});
    const Booking b = p.add_running(end, slots, false);
    EXPECT_TRUE(b.ok) << b.reason;
    return b.id;
  }
};

// A profile at `now` over `t` with `running` jobs registered; their ids in `ids` when given.
Profile profile(Topology t, const std::vector<Running>& running, Seconds now = 0, std::vector<uint64_t>* ids = nullptr) {
  for (const Running& r : running) r.hold(t);
  Profile p(t, now);
  for (const Running& r : running) {
    const uint64_t id = r.add(p);
    if (ids) ids->push_back(id);
  }
  return p;
}

// One decision as text: "S@t" start, "R@t" reservation, "W" wait, "W!" wait, never fits.
std::string text(const Decision& d) {
  switch (d.action) {
    case Action::Start: return "S@" + std::to_string(d.start);
    case Action::Reserve: return "R@" + std::to_string(d.start);
    case Action::Wait: return d.never ? "W!" : "W";
  }
  return "?";
}

std::string text(const std::vector<Decision>& ds) {
  std::string s;
  for (const Decision& d : ds) s += (s.empty() ? "" : " ") + text(d);
  return s;
}

std::string nodes_text(const Topology& t, const Placement& p) {
  std::string s;
  for (const Slot& x : p.slots) s += (s.empty() ? "" : ",") + t.names[x.node];
  return s;
}

Waiting job(const Request& r, Seconds d, Backfill mode, uint32_t queue = 0, uint64_t reservation = 0) {
  Waiting w;
  w.request = &r;
  w.duration = d;
  w.mode = mode;
  w.queue = queue;
  w.reservation = reservation;
  return w;
}

const char* mode_name(Backfill m) {
  return m == Backfill::None ? "none" : m == Backfill::Easy ? "easy" : "conservative";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 1. The one-node fast path answers what the generic sweep answers.
//
// The same random history is played on (a) a one-node topology, where earliest_start() takes the
// fast path, and (b) the same node plus a second node that is down, where the sweep runs; the
// down node can take nothing, so every answer must be the same: ok, start, and slots.

namespace {

struct Twin {
  Profile one, two;  // one node; the same node and a down one
  std::string log;   // the history so far, printed when the two disagree
};

std::string request_text(const Request& r, Seconds d) {
  std::string s = "{sharing " + std::to_string(static_cast<int>(r.sharing)) + ", arrangement " +
                  std::to_string(static_cast<int>(r.arrangement)) + ",";
  for (const ChunkReq& c : r.chunks)
    s += " " + std::to_string(c.count) + "×(" + std::to_string(c.ncpus) + " cpus, " + std::to_string(c.mem / kGiB) +
         " GiB, " + std::to_string(c.ngpus) + " gpus)";
  return s + "} for " + std::to_string(d);
}

Topology machine(const NodeSpec& n0, bool with_down_node) {
  std::vector<NodeSpec> specs = {n0};
  if (with_down_node) {
    NodeSpec down = n0;
    down.name = "n1";
    down.up = false;
    specs.push_back(down);
  }
  return Topology::build(specs);
}

// "start@n:chunk:cpus:mem:gpus,…" or "none" / "none by" (the not_after answer).
std::string plan_text(const StartPlan& s) {
  if (!s.ok) return s.placement.diagnosis.text.rfind("no start by", 0) == 0 ? "none by" : "none";
  std::string out = std::to_string(s.start) + "@";
  for (const Slot& x : s.placement.slots)
    out += std::to_string(x.node) + ":" + std::to_string(x.chunk) + ":" + std::to_string(x.ncpus) + ":" +
           std::to_string(x.mem / kGiB) + ":" + std::to_string(x.ngpus) + ",";
  return out;
}

Request random_request(std::mt19937& rng, const NodeSpec& n) {
  static const Sharing kSharing[] = {Sharing::Shared, Sharing::Shared, Sharing::Excl, Sharing::ExclHost};
  static const Arrangement kArr[] = {Arrangement::Free, Arrangement::Pack, Arrangement::Scatter, Arrangement::VScatter};
  Request r;
  r.sharing = kSharing[rng() % 4];
  r.arrangement = kArr[rng() % 4];
  const bool one_instance = r.arrangement == Arrangement::Scatter || r.arrangement == Arrangement::VScatter;
  const uint32_t kinds = one_instance ? 1 : 1 + rng() % 3;
  for (uint32_t k = 0; k < kinds; ++k) {
    ChunkReq c;
    c.count = one_instance ? 1 : 1 + rng() % 3;
    c.ncpus = rng() % 8 == 0 ? 0 : 1 + rng() % (n.ncpus / 2 + 1);  // now and then more than fits
    c.mem = rng() % 2 ? 0 : (1 + rng() % 24) * kGiB;
    c.ngpus = n.ngpus && rng() % 2 ? 1 + rng() % n.ngpus : 0;
    if (c.ncpus == 0 && c.mem == 0 && c.ngpus == 0) c.ncpus = 1;
    r.chunks.push_back(c);
  }
  return r;
}

// Builds the twins from one random snapshot: node size and running jobs (some already overdue).
Twin random_twin(std::mt19937& rng, NodeSpec& n0) {
  n0 = node("n0", 2 + rng() % 15, (8 + rng() % 57) * kGiB, rng() % 3 == 0 ? 1 + rng() % 4 : 0);
  Topology a = machine(n0, false), b = machine(n0, true);
  struct Job { Slot slot; bool excl; Seconds end; };
  std::vector<Job> jobs;
  const uint32_t count = rng() % 5;
  for (uint32_t j = 0; j < count; ++j) {
    const bool excl = jobs.empty() && rng() % 5 == 0;
    Slot s{0, 0, static_cast<uint32_t>(rng() % (n0.ncpus / 2 + 1)), (rng() % 8) * kGiB,
           n0.ngpus ? static_cast<uint32_t>(rng() % (n0.ngpus + 1)) : 0, 1};
    if (!a.allocate(0, s.ncpus, s.mem, s.ngpus, excl)) continue;
    EXPECT_TRUE(b.allocate(0, s.ncpus, s.mem, s.ngpus, excl));
    jobs.push_back({s, excl, static_cast<Seconds>(rng() % 120)});  // end 0: overdue at once
    if (excl) break;
  }
  Twin tw{Profile(a, 0), Profile(b, 0), {}};
  tw.log = "node: " + std::to_string(n0.ncpus) + " cpus, " + std::to_string(n0.mem / kGiB) + " GiB, " + std::to_string(n0.ngpus) + " gpus\n";
  for (const Job& j : jobs) {
    tw.log += "running: " + std::to_string(j.slot.ncpus) + " cpus, " + std::to_string(j.slot.mem / kGiB) + " GiB, " +
              std::to_string(j.slot.ngpus) + " gpus, excl " + std::to_string(j.excl) + ", end " + std::to_string(j.end) + "\n";
    const Booking x = tw.one.add_running(j.end, {j.slot}, j.excl), y = tw.two.add_running(j.end, {j.slot}, j.excl);
    EXPECT_TRUE(x.ok && y.ok && x.id == y.id) << x.reason << y.reason;
  }
  return tw;
}

}  // namespace

TEST(OneNode, SameAnswersAsTheSweep) {
  std::mt19937 rng(20261125);
  int answered = 0, booked = 0, released = 0, advanced = 0, moves = 0, fixed = 0;
  for (int round = 0; round < 2000; ++round) {
    NodeSpec n0;
    Twin tw = random_twin(rng, n0);
    std::vector<uint64_t> ids;
    std::vector<std::pair<Request, Seconds>> asked;  // per id in `ids`: what it was booked for
    for (int op = 0; op < 14; ++op) {
      const uint32_t kind = rng() % 10;
      if (kind == 0) {  // the clock moves, often past ends nobody released (overdue)
        const Seconds to = tw.one.now() + static_cast<Seconds>(rng() % 60);
        ASSERT_TRUE(tw.one.advance(to) && tw.two.advance(to));
        tw.log += "advance " + std::to_string(to) + "\n";
        ++advanced;
        continue;
      }
      if (kind == 2 && !ids.empty()) {  // cannot_move() on one node == release and ask the sweep again
        const size_t k = rng() % ids.size();
        const auto& [req, d] = asked[k];
        Profile without = tw.two;
        const Seconds at = without.start_of(ids[k]);
        ASSERT_TRUE(without.release(ids[k]));
        const StartPlan s = without.earliest_start(req, d, without.now());
        const bool want = at > without.now() && s.ok && s.start == at;  // a booking holding already: "not known"
        ASSERT_EQ(tw.one.cannot_move(ids[k], req, d), want) << "round " << round << " op " << op << ": booking " << ids[k] << " at " << at
                                                            << ", the sweep's earliest without it: " << plan_text(s) << "\nhistory:\n" << tw.log;
        ++moves;
        fixed += want;
        continue;
      }
      if (kind == 1 && !ids.empty()) {  // a job ends early, or a booking is cancelled
        const size_t k = rng() % ids.size();
        ASSERT_TRUE(tw.one.release(ids[k]) && tw.two.release(ids[k])) << "round " << round << ": release " << ids[k];
        tw.log += "release " + std::to_string(ids[k]) + "\n";
        ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(k));
        asked.erase(asked.begin() + static_cast<std::ptrdiff_t>(k));
        ++released;
        continue;
      }
      const Request req = random_request(rng, n0);
      const Seconds d = static_cast<Seconds>(rng() % 80);  // 0 is taken as 1
      const Seconds not_before = rng() % 3 ? 0 : tw.one.now() + static_cast<Seconds>(rng() % 150);
      const Seconds not_after = rng() % 3 ? kNever : tw.one.now() + static_cast<Seconds>(rng() % 200);
      const StartPlan a = tw.one.earliest_start(req, d, not_before, not_after);
      const StartPlan b = tw.two.earliest_start(req, d, not_before, not_after);
      ASSERT_EQ(plan_text(a), plan_text(b)) << "round " << round << " op " << op << ": one-node fast path (left) vs sweep (right), now "
                                            << tw.one.now() << ", " << request_text(req, d) << ", not_before " << not_before << ", not_after " << not_after
                                            << "\nhistory:\n" << tw.log;
      ++answered;
      if (a.ok) {
        for (const Slot& s : b.placement.slots) ASSERT_EQ(s.node, 0u) << "round " << round << ": the sweep placed on the down node";
        if (rng() % 2) continue;
        const bool excl = req.sharing != Sharing::Shared;
        const Seconds end = a.start + std::max<Seconds>(d, 1);
        const Booking x = tw.one.reserve(a.start, end, a.placement.slots, excl);
        const Booking y = tw.two.reserve(b.start, end, b.placement.slots, excl);
        ASSERT_TRUE(x.ok) << "round " << round << ": booking the fast path's answer: " << x.reason;
        ASSERT_TRUE(y.ok) << "round " << round << ": booking the sweep's answer: " << y.reason;
        ASSERT_EQ(x.id, y.id);
        tw.log += "reserve " + std::to_string(x.id) + ": [" + std::to_string(a.start) + ", " + std::to_string(end) + ") " + request_text(req, d) + "\n";
        ids.push_back(x.id);
        asked.emplace_back(req, d);
        ++booked;
      }
    }
  }
  // The history must have exercised every operation, or the equality above proves little.
  EXPECT_GT(answered, 15000);
  EXPECT_GT(booked, 3000);
  EXPECT_GT(released, 1000);
  EXPECT_GT(advanced, 1000);
  EXPECT_GT(moves, 1000);
  EXPECT_GT(fixed, 100) << "bookings that cannot move: too few to test cannot_move() saying so";
}

// ---------------------------------------------------------------------------------------------
// 2. schedule(): hand-computed cycles.

// One 4-cpu node at now = 0; a running job holds 2 cpus until 100 (2 free now). Waiting, in order:
//   J1  3 cpus × 100   cannot start now (2 free); earliest start 100, over [100, 200)
//   J2  4 cpus × 100   cannot start now; after J1: 200, over [200, 300)
//   J3  1 cpu  × 300   fits now over [0, 300): 2 free to 100, 1 beside J1 to 200, then 4 free —
//                      unless J2 is booked over [200, 300) (4 cpus): then its earliest is 300
//   J4  1 cpu  × 50    fits now over [0, 50) in either case
// None:          J1 blocks: W W W W.
// EASY:          J1 reserved at 100 (the queue's one reservation); J2 waits without one; J3 starts
//                now (it cannot delay J1); J4 starts now (1 cpu left): R@100 W S@0 S@0.
// Conservative:  J1 at 100, J2 at 200, J3 would delay J2 → reserved at 300; J4 starts: R@100 R@200 R@300 S@0.
//
// The same on 4 nodes × 4 cpus with one job on n0 and n1 until 100 and every request scattered
// (chunks of 4 cpus, one per node: "3 cpus" above becomes 3 nodes): the same decisions, with J1
// booked on n0,n1,n2 and J3 started on n3, the one node J1 leaves free.
TEST(Schedule, NoneEasyConservativeDiffer) {
  struct Case { const char* name; Backfill mode; std::string want; };
  const Case cases[] = {
      {"none: the first job blocks the rest", Backfill::None, "W W W W"},
      {"easy: one reservation, J3 backfilled around it", Backfill::Easy, "R@100 W S@0 S@0"},
      {"conservative: J3 would delay J2's reservation", Backfill::Conservative, "R@100 R@200 R@300 S@0"},
  };
  struct Machine { const char* name; size_t nodes; uint32_t cpus; Running running; Arrangement a; uint32_t unit; };
  const Machine machines[] = {
      {"one node × 4 cpus", 1, 4, {{0}, 2, 100}, Arrangement::Free, 1},
      {"4 nodes × 4 cpus, scatter", 4, 4, {{0, 1}, 4, 100}, Arrangement::Scatter, 4},
  };
  for (const Machine& m : machines)
    for (const Case& c : cases) {
      Profile p = profile(cluster(m.nodes, m.cpus), {m.running});
      // Scattered: `k` chunks of a node's cpus; one node: one chunk of `k` cpus.
      auto req = [&](uint32_t k) { return m.nodes == 1 ? chunks(1, k) : chunks(k, m.unit, m.a); };
      const Request j1 = req(3), j2 = req(4), j3 = req(1), j4 = req(1);
      const std::vector<Waiting> jobs = {job(j1, 100, c.mode), job(j2, 100, c.mode), job(j3, 300, c.mode), job(j4, 50, c.mode)};
      CycleStats stats;
      const std::vector<Decision> ds = schedule(p, jobs, &stats);
      ASSERT_EQ(ds.size(), jobs.size());
      EXPECT_EQ(text(ds), c.want) << m.name << ", " << c.name;
      if (m.nodes > 1 && c.mode == Backfill::Easy) {
        EXPECT_EQ(nodes_text(p.topology(), ds[0].placement), "n0,n1,n2") << m.name << ": J1's reservation";
        EXPECT_EQ(nodes_text(p.topology(), ds[2].placement), "n3") << m.name << ": J3 starts where J1 leaves room";
      }
      // Started jobs stay booked; EASY's reservation is gone; conservative ones are kept.
      const size_t kept = c.mode == Backfill::Conservative ? 3 : 0;
      EXPECT_EQ(p.size(), 1 + stats.started + kept) << m.name << ", " << c.name << ": allocations after the cycle";
    }
}

// A reservation limit (Slurm's bf_max_job_test) bounds the new conservative reservations of one
// cycle: past it a job still starts when it fits around the reservations made, but gets none.
TEST(Schedule, ReservationLimitBoundsNewConservativeReservations) {
  struct Case { uint32_t limit; std::string want; };
  // One node of 4 cpus, 2 busy until 100; J1 3×100, J2 4×100, J3 1×300, J4 1×50 (as above).
  const Case cases[] = {{0, "R@100 R@200 R@300 S@0"}, {1, "R@100 W S@0 S@0"}, {2, "R@100 R@200 W S@0"}};
  for (const Case& c : cases) {
    Profile p = profile(cluster(1, 4), {{{0}, 2, 100}});
    const Request j1 = chunks(1, 3), j2 = chunks(1, 4), j3 = chunks(1, 1), j4 = chunks(1, 1);
    const std::vector<Waiting> jobs = {job(j1, 100, Backfill::Conservative), job(j2, 100, Backfill::Conservative),
                                       job(j3, 300, Backfill::Conservative), job(j4, 50, Backfill::Conservative)};
    CycleStats stats;
    stats.reservation_limit = c.limit;
    EXPECT_EQ(text(schedule(p, jobs, &stats)), c.want) << "limit " << c.limit;
  }
}

// EASY protects the first blocked job of each queue: two queues, two reservations, and the
// later jobs of each queue wait without one. All reservations are dropped when the cycle ends.
TEST(Schedule, EasyProtectsOneJobPerQueue) {
  // 4 cpus, all busy until 100; four jobs of 4 cpus × 10, queues 0, 1, 0, 1. A (q0) is reserved
  // [100, 110); B (q1) after it, [110, 120); C (q0) and D (q1) wait: their queues are protected.
  Profile p = profile(cluster(1, 4), {{{0}, 4, 100}});
  const Request four = chunks(1, 4);
  const std::vector<Waiting> jobs = {job(four, 10, Backfill::Easy, 0), job(four, 10, Backfill::Easy, 1),
                                     job(four, 10, Backfill::Easy, 0), job(four, 10, Backfill::Easy, 1)};
  CycleStats stats;
  const std::vector<Decision> ds = schedule(p, jobs, &stats);
  EXPECT_EQ(text(ds), "R@100 R@110 W W") << "one reservation per queue, in order";
  EXPECT_EQ(stats.reserved, 2u);
  EXPECT_EQ(ds[0].booking, 0u) << "an EASY reservation has no kept booking";
  EXPECT_EQ(p.size(), 1u) << "EASY reservations are released when the cycle ends";
  EXPECT_EQ(p.change_points(), (std::vector<Seconds>{100})) << "nothing booked ahead but the running job's end";
}

// The profile after a cycle holds exactly what was there plus the started jobs, however many
// EASY reservations the cycle made; and a started job's booking is a running allocation there.
TEST(Schedule, EasyReservationsReleasedAtTheEnd) {
  // 8 cpus, 6 busy until 100 (2 free). Queue 0: A 8 × 10 → R@100; B 2 × 50 starts (ends before 100).
  // Queue 1: C 8 × 10 → R@110; D 2 × 200 would delay A → waits.
  Profile p = profile(cluster(1, 8), {{{0}, 6, 100}});
  const size_t before = p.size();
  const Request eight = chunks(1, 8), two = chunks(1, 2);
  const std::vector<Waiting> jobs = {job(eight, 10, Backfill::Easy, 0), job(two, 50, Backfill::Easy, 0),
                                     job(eight, 10, Backfill::Easy, 1), job(two, 200, Backfill::Easy, 1)};
  CycleStats stats;
  const std::vector<Decision> ds = schedule(p, jobs, &stats);
  EXPECT_EQ(text(ds), "R@100 S@0 R@110 W");
  EXPECT_EQ(p.size(), before + stats.started) << "allocations: the running job plus the started ones";
  EXPECT_EQ(p.start_of(ds[1].booking), 0) << "the started job holds from now";
  EXPECT_EQ(p.change_points(), (std::vector<Seconds>{50, 100})) << "the started job's end and the running job's";
}

// A request that can never fit this cluster waits with never set, and does not take the place
// of a job that can run: a conservative queue books around it, an EASY queue's head that can never
// fit leaves the other queues' reservations alone.
TEST(Schedule, NeverFitsWaitsWithNever) {
  struct Case { const char* name; Backfill mode; std::vector<uint32_t> queues; std::string want; };
  // 4 cpus, all busy until 100. Waiting: X (16 cpus), Y (4 cpus × 10), Z (16 cpus), W (4 × 10).
  const Case cases[] = {
      {"conservative: Y and W are booked one after the other", Backfill::Conservative, {0, 0, 0, 0}, "W! R@100 W! R@110"},
      {"easy: X and Z head queues of their own, Y and W each head theirs", Backfill::Easy, {1, 0, 2, 3}, "W! R@100 W! R@110"},
      // One EASY queue: X cannot take the queue's reservation, so Y gets it; Z and W, after it, are
      // not examined for a reservation (Z is not marked: nothing more is asked of it).
      {"easy, one queue: the never-fitting head does not take the reservation", Backfill::Easy, {0, 0, 0, 0}, "W! R@100 W W"},
      // Strict order: X never fits and does not block; Y is the first that waits and blocks the rest.
      {"none: a never-fitting job does not block the queue", Backfill::None, {0, 0, 0, 0}, "W! W W W"},
  };
  for (const Case& c : cases) {
    Profile p = profile(cluster(1, 4), {{{0}, 4, 100}});
    const Request huge = chunks(1, 16), four = chunks(1, 4);
    SCOPED_TRACE(c.name);
    const std::vector<Waiting> jobs = {job(huge, 10, c.mode, c.queues[0]), job(four, 10, c.mode, c.queues[1]),
                                       job(huge, 10, c.mode, c.queues[2]), job(four, 10, c.mode, c.queues[3])};
    EXPECT_EQ(text(schedule(p, jobs)), c.want) << c.name;
  }
}

// A strict (None) block stops every later job, even one that fits now; but a conservative job
// whose reservation has come starts anyway: a reservation is a promise.
TEST(Schedule, StrictBlockKeepsReservationPromises) {
  // 8 cpus, all busy until 100. Cycle 1 at 0: C (conservative, 4 × 50) reserved at 100.
  std::vector<uint64_t> running;
  Profile p = profile(cluster(1, 8), {{{0}, 8, 100}}, 0, &running);
  const Request four = chunks(1, 4), six = chunks(1, 6), two = chunks(1, 2), one = chunks(1, 1);
  CycleStats stats;
  std::vector<Decision> ds = schedule(p, {job(four, 50, Backfill::Conservative)}, &stats);
  ASSERT_EQ(text(ds), "R@100");
  const uint64_t kept = ds[0].booking;
  ASSERT_NE(kept, 0u) << "a conservative reservation is kept";
  // At 100 the running job ends; C's booking holds from now (4 free). S (strict, 6 cpus) cannot
  // start and blocks: L (strict, 2 cpus, fits) waits, C starts, E (EASY, 1 cpu) after it waits.
  ASSERT_TRUE(p.advance(100));
  ASSERT_TRUE(p.release(running[0]));
  const std::vector<Waiting> jobs = {job(six, 10, Backfill::None), job(two, 10, Backfill::None),
                                     job(four, 50, Backfill::Conservative, 0, kept), job(one, 10, Backfill::Easy)};
  ds = schedule(p, jobs, &stats);
  EXPECT_EQ(text(ds), "W W S@100 W") << "the block holds L and E back, not C";
  EXPECT_EQ(p.size(), 1u) << "only C is allocated";
  EXPECT_EQ(p.start_of(ds[2].booking), 100);
}

// gains(): counts releases that give resources back before the end they were booked to.
TEST(Schedule, GainsCountEarlyReleasesOnly) {
  struct Case { const char* name; Seconds advance_to; bool booking; uint64_t want; };
  // A running job booked to end at 100, or a booking over [50, 100); released at `advance_to`.
  const Case cases[] = {
      {"a job ending early", 40, false, 1},
      {"a job ending at its booked end", 100, false, 0},
      {"a job ending after its booked end (overdue)", 130, false, 0},
      {"a booking cancelled before it starts", 10, true, 1},
      {"a booking ended while it holds", 70, true, 1},
      {"a booking released at its end", 100, true, 0},
      {"a booking released after its end", 160, true, 0},
  };
  for (const Case& c : cases) {
    std::vector<uint64_t> ids;
    Profile p = profile(cluster(1, 4), c.booking ? std::vector<Running>{} : std::vector<Running>{{{0}, 4, 100}}, 0, &ids);
    if (c.booking) {
      const Booking b = p.reserve(50, 100, {Slot{0, 0, 4, 0, 0, 1}}, false);
      ASSERT_TRUE(b.ok) << b.reason;
      ids.push_back(b.id);
    }
    ASSERT_TRUE(p.advance(c.advance_to));
    const uint64_t before = p.gains();
    ASSERT_TRUE(p.release(ids[0]));
    EXPECT_EQ(p.gains() - before, c.want) << c.name << ": released at " << c.advance_to;
  }
}

// With nothing freed since the last cycle, a kept reservation ahead comes back untouched: the same
// booking id and start.
TEST(Schedule, KeptReservationUntouchedWhileNothingFrees) {
  // 4 cpus: a 3-cpu job runs until 200; a 1-cpu job booked until 100 ends at once, so gains() is
  // not 0 (a gains_seen of 0 means "never compressed"). The waiting job (4 × 50) is reserved at 200.
  std::vector<uint64_t> ids;
  Profile p = profile(cluster(1, 4), {{{0}, 3, 200}, {{0}, 1, 100}}, 0, &ids);
  ASSERT_TRUE(p.release(ids[1]));
  ASSERT_EQ(p.gains(), 1u);
  const Request four = chunks(1, 4);
  CycleStats stats;
  std::vector<Decision> ds = schedule(p, {job(four, 50, Backfill::Conservative)}, &stats);
  ASSERT_EQ(text(ds), "R@200");
  const uint64_t id = ds[0].booking;
  for (Seconds t : {10, 50, 199}) {
    ASSERT_TRUE(p.advance(t));
    ds = schedule(p, {job(four, 50, Backfill::Conservative, 0, id)}, &stats);
    EXPECT_EQ(text(ds), "R@200") << "at " << t;
    EXPECT_EQ(ds[0].booking, id) << "at " << t << ": the kept booking comes back as it was";
  }
  // The running job ends early at 199: the reservation is compressed to now and starts.
  ASSERT_TRUE(p.release(ids[0]));
  ds = schedule(p, {job(four, 50, Backfill::Conservative, 0, id)}, &stats);
  EXPECT_EQ(text(ds), "S@199");
}

// ---------------------------------------------------------------------------------------------
// Conservative reservations across cycles: as running jobs end early and time moves on, a job
// passed back with its reservation is never reserved later than before, never loses its
// reservation, and starts no later than its reservation said. Random but seeded, on one node
// (the fast path) and on four (the sweep, scattered and free requests).

namespace {

struct Pending { Request req; Seconds duration; uint64_t booking = 0; Seconds promised = -1; };
struct Live { uint64_t id; Seconds end; };  // a started job: released at `end` (early or on time)

// One run of `cycles` cycles; returns the number of promises checked.
int conservative_run(std::mt19937& rng, size_t nodes, uint32_t cpus, int cycles, const std::string& name) {
  Profile p(cluster(nodes, cpus), 0);
  std::vector<Pending> queue;
  std::vector<Live> live;
  CycleStats stats;
  int checked = 0;
  for (int c = 0; c < cycles; ++c) {
    for (uint32_t k = rng() % 3; k > 0; --k) {  // arrivals
      const Arrangement a = nodes > 1 && rng() % 2 ? Arrangement::Scatter : Arrangement::Free;
      const uint32_t count = 1 + rng() % (a == Arrangement::Scatter ? nodes : 2);
      const uint32_t each = 1 + rng() % (count == 1 || a == Arrangement::Scatter ? cpus : cpus / 2);  // always fits
      queue.push_back({chunks(count, each, a), 1 + static_cast<Seconds>(rng() % 100)});
    }
    std::vector<Waiting> jobs;
    for (const Pending& q : queue) jobs.push_back(job(q.req, q.duration, Backfill::Conservative, 0, q.booking));
    const std::vector<Decision> ds = schedule(p, jobs, &stats);
    std::vector<Pending> still;
    for (size_t i = 0; i < ds.size(); ++i) {
      Pending q = queue[i];
      const Decision& d = ds[i];
      const std::string where = name + ", cycle " + std::to_string(c) + " at " + std::to_string(p.now()) + ", job " + std::to_string(i);
      EXPECT_NE(d.action, Action::Wait) << where << ": a conservative job always starts or is reserved";
      if (q.promised >= 0) {
        EXPECT_LE(d.start, q.promised) << where << ": reserved later than promised before";
        ++checked;
      }
      if (d.action == Action::Start) {
        // Runs between half its estimate and all of it: most jobs end early.
        const Seconds run = std::max<Seconds>(1, q.duration / 2 + static_cast<Seconds>(rng() % (q.duration / 2 + 1)));
        live.push_back({d.booking, p.now() + std::min(run, q.duration)});
      } else if (d.action == Action::Reserve) {
        q.booking = d.booking;
        q.promised = d.start;
        still.push_back(q);
      }
    }
    queue = std::move(still);
    // The next event: the first end among running jobs, or a small step when nothing runs.
    Seconds next = p.now() + 1 + static_cast<Seconds>(rng() % 20);
    for (const Live& l : live) next = std::min(next, l.end);
    for (const Pending& q : queue) next = std::min(next, q.promised);  // every one left holds a promise: a cycle when it comes due
    EXPECT_TRUE(p.advance(next));
    for (auto it = live.begin(); it != live.end();)
      if (it->end <= next) { EXPECT_TRUE(p.release(it->id)); it = live.erase(it); } else ++it;
  }
  return checked;
}

}  // namespace

TEST(Schedule, ConservativeReservationsNeverMoveLater) {
  struct Case { const char* name; size_t nodes; uint32_t cpus; unsigned seed; };
  const Case cases[] = {
      {"one node × 16 cpus", 1, 16, 1},
      {"one node × 4 cpus", 1, 4, 2},
      {"4 nodes × 4 cpus", 4, 4, 3},
      {"6 nodes × 8 cpus", 6, 8, 4},
  };
  for (const Case& c : cases) {
    std::mt19937 rng(c.seed);
    const int checked = conservative_run(rng, c.nodes, c.cpus, 400, c.name);
    EXPECT_GT(checked, 500) << c.name << ": too few kept reservations were checked for the test to mean much";
  }
}

// The trace replay's event loop on the hand-computed trace of test/sim/replay.test.ts: four
// processors; J1 (3 procs, 10 s) at 0, J2 (2, 10 s) at 1, J3 (4, 5 s) at 2, J4 (1, 30 s) at 3,
// J5 (1, 5 s) at 4 — estimates exact. Strict order, EASY and conservative give three schedules.
TEST(Replay, TinyTraceAsComputedByHand) {
  struct Case { const char* name; Backfill mode; std::vector<Seconds> starts; };
  const Case cases[] = {
      {"none: nothing passes J2", Backfill::None, {0, 10, 20, 25, 25}},
      {"easy: J4 passes (delays only J3, which has no reservation); J5 backfills at 10", Backfill::Easy, {0, 10, 33, 3, 10}},
      {"conservative: J3 is reserved at 20, so J4 waits until 25; J5 fits [4, 9)", Backfill::Conservative, {0, 10, 20, 25, 4}},
  };
  const std::vector<TraceJob> jobs = {{0, 10, 10, 3, -1, 0}, {1, 10, 10, 2, -1, 0}, {2, 5, 5, 4, -1, 0}, {3, 30, 30, 1, -1, 0}, {4, 5, 5, 1, -1, 0}};
  for (const Case& c : cases) {
    Replay r(4, jobs, c.mode, ReplayOrder::Fcfs, true);
    EXPECT_TRUE(r.step(UINT64_MAX)) << c.name;
    EXPECT_EQ(r.start(), c.starts) << c.name;
    EXPECT_EQ(r.ended(), 5u) << c.name;
    EXPECT_FALSE(r.timeline().empty()) << c.name;
  }
}

// A job with a preceding job is let in when that one ends, plus its think time; step() stops after
// the number of ends asked for and goes on where it stopped.
TEST(Replay, DependenciesAndSteps) {
  const std::vector<TraceJob> jobs = {{0, 50, 50, 1, -1, 0}, {10, 5, 5, 1, 0, 7}, {20, 5, 5, 1, -1, 0}};
  Replay r(4, jobs, Backfill::Easy, ReplayOrder::Fcfs, false);
  EXPECT_FALSE(r.step(1));
  EXPECT_EQ(r.ended(), 1u);  // job 2 ended at 25
  EXPECT_TRUE(r.step(UINT64_MAX));
  EXPECT_EQ(r.start(), (std::vector<Seconds>{0, 57, 20}));
  EXPECT_EQ(r.eligible()[1], 57);
}
