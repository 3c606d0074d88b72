// GoogleTest tables for the filters, the comparator, the topology arrays and placement.
#include <gtest/gtest.h>

#include <iterator>
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

// The node fields placement does not read cross Topology::build as given, normalized as its
// contract says (cores 0 or above ncpus = ncpus, numa 0 = 1, a partition only with Partition).
TEST(Topology, CarriesNodeHardwareAndPlacementGroupFields) {
  struct Want { uint32_t cores, numa; double ena; PgStrategy strategy; int32_t partition; };
  struct Case { const char* name; uint32_t ncpus, cores, numa; double ena; PgStrategy strategy; int32_t partition; Want want; };
  const Case cases[] = {
      {"smt c5n.18xlarge", 72, 36, 2, 100, PgStrategy::Cluster, -1, {36, 2, 100, PgStrategy::Cluster, -1}},
      {"cores unknown", 8, 0, 1, 12.5, PgStrategy::Spread, -1, {8, 1, 12.5, PgStrategy::Spread, -1}},
      {"cores above ncpus", 8, 16, 1, 0, PgStrategy::None, -1, {8, 1, 0, PgStrategy::None, -1}},
      {"numa 0", 8, 4, 0, 0, PgStrategy::None, -1, {4, 1, 0, PgStrategy::None, -1}},
      {"partition 3", 96, 48, 2, 50, PgStrategy::Partition, 3, {48, 2, 50, PgStrategy::Partition, 3}},
      {"partition unknown", 96, 48, 2, 50, PgStrategy::Partition, -1, {48, 2, 50, PgStrategy::Partition, -1}},
      {"partition without the strategy", 8, 8, 1, 0, PgStrategy::Cluster, 2, {8, 1, 0, PgStrategy::Cluster, -1}},
      {"negative bandwidth", 8, 8, 1, -5, PgStrategy::None, -1, {8, 1, 0, PgStrategy::None, -1}},
  };
  std::vector<NodeSpec> specs;
  for (const Case& c : cases) {
    NodeSpec s = node(c.name, c.ncpus, "b1");
    s.cores = c.cores; s.numa = c.numa; s.ena_gbps = c.ena; s.pg_strategy = c.strategy; s.pg_partition = c.partition;
    specs.push_back(s);
  }
  const Topology t = Topology::build(specs);
  for (size_t i = 0; i < std::size(cases); ++i) {
    const Want& w = cases[i].want;
    SCOPED_TRACE(cases[i].name);
    EXPECT_EQ(t.ncpus[i], cases[i].ncpus);
    EXPECT_EQ(t.cores[i], w.cores);
    EXPECT_EQ(t.numa[i], w.numa);
    EXPECT_EQ(t.ena_gbps[i], w.ena);
    EXPECT_EQ(static_cast<int>(t.pg_strategy[i]), static_cast<int>(w.strategy));
    EXPECT_EQ(t.pg_partition[i], w.partition);
  }
}

// Columns the caller leaves out take their defaults; an unknown strategy value becomes None.
TEST(Topology, OptionalColumnsDefault) {
  const std::vector<std::string> dict;
  const uint32_t ncpus[] = {8, 8}, zero[] = {0, 0};
  const double mem[] = {0, 0};
  const uint8_t flags[] = {1, 1}, strategy[] = {2, 9};
  const int32_t none[] = {-1, -1}, net[] = {-1, -1, -1, -1, -1, -1}, part[] = {4, 4};
  Columns c;
  c.n = 2;
  c.names = {"a", "b"};
  c.strings = &dict;
  c.ncpus = c.free_ncpus = ncpus;
  c.ngpus = c.free_ngpus = c.efa = c.njobs = zero;
  c.mem = c.free_mem = mem;
  c.flags = flags;
  c.instance_type = c.az = c.placement_group = none;
  c.network_nodes = net;
  const Topology d = Topology::build(c);  // no numa, cores, ena_gbps, strategy, partition columns
  for (uint32_t i = 0; i < 2; ++i) {
    EXPECT_EQ(d.cores[i], 8u) << "node " << i;
    EXPECT_EQ(d.numa[i], 1u) << "node " << i;
    EXPECT_EQ(d.ena_gbps[i], 0.0) << "node " << i;
    EXPECT_EQ(d.pg_strategy[i], PgStrategy::None) << "node " << i;
    EXPECT_EQ(d.pg_partition[i], -1) << "node " << i;
  }
  c.pg_strategy = strategy;
  c.pg_partition = part;
  const Topology s = Topology::build(c);
  EXPECT_EQ(s.pg_strategy[0], PgStrategy::Partition);
  EXPECT_EQ(s.pg_partition[0], 4);
  EXPECT_EQ(s.pg_strategy[1], PgStrategy::None) << "strategy 9 is none of PgStrategy's values";
  EXPECT_EQ(s.pg_partition[1], -1);
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
