// fleetq native core: MPI rank layout, a separate step after node choice (as Slurm's dist_tasks
// follows job_test): turns placed slots into ranks, and renders what launchers read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fleetq/placement.h"
#include "fleetq/topology.h"

namespace fleetq {

enum class RankOrder : uint8_t {
  BySlot = 0,  // fill a node's ranks before the next node's (Open MPI --map-by slot)
  ByNode = 1,  // round-robin over the nodes (--map-by node)
};

// Where each rank runs: node index and the first cpu (slot) it is bound to on that node.
struct RankMap {
  std::vector<uint32_t> node;
  std::vector<uint32_t> cpu;
};

// Ranks: every chunk gives `mpiprocs` ranks on its node, each bound to ncpus/mpiprocs cpus,
// numbered from the cpus the job's chunks take on that node (chunk order).
RankMap layout(const std::vector<Slot>& slots, RankOrder order);

// Open MPI hostfile: "host slots=N", one line per node in first-use order.
std::string openmpi_hostfile(const Topology& t, const std::vector<Slot>& slots);
// Open MPI rankfile: "rank R=host slot=C".
std::string openmpi_rankfile(const Topology& t, const RankMap& m);
// MPICH / Intel MPI machinefile: "host:N".
std::string machinefile(const Topology& t, const std::vector<Slot>& slots);
// PBS_NODEFILE: each chunk's host written mpiprocs times, in chunk order.
std::string pbs_nodefile(const Topology& t, const std::vector<Slot>& slots);

}  // namespace fleetq
