// Rank layouts and the files launchers read.
#include <gtest/gtest.h>

#include "fleetq/ranks.h"

using namespace fleetq;

namespace {
Topology two_nodes() {
  NodeSpec a;
  a.name = "a";
  a.ncpus = a.free_ncpus = 8;
  NodeSpec b = a;
  b.name = "b";
  return Topology::build({a, b});
}
// 2 chunks of ncpus=4 mpiprocs=2 on a, 1 chunk of ncpus=4 mpiprocs=4 on b.
const std::vector<Slot> kSlots = {{0, 0, 4, 0, 0, 2}, {0, 0, 4, 0, 0, 2}, {1, 1, 4, 0, 0, 4}};
}  // namespace

TEST(Ranks, BySlotFillsEachNodeWithCpuOffsets) {
  RankMap m = layout(kSlots, RankOrder::BySlot);
  EXPECT_EQ(m.node, (std::vector<uint32_t>{0, 0, 0, 0, 1, 1, 1, 1}));
  EXPECT_EQ(m.cpu, (std::vector<uint32_t>{0, 2, 4, 6, 0, 1, 2, 3}));
}

TEST(Ranks, ByNodeRoundRobins) {
  RankMap m = layout(kSlots, RankOrder::ByNode);
  EXPECT_EQ(m.node, (std::vector<uint32_t>{0, 1, 0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(m.cpu, (std::vector<uint32_t>{0, 0, 2, 1, 4, 2, 6, 3}));
}

TEST(Ranks, LauncherFiles) {
  Topology t = two_nodes();
  EXPECT_EQ(openmpi_hostfile(t, kSlots), "a slots=4\nb slots=4\n");
  EXPECT_EQ(machinefile(t, kSlots), "a:4\nb:4\n");
  EXPECT_EQ(pbs_nodefile(t, kSlots), "a\na\na\na\nb\nb\nb\nb\n");
  EXPECT_EQ(openmpi_rankfile(t, layout({{1, 0, 2, 0, 0, 2}}, RankOrder::BySlot)), "rank 0=b slot=0\nrank 1=b slot=1\n");
}
