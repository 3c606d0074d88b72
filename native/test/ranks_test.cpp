// Rank layouts and the files launchers read: tables of {name, input, want}.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fleetq/ranks.h"

using namespace fleetq;

namespace {

NodeSpec spec(const std::string& name, uint32_t cpus, uint32_t gpus = 0, uint32_t numa = 1, uint32_t efa = 0) {
  NodeSpec s;
  s.name = name;
  s.ncpus = s.free_ncpus = cpus;
  s.ngpus = s.free_ngpus = gpus;
  s.numa = numa;
  s.efa = efa;
  return s;
}

// Two 8-cpu nodes; a p4d-like node (16 cpus, 4 GPUs, 2 NUMA domains, 2 EFA devices).
Topology cluster() { return Topology::build({spec("a", 8), spec("b", 8), spec("g", 16, 4, 2, 2)}); }

// "rank 0=a slot=0-1 gpu=…" for every rank, one line each, so a table compares one string.
std::string show(const Topology& t, const RankMap& m) {
  if (!m.error.empty()) return "error: " + m.error;
  std::string s;
  for (const Rank& r : m.ranks) {
    s += t.names[r.node] + ":" + cpu_ranges(r.cpus);
    if (r.gpu >= 0) s += " gpu" + std::to_string(r.gpu);
    if (r.numa >= 0) s += " numa" + std::to_string(r.numa);
    s += "\n";
  }
  return s;
}

RankOptions opts(RankOrder order, Binding b = Binding::Cpus) {
  RankOptions o;
  o.order = order;
  o.binding = b;
  return o;
}

// Slot{node, chunk, ncpus, mem, ngpus, mpiprocs}
const std::vector<Slot> kTwoNodes = {{0, 0, 4, 0, 0, 2}, {0, 0, 4, 0, 0, 2}, {1, 1, 4, 0, 0, 4}};

}  // namespace

TEST(Ranks, Layouts) {
  struct Case {
    const char* name;
    std::vector<Slot> slots;
    RankOptions o;
    std::string want;
  };
  RankOptions held = opts(RankOrder::BySlot);
  held.cpus[0] = {6, 7, 2, 3, 4, 5, 0, 1};  // the daemon's ids for node a, chunk order
  RankOptions short_list = opts(RankOrder::BySlot);
  short_list.cpus[0] = {1, 2};
  RankOptions repeated = opts(RankOrder::BySlot);
  repeated.cpus[1] = {1, 1, 2, 3};
  RankOptions gpu_ids = opts(RankOrder::ByGpu);
  gpu_ids.gpus[2] = {3, 2};
  gpu_ids.cpus[2] = {8, 9, 10, 11, 12, 13, 14, 15};
  RankOptions efa = opts(RankOrder::BySlot, Binding::Numa);
  efa.efa = true;
  RankOptions explicit_hw = opts(RankOrder::ByGpu);
  explicit_hw.hardware[2] = NodeHardware{2, {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, {1, 1, 0, 0}, {}};
  RankOptions bad_domain = opts(RankOrder::ByGpu);
  bad_domain.hardware[2] = NodeHardware{2, {}, {0, 5, 0, 0}, {}};
  const Case cases[] = {
      {"by slot: fill a node, equal shares", kTwoNodes, opts(RankOrder::BySlot), "a:0-1\na:2-3\na:4-5\na:6-7\nb:0\nb:1\nb:2\nb:3\n"},
      {"by node: round-robin", kTwoNodes, opts(RankOrder::ByNode), "a:0-1\nb:0\na:2-3\nb:1\na:4-5\nb:2\na:6-7\nb:3\n"},
      {"daemon's cpu ids, chunk order", {{0, 0, 4, 0, 0, 2}, {0, 0, 4, 0, 0, 4}}, held, "a:6-7\na:2-3\na:4\na:5\na:0\na:1\n"},
      {"more ranks than cpus share round the chunk", {{1, 0, 2, 0, 0, 4}}, opts(RankOrder::BySlot), "b:0\nb:0\nb:1\nb:1\n"},
      {"mpiprocs 0 is one rank", {{1, 0, 3, 0, 0, 0}}, opts(RankOrder::BySlot), "b:0-2\n"},
      {"gpu blocks near each GPU (derived: GPUs 0,1 on numa 0, 2,3 on numa 1)", {{2, 0, 16, 0, 4, 8}}, opts(RankOrder::ByGpu),
       "g:0-7 gpu0 numa0\ng:0-7 gpu0 numa0\ng:0-7 gpu1 numa0\ng:0-7 gpu1 numa0\n"
       "g:8-15 gpu2 numa1\ng:8-15 gpu2 numa1\ng:8-15 gpu3 numa1\ng:8-15 gpu3 numa1\n"},
      {"gpu blocks: only the cpus the job holds in the domain", {{2, 0, 8, 0, 2, 2}}, gpu_ids, "g:8-15 gpu3 numa1\ng:8-15 gpu2 numa1\n"},
      {"gpu domain where the job holds no cpu: own share", {{2, 0, 4, 0, 4, 4}}, opts(RankOrder::ByGpu),
       "g:0-3 gpu0 numa0\ng:0-3 gpu1 numa0\ng:2 gpu2\ng:3 gpu3\n"},
      {"by slot without binding: GPUs only named", {{2, 0, 4, 0, 2, 2}}, opts(RankOrder::BySlot), "g:0-1 gpu0\ng:2-3 gpu1\n"},
      {"efa job: ranks near their EFA device", {{2, 0, 16, 0, 0, 4}}, efa,
       "g:0-7 numa0\ng:0-7 numa0\ng:8-15 numa1\ng:8-15 numa1\n"},
      {"efa binding on a node without EFA: own share", {{0, 0, 8, 0, 0, 2}}, efa, "a:0-3\na:4-7\n"},
      {"explicit NUMA shape (interleaved cpus)", {{2, 0, 16, 0, 4, 2}}, explicit_hw,
       "g:1,3,5,7,9,11,13,15 gpu0 numa1\ng:0,2,4,6,8,10,12,14 gpu2 numa0\n"},
      {"cpu list of the wrong length", {{0, 0, 4, 0, 0, 1}}, short_list, "error: cpus[node 0]: 2 ids given, the node's slots take 4"},
      {"repeated cpu id", {{1, 0, 4, 0, 0, 1}}, repeated, "error: cpus[node 1]: an id is repeated"},
      {"NUMA domain out of range", {{2, 0, 4, 0, 1, 1}}, bad_domain, "error: hardware[node 2]: NUMA domain 5 of 2"},
      {"slot on no node", {{7, 0, 1, 0, 0, 1}}, opts(RankOrder::BySlot), "error: slots[0].node: not a node of this topology"},
      {"slots without cpus", {{0, 0, 0, 0, 0, 1}}, opts(RankOrder::BySlot), "error: slots on node 0: no cpu to bind their ranks to"},
  };
  const Topology t = cluster();
  for (const Case& c : cases) EXPECT_EQ(show(t, layout(t, c.slots, c.o)), c.want) << c.name;
}

// The derived NUMA shape uses the topology's cores: with SMT the second threads are numbered after
// all first threads, so a domain holds a block of cores and their sibling threads.
TEST(Ranks, SmtNumaShapeFromCores) {
  struct Case { const char* name; uint32_t cpus, cores, numa; std::string want; };
  const Case cases[] = {
      {"smt, 2 domains: cores 0-1 with siblings 4-5", 8, 4, 2, "s:0-1,4-5 numa0\ns:2-3,6-7 numa1\n"},
      {"no smt (cores = cpus): contiguous blocks", 8, 8, 2, "s:0-3 numa0\ns:4-7 numa1\n"},
      {"cores unknown: contiguous blocks", 8, 0, 2, "s:0-3 numa0\ns:4-7 numa1\n"},
      {"cores not dividing cpus: contiguous blocks", 8, 3, 2, "s:0-3 numa0\ns:4-7 numa1\n"},
      {"one domain", 8, 4, 1, "s:0-7 numa0\ns:0-7 numa0\n"},
  };
  RankOptions o = opts(RankOrder::BySlot, Binding::Numa);
  o.efa = true;  // two EFA devices, one per rank: each rank binds near its device's domain
  for (const Case& c : cases) {
    NodeSpec s = spec("s", c.cpus, 0, c.numa, 2);
    s.cores = c.cores;
    const Topology t = Topology::build({s});
    EXPECT_EQ(show(t, layout(t, {{0, 0, c.cpus, 0, 0, 2}}, o)), c.want) << c.name;
  }
}

TEST(Ranks, CpuRanges) {
  struct Case { std::vector<uint32_t> ids; std::string want; };
  const Case cases[] = {{{}, ""}, {{3}, "3"}, {{0, 1, 2, 3}, "0-3"}, {{0, 2, 3, 4, 8}, "0,2-4,8"}, {{1, 3}, "1,3"}};
  for (const Case& c : cases) EXPECT_EQ(cpu_ranges(c.ids), c.want) << "ids ending " << (c.ids.empty() ? -1 : int(c.ids.back()));
}

TEST(Ranks, LauncherFiles) {
  const Topology t = cluster();
  struct Case { const char* name; std::string got, want; };
  const RankMap slot = layout(t, kTwoNodes, opts(RankOrder::BySlot));
  const RankMap node = layout(t, kTwoNodes, opts(RankOrder::ByNode));
  const Case cases[] = {
      {"hostfile", openmpi_hostfile(t, slot), "a slots=4\nb slots=4\n"},
      {"machinefile", machinefile(t, slot), "a:4\nb:4\n"},
      {"nodefile: one line per mpiproc, chunk order", pbs_nodefile(t, kTwoNodes), "a\na\na\na\nb\nb\nb\nb\n"},
      {"nodefile: chunks interleaved stay in chunk order", pbs_nodefile(t, {{0, 0, 1, 0, 0, 1}, {1, 0, 1, 0, 0, 2}, {0, 0, 1, 0, 0, 1}}), "a\nb\nb\na\n"},
      {"rankfile by slot", openmpi_rankfile(t, slot),
       "rank 0=a slot=0-1\nrank 1=a slot=2-3\nrank 2=a slot=4-5\nrank 3=a slot=6-7\nrank 4=b slot=0\nrank 5=b slot=1\nrank 6=b slot=2\nrank 7=b slot=3\n"},
      {"rankfile by node", openmpi_rankfile(t, node),
       "rank 0=a slot=0-1\nrank 1=b slot=0\nrank 2=a slot=2-3\nrank 3=b slot=1\nrank 4=a slot=4-5\nrank 5=b slot=2\nrank 6=a slot=6-7\nrank 7=b slot=3\n"},
      {"hostfile by node keeps first-use order", openmpi_hostfile(t, node), "a slots=4\nb slots=4\n"},
  };
  for (const Case& c : cases) EXPECT_EQ(c.got, c.want) << c.name;
}
