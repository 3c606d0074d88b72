// GoogleTest tables for the backfill profile: earliest start over running jobs and reservations,
// booking without over-commit, release, the clock, exclusive holds, determinism, and a randomized
// cross-check against a brute force that rebuilds the availability from scratch at every candidate.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "fleetq/backfill.h"

using namespace fleetq;

namespace {

// A cluster of `cpus.size()` nodes n0, n1, … under one network node, every cpu free.
Topology cluster(const std::vector<uint32_t>& cpus) {
  std::vector<NodeSpec> specs;
  for (size_t i = 0; i < cpus.size(); ++i) {
    NodeSpec s;
    s.name = "n" + std::to_string(i);
    s.ncpus = s.free_ncpus = cpus[i];
    s.mem = s.free_mem = 64ull << 30;
    s.instance_type = "c5.xlarge";
    s.network_nodes = {"top", "mid", "bot"};
    specs.push_back(s);
  }
  return Topology::build(specs);
}

Request chunks(uint32_t count, uint32_t cpus, Sharing sharing = Sharing::Shared, Arrangement a = Arrangement::Free) {
  Request r;
  ChunkReq c;
  c.count = count;
  c.ncpus = cpus;
  r.chunks.push_back(c);
  r.arrangement = a;
  r.sharing = sharing;
  return r;
}

std::vector<Slot> on(uint32_t node, uint32_t cpus) { return {Slot{node, 0, cpus, 0, 0, 1}}; }

std::string nodes_of(const Topology& t, const Placement& p) {
  std::string s;
  for (const Slot& x : p.slots) s += (s.empty() ? "" : ",") + t.names[x.node];
  return s;
}

// "start@nodes", or "never:<diagnosis>" / "wait:<diagnosis>" when nothing fits.
std::string answer(Profile& p, const Request& r, Seconds d, Seconds not_before = 0) {
  StartPlan s = p.earliest_start(r, d, not_before);
  if (!s.ok) return std::string(s.placement.diagnosis.never ? "never:" : "wait:") + s.placement.diagnosis.text;
  return std::to_string(s.start) + "@" + nodes_of(p.topology(), s.placement);
}

// A scenario: nodes, running jobs (node, cpus, end), reservations (node, cpus, start, end), at now.
struct Held { uint32_t node, cpus; Seconds start, end; bool exclusive = false; };
struct Scenario {
  std::vector<uint32_t> nodes;
  std::vector<Held> running;   // start ignored: already running
  std::vector<Held> reserved;
  Seconds now = 0;
};

Profile build(const Scenario& sc) {
  Topology t = cluster(sc.nodes);
  for (const Held& h : sc.running) EXPECT_TRUE(t.allocate(h.node, h.cpus, 0, 0, h.exclusive)) << "running job on n" << h.node;
  Profile p(t, sc.now);
  for (const Held& h : sc.running) EXPECT_TRUE(p.add_running(h.end, on(h.node, h.cpus), h.exclusive).ok);
  for (const Held& h : sc.reserved) {
    Booking b = p.reserve(h.start, h.end, on(h.node, h.cpus), h.exclusive);
    EXPECT_TRUE(b.ok) << "reservation on n" << h.node << ": " << b.reason;
  }
  return p;
}

}  // namespace

TEST(Profile, EarliestStart) {
  struct Case { const char* name; Scenario sc; Request req; Seconds duration; std::string want; };
  const Case cases[] = {
      {"fits now, starts now", {{4, 4}, {}, {}, 0}, chunks(1, 4), 100, "0@n0"},
      {"now is the profile's now, not zero", {{4, 4}, {}, {}, 50}, chunks(2, 4, Sharing::Shared, Arrangement::Scatter), 10, "50@n0,n1"},
      {"waits for the first job to end", {{4, 4}, {{0, 4, 0, 100}, {1, 4, 0, 200}}, {}, 0}, chunks(1, 4), 10, "100@n0"},
      {"waits for enough jobs to end", {{4, 4}, {{0, 4, 0, 100}, {1, 4, 0, 200}}, {}, 0}, chunks(2, 4, Sharing::Shared, Arrangement::Scatter), 10, "200@n0,n1"},
      {"partly free node adds up with an ending job", {{4, 4}, {{0, 2, 0, 100}, {1, 4, 0, 300}}, {}, 0}, chunks(1, 4), 5, "100@n0"},
      {"a job past its estimate ends at now + 1", {{4}, {{0, 4, 0, 30}}, {}, 40}, chunks(1, 4), 5, "41@n0"},
      {"reservation later in time does not block a short job", {{4, 4}, {}, {{0, 4, 100, 200}}, 0}, chunks(2, 4, Sharing::Shared, Arrangement::Scatter), 100, "0@n0,n1"},
      {"reservation overlapping in time blocks its node", {{4, 4}, {}, {{0, 4, 100, 200}}, 0}, chunks(2, 4, Sharing::Shared, Arrangement::Scatter), 101, "200@n0,n1"},
      {"reservation on another node does not block", {{4, 4}, {}, {{0, 4, 100, 200}}, 0}, chunks(1, 4), 500, "0@n1"},
      {"a job ending as a reservation starts does not over-commit", {{4}, {{0, 4, 0, 100}}, {{0, 4, 100, 200}}, 0}, chunks(1, 4), 1, "200@n0"},
      {"the gap between two reservations fits a job of its length", {{4}, {}, {{0, 4, 0, 100}, {0, 4, 150, 300}}, 0}, chunks(1, 4), 50, "100@n0"},
      {"but not a longer one", {{4}, {}, {{0, 4, 0, 100}, {0, 4, 150, 300}}, 0}, chunks(1, 4), 51, "300@n0"},
      {"exclusive request waits until the node is empty", {{8}, {{0, 1, 0, 70}}, {}, 0}, chunks(1, 2, Sharing::Excl), 10, "70@n0"},
      {"shared request waits out an exclusive job", {{8}, {{0, 1, 0, 70, true}}, {}, 0}, chunks(1, 2), 10, "70@n0"},
      {"exclusive reservation keeps shared jobs off its node", {{8, 8}, {}, {{0, 1, 10, 90, true}}, 0}, chunks(2, 2, Sharing::Shared, Arrangement::Scatter), 20, "90@n0,n1"},
      {"never fits this cluster", {{4, 4}, {}, {}, 0}, chunks(1, 16), 10, "never:2 nodes too small"},
  };
  for (const Case& c : cases) {
    Profile p = build(c.sc);
    EXPECT_EQ(answer(p, c.req, c.duration), c.want) << c.name;
  }
}

TEST(Profile, NotBeforeAndChangePoints) {
  Profile p = build({{4, 4}, {{0, 4, 0, 100}, {1, 4, 0, 200}}, {{0, 4, 300, 400}}, 0});
  EXPECT_EQ(p.change_points(), (std::vector<Seconds>{100, 200, 300, 400}));
  EXPECT_EQ(answer(p, chunks(1, 4), 10, 150), "150@n0") << "not_before inside a free stretch is itself a candidate";
  EXPECT_EQ(answer(p, chunks(1, 4), 10, 295), "295@n1") << "n0's reservation starts within the window; n1 is free";
  EXPECT_EQ(answer(p, chunks(2, 4, Sharing::Shared, Arrangement::Scatter), 50, 260), "400@n0,n1");
}

TEST(Profile, NotAfterStopsTheSweep) {
  Profile p = build({{4, 4}, {{0, 4, 0, 100}, {1, 4, 0, 200}}, {}, 0});
  struct Case { const char* name; Seconds not_before, not_after; std::string want; };
  const Case cases[] = {
      {"cannot start now", 0, 0, "wait:no start by 0"},
      {"can start by 100", 0, 100, "100@n0"},
      {"the window is empty", 150, 120, "wait:no start by 120"},
      {"unbounded", 0, std::numeric_limits<Seconds>::max(), "100@n0"},
  };
  for (const Case& c : cases) {
    StartPlan s = p.earliest_start(chunks(1, 4), 10, c.not_before, c.not_after);
    const std::string got = s.ok ? std::to_string(s.start) + "@" + nodes_of(p.topology(), s.placement) : "wait:" + s.placement.diagnosis.text;
    EXPECT_EQ(got, c.want) << c.name;
  }
}

TEST(Profile, EasyBackfillIsExpressible) {
  // n0 busy until 100. The head of the queue wants both nodes: it gets a reservation at 100.
  Profile p = build({{4, 4}, {{0, 4, 0, 100}}, {}, 0});
  const Request head = chunks(2, 4, Sharing::Shared, Arrangement::Scatter);
  StartPlan h = p.earliest_start(head, 500, 0);
  ASSERT_TRUE(h.ok);
  ASSERT_EQ(h.start, 100);
  Booking b = p.reserve(h.start, h.start + 500, h.placement.slots, false);
  ASSERT_TRUE(b.ok) << b.reason;
  // A job may be backfilled now only if its earliest start, with the reservation booked, is now.
  struct Case { const char* name; Seconds duration; std::string want; };
  const Case cases[] = {
      {"short job ends before the reservation: backfilled now", 100, "0@n1"},
      {"longer job would delay the head: waits until the head is done", 101, "600@n0"},
  };
  for (const Case& c : cases) EXPECT_EQ(answer(p, chunks(1, 4), c.duration), c.want) << c.name;
  // Releasing the head's reservation lets the long job start now.
  EXPECT_TRUE(p.release(b.id));
  EXPECT_EQ(answer(p, chunks(1, 4), 101), "0@n1");
  EXPECT_FALSE(p.release(b.id)) << "an id is gone once released";
}

TEST(Profile, ReserveNeverOverCommits) {
  struct Case { const char* name; Seconds start, end; uint32_t node, cpus; bool exclusive; std::string want; };
  // n0: 8 cpus, a running job of 4 until 100; n1: 8 cpus, a booking of 6 over [50, 150).
  const Case cases[] = {
      {"fits beside the running job", 0, 100, 0, 4, false, ""},
      {"too big while the job runs", 50, 120, 0, 5, false, "node n0: 4 cpus free over [50, 120), 5 asked"},
      {"fits once the job ended", 100, 300, 0, 8, false, ""},
      {"overlaps the booking", 0, 60, 1, 3, false, "node n1: 2 cpus free over [0, 60), 3 asked"},
      {"adjacent to the booking", 150, 200, 1, 8, false, ""},
      {"exclusive needs the node empty", 0, 10, 0, 1, true, "node n0: jobs hold it during [0, 10), an exclusive booking needs it empty"},
      {"before now", -5, 10, 0, 1, false, "start: -5 is before now (0)"},
      {"empty span", 10, 10, 0, 1, false, "end: 10 is not after start (10)"},
      {"unknown node", 0, 10, 7, 1, false, "slots[0].node: 7 is not a node of this topology"},
  };
  for (const Case& c : cases) {
    Profile p = build({{8, 8}, {{0, 4, 0, 100}}, {{1, 6, 50, 150}}, 0});
    Booking b = p.reserve(c.start, c.end, on(c.node, c.cpus), c.exclusive);
    EXPECT_EQ(b.ok, c.want.empty()) << c.name << ": " << b.reason;
    EXPECT_EQ(b.reason, c.want) << c.name;
  }
  // Two slots of one booking on one node add up.
  Profile p = build({{8}, {}, {}, 0});
  std::vector<Slot> two = {Slot{0, 0, 5, 0, 0, 1}, Slot{0, 0, 5, 0, 0, 1}};
  EXPECT_EQ(p.reserve(0, 10, two, false).reason, "node n0: 8 cpus free over [0, 10), 10 asked");
}

TEST(Profile, ReleaseAndAdvance) {
  Topology t = cluster({4, 4});
  ASSERT_TRUE(t.allocate(0, 4, 0, 0));
  Profile p(t, 0);
  Booking job = p.add_running(1000, on(0, 4), false);
  ASSERT_TRUE(job.ok);
  Booking later = p.reserve(10, 20, on(1, 4), false);
  ASSERT_TRUE(later.ok);
  EXPECT_EQ(answer(p, chunks(2, 4, Sharing::Shared, Arrangement::Scatter), 5), "1000@n0,n1");
  // The running job ends early at 40: its node is free from then on.
  ASSERT_TRUE(p.advance(40));
  EXPECT_EQ(p.now(), 40);
  EXPECT_EQ(p.change_points(), (std::vector<Seconds>{41, 1000})) << "the booking [10,20) is overdue: held until 41";
  EXPECT_TRUE(p.release(later.id));
  EXPECT_TRUE(p.release(job.id));
  EXPECT_EQ(answer(p, chunks(2, 4, Sharing::Shared, Arrangement::Scatter), 5), "40@n0,n1");
  EXPECT_EQ(p.size(), 0u);
  EXPECT_FALSE(p.advance(39)) << "the clock does not go back";
  // A booking starting at now holds from now, like a job that starts now.
  Booking now = p.reserve(40, 60, on(0, 4), false);
  ASSERT_TRUE(now.ok);
  EXPECT_EQ(answer(p, chunks(2, 4, Sharing::Shared, Arrangement::Scatter), 5), "60@n0,n1");
  ASSERT_TRUE(p.advance(70));
  EXPECT_EQ(answer(p, chunks(2, 4, Sharing::Shared, Arrangement::Scatter), 5), "71@n0,n1") << "past its end, the booking holds until now + 1";
}

TEST(Profile, LeavesTheScratchTopologyAsNow) {
  Profile p = build({{4, 4, 4}, {{0, 4, 0, 100}}, {{1, 2, 10, 50}}, 0});
  const std::vector<uint32_t> before = p.topology().free_ncpus;
  p.earliest_start(chunks(3, 4, Sharing::Shared, Arrangement::Scatter), 30, 0);
  p.earliest_start(chunks(1, 4, Sharing::Excl), 30, 0);
  EXPECT_EQ(p.topology().free_ncpus, before);
  EXPECT_EQ(before, (std::vector<uint32_t>{0, 4, 4}));
}

TEST(Profile, Deterministic) {
  auto trace = [] {
    Profile p = build({{8, 8, 8, 8}, {{0, 8, 0, 50}, {2, 3, 0, 70}}, {{1, 8, 20, 90}}, 0});
    std::string out;
    for (uint32_t k = 1; k <= 4; ++k) {
      StartPlan s = p.earliest_start(chunks(k, 4), 30, 0);
      out += answer(p, chunks(k, 4), 30) + ";";
      if (s.ok) out += std::to_string(p.reserve(s.start, s.start + 30, s.placement.slots, false).id) + ";";
    }
    return out;
  };
  const std::string a = trace();
  EXPECT_EQ(a, trace());
  // Worked by hand: n0 busy to 50, n2 has 5 free to 70, n1 booked [20,90); jobs of 1..4 × 4 cpus for 30 s.
  EXPECT_EQ(a, "0@n2;4;0@n3,n3;5;30@n2,n3,n3;6;60@n0,n0,n2,n3;7;") << "conservative backfill of four jobs";
}

// Brute force: at every candidate, the availability over the window recomputed from the list of
// holds (no profile), placed on a fresh copy. The profile's answer must be the first that fits, and
// a booking must be accepted exactly when the brute force finds room for it. Holds and requests
// are shared or exclusive at random.
namespace {
bool overlaps(const Held& h, Seconds s, Seconds e) { return h.start < e && s < h.end; }
// Minimum free cpus of node i over [s, e), or 0 when a hold there rules the node out.
int64_t brute_free(const std::vector<uint32_t>& cpus, const std::vector<Held>& holds, uint32_t i, Seconds s, Seconds e, bool excl) {
  int64_t low = cpus[i];
  for (const Held& h : holds)
    if (h.node == i && overlaps(h, s, e) && (excl || h.exclusive)) return 0;
  for (Seconds at = s; at < e; ++at) {
    int64_t f = cpus[i];
    for (const Held& h : holds)
      if (h.node == i && h.start <= at && at < h.end) f -= h.cpus;
    low = std::min(low, f);
  }
  return std::max<int64_t>(low, 0);
}
}  // namespace

TEST(Profile, MatchesBruteForceOnRandomProfiles) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    const uint32_t n = 2 + rng() % 6;
    std::vector<uint32_t> cpus(n);
    for (auto& c : cpus) c = 2 + rng() % 7;
    Topology t = cluster(cpus);
    std::vector<Held> holds;  // running: start 0
    for (uint32_t i = 0; i < n; ++i)
      if (rng() % 2) {
        const uint32_t c = 1 + rng() % cpus[i];
        const bool excl = rng() % 4 == 0;
        ASSERT_TRUE(t.allocate(i, c, 0, 0, excl));
        holds.push_back({i, c, 0, 1 + static_cast<Seconds>(rng() % 100), excl});
      }
    Profile p(t, 0);
    for (const Held& h : holds) ASSERT_TRUE(p.add_running(h.end, on(h.node, h.cpus), h.exclusive).ok);
    for (int k = 0; k < 10; ++k) {
      const Held h{static_cast<uint32_t>(rng() % n), 1 + static_cast<uint32_t>(rng() % 4), static_cast<Seconds>(rng() % 100), 0, rng() % 4 == 0};
      const Seconds end = h.start + 1 + static_cast<Seconds>(rng() % 60);
      // An exclusive booking needs the node empty; a shared one, no exclusive hold and room.
      const bool room = brute_free(cpus, holds, h.node, h.start, end, h.exclusive) >= h.cpus;
      const Booking b = p.reserve(h.start, end, on(h.node, h.cpus), h.exclusive);
      ASSERT_EQ(b.ok, room) << "round " << round << ": booking n" << h.node << " × " << h.cpus << " over [" << h.start << ", " << end << ") exclusive=" << h.exclusive << ": " << b.reason;
      if (b.ok) holds.push_back({h.node, h.cpus, h.start, end, h.exclusive});
    }
    const bool excl = rng() % 3 == 0;
    const Request req = chunks(1 + rng() % 3, 1 + rng() % 5, excl ? Sharing::Excl : Sharing::Shared, rng() % 2 ? Arrangement::Scatter : Arrangement::Free);
    const Seconds d = 1 + static_cast<Seconds>(rng() % 80);
    const StartPlan got = p.earliest_start(req, d, 0);
    std::vector<Seconds> cand = {0};
    for (Seconds c : p.change_points()) cand.push_back(c);
    std::string want = "none";
    for (Seconds s : cand) {
      Topology w = cluster(cpus);
      for (uint32_t i = 0; i < n; ++i) w.set_free(i, static_cast<uint32_t>(brute_free(cpus, holds, i, s, s + d, excl)), w.mem[i], 0);
      Placement pl = place(w, req);
      if (pl.ok) { want = std::to_string(s) + "@" + nodes_of(w, pl); break; }
    }
    const std::string have = got.ok ? std::to_string(got.start) + "@" + nodes_of(p.topology(), got.placement) : "none";
    ASSERT_EQ(have, want) << "round " << round << (excl ? " (excl request)" : "");
  }
}
