// GoogleTest tables for the filters, the comparator, the topology arrays and placement.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fleetq/placement.h"
#include "fleetq/topology.h"

using namespace fleetq;

namespace {

NodeSpec node(const std::string& name, uint32_t cpus, const std::string& bottom, const std::string& mid = "m1",
              uint32_t efa = 1, const std::string& pg = "pg1") {
  NodeSpec s;
  s.name = name;
  s.ncpus = s.free_ncpus = cpus;
  s.mem = s.free_mem = 64ull << 30;
  s.efa = efa;
  s.instance_type = efa ? "c5n.18xlarge" : "c5.18xlarge";
  s.placement_group = pg;
  s.pg_strategy = PgStrategy::Cluster;
  s.network_nodes = {"top", mid, bottom};
  return s;
}

Request chunks(uint32_t count, uint32_t cpus, Arrangement a = Arrangement::Free, bool efa = false) {
  Request r;
  ChunkReq c;
  c.count = count;
  c.ncpus = cpus;
  c.efa = efa;
  r.chunks.push_back(c);
  r.arrangement = a;
  return r;
}

std::string nodes_of(const Topology& t, const Placement& p) {
  std::string s;
  for (const Slot& x : p.slots) s += (s.empty() ? "" : ",") + t.names[x.node];
  return s;
}

}  // namespace

TEST(Comparator, LevelThenStrandedThenIndex) {
  struct Case { Score a, b; bool want; };
  const Case cases[] = {
      {{0, 100, 9}, {1, 0, 0}, true},   // lower level wins over less waste
      {{1, 5, 9}, {1, 6, 0}, true},     // same level: less stranded wins
      {{1, 5, 2}, {1, 5, 3}, true},     // tie: lower node index
      {{1, 5, 3}, {1, 5, 3}, false},    // equal is not better
      {{3, 0, 0}, {2, 99, 99}, false},
  };
  for (const Case& c : cases) EXPECT_EQ(better(c.a, c.b), c.want) << c.a.level << "/" << c.a.stranded << "/" << c.a.first_node;
}

TEST(Topology, InternsNamesAndNetworkLayers) {
  Topology t = Topology::build({node("a", 4, "b1"), node("b", 4, "b2"), node("c", 4, "b1", "m2", 0)});
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.net_count[0], 1);
  EXPECT_EQ(t.net_count[1], 2);
  EXPECT_EQ(t.net_count[2], 2);
  EXPECT_EQ(t.net[0][2], t.net[2][2]);
  EXPECT_EQ(t.instance_type_id("c5.18xlarge"), t.instance_type[2]);
  EXPECT_EQ(t.instance_type_id("nope"), -1);
}

TEST(Topology, AllocateNeverOverCommits) {
  Topology t = Topology::build({node("a", 4, "b1")});
  EXPECT_TRUE(t.allocate(0, 3, 0, 0));
  EXPECT_FALSE(t.allocate(0, 2, 0, 0));
  EXPECT_EQ(t.free_ncpus[0], 1u);
  EXPECT_TRUE(t.release(0, 3, 0, 0));
  EXPECT_FALSE(t.release(0, 1, 0, 0));
  EXPECT_EQ(t.free_ncpus[0], 4u);
}

TEST(Placement, PrefersTheLowestNetworkNodeThatHoldsTheJob) {
  // b1 has 2 nodes, b2 has 3: a 3-node job fits only under b2, a 2-node job best under b1 (less stranded).
  Topology t = Topology::build({node("a", 4, "b1"), node("b", 4, "b1"), node("c", 4, "b2"), node("d", 4, "b2"), node("e", 4, "b2")});
  Placement p3 = place(t, chunks(3, 4, Arrangement::Scatter));
  ASSERT_TRUE(p3.ok);
  EXPECT_EQ(nodes_of(t, p3), "c,d,e");
  EXPECT_EQ(p3.score.level, 0);
  Placement p2 = place(t, chunks(2, 4, Arrangement::Scatter));
  ASSERT_TRUE(p2.ok);
  EXPECT_EQ(nodes_of(t, p2), "a,b");
  EXPECT_EQ(p2.score.stranded, 0u);
  Placement p6 = place(t, chunks(5, 4, Arrangement::Scatter));
  ASSERT_TRUE(p6.ok);
  EXPECT_EQ(p6.score.level, 1);
}

TEST(Placement, FiltersAndDiagnosis) {
  NodeSpec down = node("down", 8, "b1");
  down.up = false;
  NodeSpec busy = node("busy", 8, "b1");
  busy.free_ncpus = 1;
  Topology t = Topology::build({down, busy, node("ena", 8, "b1", "m1", 0)});
  Placement p = place(t, chunks(1, 4, Arrangement::Free, true));
  ASSERT_FALSE(p.ok);
  EXPECT_EQ(p.diagnosis.text, "1 node down, 1 node without EFA, 1 node busy");
  EXPECT_FALSE(p.diagnosis.never);
  Placement never = place(t, chunks(1, 64));
  ASSERT_FALSE(never.ok);
  EXPECT_TRUE(never.diagnosis.never);
  EXPECT_EQ(never.diagnosis.text, "1 node down, 2 nodes too small");
}

TEST(Placement, NeverPutsEfaChunksOnEnaNodes) {
  Topology t = Topology::build({node("ena1", 8, "b1", "m1", 0), node("efa1", 8, "b2", "m1", 1)});
  Placement p = place(t, chunks(1, 4, Arrangement::Free, true));
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(nodes_of(t, p), "efa1");
}

TEST(Placement, SameGroupNeverSplits) {
  Topology t = Topology::build({node("a", 4, "b1", "m1", 1, "g1"), node("b", 4, "b1", "m1", 1, "g2"), node("c", 4, "b2", "m1", 1, "g2")});
  Request r = chunks(2, 4, Arrangement::Scatter);
  r.same_group = true;
  Placement p = place(t, r);
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(nodes_of(t, p), "b,c");
  r.chunks[0].count = 3;
  EXPECT_FALSE(place(t, r).ok);
  EXPECT_TRUE(place(t, r).diagnosis.never);
}

TEST(Placement, ArrangementsAndExclusivity) {
  NodeSpec used = node("used", 8, "b1");
  used.njobs = 1;
  used.free_ncpus = 6;
  Topology t = Topology::build({used, node("free", 8, "b1")});
  EXPECT_EQ(nodes_of(t, place(t, chunks(2, 3, Arrangement::Pack))), "used,used");
  EXPECT_EQ(nodes_of(t, place(t, chunks(2, 3, Arrangement::Scatter))), "used,free");
  Request excl = chunks(1, 1);
  excl.sharing = Sharing::Excl;
  EXPECT_EQ(nodes_of(t, place(t, excl)), "free");
  EXPECT_EQ(nodes_of(t, place(t, chunks(3, 3, Arrangement::Free))), "used,used,free");
}

TEST(Placement, NodesWithoutTopologyStillPlaceAcrossTheCluster) {
  NodeSpec a = node("a", 4, "");
  a.network_nodes = {"", "", ""};
  NodeSpec b = a;
  b.name = "b";
  Topology t = Topology::build({a, b});
  Placement p = place(t, chunks(2, 4, Arrangement::Scatter));
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.score.level, kLevelCluster);
}

TEST(Placement, SameSnapshotSameAnswer) {
  std::vector<NodeSpec> nodes;
  for (int i = 0; i < 64; ++i) nodes.push_back(node("n" + std::to_string(i), 4 + (i % 3), "b" + std::to_string(i / 8), "m" + std::to_string(i / 32)));
  Topology t = Topology::build(nodes);
  Request r = chunks(10, 4, Arrangement::Scatter);
  EXPECT_EQ(nodes_of(t, place(t, r)), nodes_of(t, place(t, r)));
}
