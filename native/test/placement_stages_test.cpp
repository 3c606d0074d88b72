// GoogleTest tables for each placement stage (filters, prune, domain order, fill, scorer), the
// domain aggregates under allocate/release/set_free, and the batch.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "../src/placement/internal.h"
#include "fleetq/placement.h"
#include "fleetq/topology.h"

using namespace fleetq;
using detail::View;

namespace {

NodeSpec spec(const std::string& name, uint32_t cpus, const std::string& bottom, uint32_t efa = 1) {
  NodeSpec s;
  s.name = name;
  s.ncpus = s.free_ncpus = cpus;
  s.mem = s.free_mem = 64;
  s.ngpus = s.free_ngpus = 2;
  s.efa = efa;
  s.instance_type = efa ? "c5n" : "c5";
  s.placement_group = "pg1";
  s.network_nodes = {"top", "mid", bottom};
  return s;
}

ChunkReq chunk(uint32_t count, uint32_t cpus, bool efa = false) {
  ChunkReq c;
  c.count = count;
  c.ncpus = cpus;
  c.efa = efa;
  return c;
}

Request request(std::vector<ChunkReq> cs, Arrangement a = Arrangement::Free, Sharing s = Sharing::Shared) {
  Request r;
  r.chunks = std::move(cs);
  r.arrangement = a;
  r.sharing = s;
  return r;
}

std::string nodes_of(const std::vector<Slot>& slots) {
  std::string s;
  for (const Slot& x : slots) s += (s.empty() ? "" : ",") + std::to_string(x.node);
  return s;
}

}  // namespace

TEST(Filter, FirstFailingReasonInOrder) {
  struct Case { const char* name; NodeSpec node; ChunkReq c; Sharing sharing; Reason want; };
  NodeSpec down = spec("n", 8, "b"); down.up = false;
  NodeSpec ena = spec("n", 8, "b", 0);
  NodeSpec spot = spec("n", 8, "b"); spot.spot = true;
  NodeSpec used = spec("n", 8, "b"); used.njobs = 1; used.free_ncpus = 6;
  NodeSpec held = spec("n", 8, "b"); held.exclusive = true; held.njobs = 1;
  NodeSpec busy = spec("n", 8, "b"); busy.free_ncpus = 2; busy.njobs = 1;
  NodeSpec gpus = spec("n", 8, "b"); gpus.free_ngpus = 0; gpus.njobs = 1;
  ChunkReq efa = chunk(1, 4, true);
  ChunkReq ondemand = chunk(1, 4); ondemand.capacity = Capacity::OnDemand;
  ChunkReq spotc = chunk(1, 4); spotc.capacity = Capacity::Spot;
  ChunkReq c5n = chunk(1, 4); c5n.instance_type = 5;  // some other type id than the node's (0)
  ChunkReq lacking = chunk(1, 4); lacking.instance_type = -2;  // a type the cluster lacks
  ChunkReq gpu = chunk(1, 1); gpu.ngpus = 1;
  ChunkReq mem = chunk(1, 1); mem.mem = 65;
  const Case cases[] = {
      {"down first, even when EFA is missing too", down, efa, Sharing::Shared, Reason::Down},
      {"EFA chunk on an ENA node", ena, efa, Sharing::Shared, Reason::LacksEfa},
      {"another instance type", ena, c5n, Sharing::Shared, Reason::WrongType},
      {"a type the cluster lacks matches no node", spec("n", 8, "b"), lacking, Sharing::Shared, Reason::WrongType},
      {"on-demand chunk on spot", spot, ondemand, Sharing::Shared, Reason::WrongCapacity},
      {"spot chunk on on-demand", spec("n", 8, "b"), spotc, Sharing::Shared, Reason::WrongCapacity},
      {"more cpus than the node has", spec("n", 8, "b"), chunk(1, 9), Sharing::Shared, Reason::TooSmall},
      {"more memory than the node has", spec("n", 8, "b"), mem, Sharing::Shared, Reason::TooSmall},
      {"excl on a node with a job", used, chunk(1, 1), Sharing::Excl, Reason::Exclusive},
      {"any job on a node held exclusively", held, chunk(1, 1), Sharing::Shared, Reason::Exclusive},
      {"not enough free cpus", busy, chunk(1, 4), Sharing::Shared, Reason::Busy},
      {"no free gpu", gpus, gpu, Sharing::Shared, Reason::Busy},
      {"fits", used, chunk(1, 6), Sharing::Shared, Reason::kCount},
      {"spot chunk on spot", spot, spotc, Sharing::Shared, Reason::kCount},
  };
  for (const Case& c : cases) {
    Topology t = Topology::build({c.node});
    EXPECT_EQ(detail::check_node(t, 0, c.c, c.sharing), c.want) << c.name;
  }
}

TEST(Filter, IdleViewSeesEveryNodeUpIdleAndFree) {
  NodeSpec s = spec("n", 8, "b");
  s.up = false; s.exclusive = true; s.njobs = 2; s.free_ncpus = 0;
  Topology t = Topology::build({s});
  EXPECT_EQ(detail::check_node(View{t, false}, 0, chunk(1, 8), Sharing::Excl), Reason::Down);
  EXPECT_EQ(detail::check_node(View{t, true}, 0, chunk(1, 8), Sharing::Excl), Reason::kCount);
  EXPECT_EQ(detail::check_node(View{t, true}, 0, chunk(1, 9), Sharing::Shared), Reason::TooSmall);
}

TEST(Prune, NecessaryConditionsFromAggregates) {
  struct Case { const char* name; Request req; bool want; };
  // One domain: 4 nodes of 8 cpus, two with EFA; node 0 has a job and 2 free cpus.
  std::vector<NodeSpec> ns = {spec("a", 8, "b"), spec("b", 8, "b"), spec("c", 8, "b", 0), spec("d", 8, "b", 0)};
  ns[0].free_ncpus = 2; ns[0].njobs = 1;
  Topology t = Topology::build(ns);
  const DomainStats& s = t.stats(0, false, 0);
  const Case cases[] = {
      {"fits the free cpus (26)", request({chunk(26, 1)}), true},
      {"more cpus than free", request({chunk(27, 1)}), false},
      {"EFA chunks count only EFA nodes' free cpus (10)", request({chunk(11, 1, true)}), false},
      {"scatter needs as many nodes with the chunk's cpus (3 have >= 8)", request({chunk(3, 8)}, Arrangement::Scatter), true},
      {"scatter: 4 nodes of 8 free is too many", request({chunk(4, 5)}, Arrangement::Scatter), false},
      {"scatter EFA: one EFA node has 8 free", request({chunk(2, 8, true)}, Arrangement::Scatter), false},
      {"excl needs idle nodes (3)", request({chunk(3, 1)}, Arrangement::Scatter, Sharing::Excl), true},
      {"excl: 4 idle nodes are too many", request({chunk(4, 1)}, Arrangement::Scatter, Sharing::Excl), false},
      {"excl EFA: one idle EFA node", request({chunk(1, 1, true)}, Arrangement::Free, Sharing::Excl), true},
  };
  for (const Case& c : cases) EXPECT_EQ(detail::may_hold(s, detail::need_of(c.req)), c.want) << c.name;
}

TEST(Domains, CandidatesComeLeastFreeFirstThenLowestNode) {
  // Bottom domains: b0 = {0,1} 16 free, b1 = {2,3} 10 free, b2 = {4,5} 10 free, b3 = {6,7} 2 free.
  std::vector<NodeSpec> ns;
  const uint32_t freecpus[] = {8, 8, 5, 5, 5, 5, 1, 1};
  for (int i = 0; i < 8; ++i) {
    ns.push_back(spec("n" + std::to_string(i), 8, "b" + std::to_string(i / 2)));
    ns.back().free_ncpus = freecpus[i];
  }
  Topology t = Topology::build(ns);
  detail::CandidateQueue q;
  q.fill(View{t, false}, 0, false, detail::need_of(request({chunk(1, 4)})));
  std::string order;
  while (!q.empty()) order += std::to_string(q.pop().first) + " ";
  EXPECT_EQ(order, "2 4 0 ") << "b3 is pruned (2 free < 4); b1 and b2 tie on free cpus, b1 starts lower";
}

TEST(Fill, Arrangements) {
  struct Case { const char* name; Request req; std::string want; };
  // Nodes 0..3 with 8 cpus; node 1 has 3 free.
  std::vector<NodeSpec> ns = {spec("a", 8, "b"), spec("b", 8, "b"), spec("c", 8, "b"), spec("d", 8, "b")};
  ns[1].free_ncpus = 3; ns[1].njobs = 1;
  Topology t = Topology::build(ns);
  const Case cases[] = {
      {"free stays on a node while it fits", request({chunk(3, 3)}), "0,0,1"},
      {"scatter takes one per node", request({chunk(3, 3)}, Arrangement::Scatter), "0,1,2"},
      {"vscatter too", request({chunk(2, 4)}, Arrangement::VScatter), "0,2"},
      {"pack puts everything on the first node that holds it", request({chunk(2, 4)}, Arrangement::Pack), "0,0"},
      {"pack of several kinds", request({chunk(1, 2), chunk(1, 6)}, Arrangement::Pack), "0,0"},
      {"several kinds, first fit per kind", request({chunk(1, 6), chunk(2, 3)}), "0,1,2"},
      {"scatter across kinds keeps nodes distinct", request({chunk(1, 2), chunk(2, 2)}, Arrangement::Scatter), "0,1,2"},
      {"excl skips nodes with jobs", request({chunk(2, 1)}, Arrangement::Scatter, Sharing::Excl), "0,2"},
      {"nothing when the domain cannot hold it", request({chunk(5, 3)}, Arrangement::Scatter), ""},
  };
  for (const Case& c : cases) {
    std::vector<Slot> out;
    const bool ok = detail::fill(View{t, false}, t.domains[0][0], c.req, detail::need_of(c.req), out);
    EXPECT_EQ(ok ? nodes_of(out) : std::string(), c.want) << c.name;
  }
}

TEST(Score, StrandedAndFirstNode) {
  struct Case { const char* name; uint64_t free; std::vector<uint32_t> nodes; Score want; };
  const Request r = request({chunk(2, 4)});
  const Case cases[] = {
      {"stranded = free - need", 20, {5, 3}, {1, 12, 3}},
      {"exact fit strands nothing", 8, {7, 9}, {1, 0, 7}},
  };
  for (const Case& c : cases) {
    std::vector<Slot> slots;
    for (uint32_t n : c.nodes) slots.push_back(Slot{n, 0, 4, 0, 0, 1});
    const Score s = detail::score(1, detail::Candidate{c.free, 0, 0}, detail::need_of(r), slots);
    EXPECT_EQ(s.level, c.want.level) << c.name;
    EXPECT_EQ(s.stranded, c.want.stranded) << c.name;
    EXPECT_EQ(s.first_node, c.want.first_node) << c.name;
  }
}

// Every aggregate equals a recount from the nodes after any sequence of changes.
TEST(Aggregates, AllocateReleaseSetFreeKeepThemEqualToARecount) {
  std::mt19937 rnd(7);
  std::vector<NodeSpec> ns;
  for (int i = 0; i < 96; ++i) {
    NodeSpec s = spec("n" + std::to_string(i), 8 + (i % 5) * 16, "b" + std::to_string(i / 8), i % 3 ? 1 : 0);
    s.network_nodes[1] = "m" + std::to_string(i / 32);
    s.placement_group = i % 4 ? "g" + std::to_string(i % 3) : "";
    s.up = i % 17 != 0;
    ns.push_back(s);
  }
  Topology t = Topology::build(ns);
  auto check = [&](const std::string& when) {
    for (int g = 0; g < 2; ++g)
      for (int l = 0; l < kLevels; ++l)
        for (size_t d = 0; d < (g ? t.group_domains : t.domains)[l].size(); ++d)
          ASSERT_TRUE(t.stats(l, g, d) == t.recount(l, g, d)) << when << ": level " << l << " group split " << g << " domain " << d
                                                             << " has free " << t.stats(l, g, d).free_cpus << ", recount " << t.recount(l, g, d).free_cpus;
  };
  check("after build");
  for (int step = 0; step < 2000; ++step) {
    const uint32_t n = rnd() % t.size();
    const uint32_t cpus = rnd() % 40;
    switch (rnd() % 3) {
      case 0: t.allocate(n, cpus, 0, 0, rnd() % 4 == 0); break;
      case 1: t.release(n, cpus, 0, 0); break;
      default: t.set_free(n, cpus, 64, 2); break;
    }
    check("step " + std::to_string(step));
  }
}

TEST(Aggregates, TotalsAndBoundsAreTheIdleCluster) {
  Topology t = Topology::build({spec("a", 8, "b1"), spec("b", 16, "b1", 0), spec("c", 4, "b2")});
  EXPECT_EQ(t.totals(0, false, 0).free_cpus, 24u);
  EXPECT_EQ(t.totals(0, false, 0).efa_free_cpus, 8u);
  EXPECT_EQ(t.bounds(0, false).max_cpus, 24u);
  EXPECT_EQ(t.bounds(0, false).max_nodes, 2u);
  EXPECT_EQ(t.bounds(kLevelCluster, false).max_nodes, 3u);
}

TEST(Batch, PlacesInOrderOnAWorkingCopy) {
  Topology t = Topology::build({spec("a", 8, "b1"), spec("b", 8, "b1"), spec("c", 8, "b2")});
  const std::vector<Request> reqs = {
      request({chunk(2, 8)}, Arrangement::Scatter),                  // takes a and b (b1 exact fit)
      request({chunk(1, 2)}, Arrangement::Free, Sharing::Excl),      // c, exclusively
      request({chunk(1, 1)}),                                        // nothing left: c is held
      request({chunk(1, 9)}),                                        // never fits
  };
  const std::vector<Placement> ps = place_all(t, reqs);
  ASSERT_EQ(ps.size(), 4u);
  EXPECT_EQ(nodes_of(ps[0].slots), "0,1");
  EXPECT_EQ(nodes_of(ps[1].slots), "2");
  EXPECT_FALSE(ps[2].ok);
  EXPECT_FALSE(ps[2].diagnosis.never) << ps[2].diagnosis.text;
  EXPECT_EQ(ps[2].diagnosis.text, "1 node held exclusively, 2 nodes busy");
  EXPECT_TRUE(ps[3].diagnosis.never);
  EXPECT_EQ(t.free_ncpus[0], 8u) << "the caller's topology is not changed";
  EXPECT_EQ(t.njobs[2], 0u);
}

namespace {
// Best fit without aggregates, pruning or ordering: fill every domain of a level, keep the best.
Placement exhaustive(const Topology& t, const Request& r) {
  const detail::Need need = detail::need_of(r);
  Placement best;
  for (int level = 0; level <= kLevelCluster && !best.ok; ++level) {
    const auto& ds = detail::domains(t, level, r.same_group);
    for (size_t d = 0; d < ds.size(); ++d) {
      const uint64_t free = t.recount(level, r.same_group, d).free_cpus;
      std::vector<Slot> slots;
      if (free < need.cpus || !detail::fill(View{t, false}, ds[d], r, need, slots)) continue;
      const Score s = detail::score(level, detail::Candidate{free, ds[d].front(), 0}, need, slots);
      if (!best.ok || better(s, best.score)) { best.ok = true; best.score = s; best.slots = slots; }
    }
  }
  return best;
}
}  // namespace

TEST(Pipeline, SameAnswerAsFillingEveryDomain) {
  std::mt19937 rnd(11);
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<NodeSpec> ns;
    const int n = 1 + rnd() % 60;
    for (int i = 0; i < n; ++i) {
      NodeSpec s = spec("n" + std::to_string(i), 1 + rnd() % 16, "b" + std::to_string(rnd() % 6), rnd() % 3 ? 1 : 0);
      s.network_nodes[1] = "m" + std::to_string(rnd() % 2);
      if (rnd() % 10 == 0) s.network_nodes = {"", "", ""};
      s.free_ncpus = rnd() % 2 ? s.ncpus : rnd() % (s.ncpus + 1);
      s.njobs = s.free_ncpus < s.ncpus;
      s.placement_group = rnd() % 3 ? "g" + std::to_string(rnd() % 2) : "";
      s.up = rnd() % 12 != 0;
      ns.push_back(s);
    }
    Topology t = Topology::build(ns);
    for (int k = 0; k < 10; ++k) {
      std::vector<ChunkReq> cs;
      for (uint32_t j = 0, kinds = 1 + rnd() % 2; j < kinds; ++j) cs.push_back(chunk(1 + rnd() % 6, rnd() % 10, rnd() % 3 == 0));
      Request r = request(cs, static_cast<Arrangement>(rnd() % 4), static_cast<Sharing>(rnd() % 3));
      r.same_group = rnd() % 4 == 0;
      const Placement got = place(t, r), want = exhaustive(t, r);
      ASSERT_EQ(got.ok, want.ok) << "trial " << trial << " request " << k;
      if (!got.ok) continue;
      EXPECT_EQ(nodes_of(got.slots), nodes_of(want.slots)) << "trial " << trial << " request " << k;
      EXPECT_EQ(got.score.level, want.score.level);
      EXPECT_EQ(got.score.stranded, want.score.stranded);
    }
  }
}

TEST(Batch, RepeatedFailuresAreAnsweredAgainAfterASuccess) {
  Topology t = Topology::build({spec("a", 8, "b1"), spec("b", 8, "b1")});
  const Request big = request({chunk(3, 8)}, Arrangement::Scatter);
  const std::vector<Request> reqs = {big, big, request({chunk(1, 8)}), big};
  const std::vector<Placement> ps = place_all(t, reqs);
  const std::string want[] = {"no set of nodes holds the whole job together", "no set of nodes holds the whole job together",
                              "", "1 node busy"};
  for (size_t i = 0; i < ps.size(); ++i) EXPECT_EQ(ps[i].diagnosis.text, want[i]) << "request " << i;
  EXPECT_TRUE(ps[2].ok);
}
