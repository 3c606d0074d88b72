// fleetq native core: MPI rank layout, a separate step after node choice (as Slurm's dist_tasks
// follows job_test): turns placed slots into ranks bound to cpus, and renders what launchers read.
//
// What the layout needs beyond the Topology is passed in RankOptions, not added to the topology:
// the cpu and GPU ids the daemon assigned the job on each node, and each node's NUMA shape (which
// domain a cpu, a GPU or an EFA device sits in). When a node's shape is not given it is derived
// from the fields the topology has: its `numa` domains (unless RankOptions gives a count), the cores
// split into `numa` equal contiguous blocks — with SMT (ncpus a multiple of `cores`, fewer cores
// than cpus) cpu c belongs to core c mod cores, as Linux numbers hardware threads on EC2 — and GPUs
// and EFA devices spread evenly over the domains in index order (GPU g of G on D domains sits in
// g*D/G).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "fleetq/placement.h"
#include "fleetq/topology.h"

namespace fleetq {

// How ranks are numbered over the slots.
enum class RankOrder : uint8_t {
  BySlot = 0,  // fill a node's ranks (chunk order) before the next node's (Open MPI --map-by slot)
  ByNode = 1,  // round-robin over the nodes in first-use order (--map-by node)
  ByGpu = 2,   // as BySlot; each GPU of a chunk gets a block of consecutive ranks, and those ranks are
               // bound near that GPU (Binding::Numa is implied)
};

// What each rank is bound to.
enum class Binding : uint8_t {
  Cpus = 0,  // its own share of its chunk's cpus: ncpus/mpiprocs consecutive cpus of the chunk
  Numa = 1,  // the cpus the job holds on its node in the NUMA domain nearest its GPU, else (efa jobs)
             // its EFA device; a rank with neither, or whose domain holds none of the job's cpus,
             // keeps its own share
};

// A node's NUMA shape. Empty vectors and numa = 0 mean "derive" (see the file comment).
struct NodeHardware {
  uint32_t numa = 0;                // NUMA domains; 0 = the topology's count (Topology::numa)
  std::vector<uint32_t> cpu_numa;   // domain of each cpu id (index = cpu id), or empty
  std::vector<uint32_t> gpu_numa;   // domain of each GPU (index = GPU id), or empty
  std::vector<uint32_t> efa_numa;   // domain of each EFA device, or empty
};

struct RankOptions {
  RankOrder order = RankOrder::BySlot;
  Binding binding = Binding::Cpus;
  bool efa = false;  // an EFA job: with Binding::Numa, ranks without a GPU sit near an EFA device
  // Per node index: the cpu (GPU) ids the job holds there, in chunk order; as many as the node's
  // slots take. A node not listed holds 0..n-1 in chunk order.
  std::unordered_map<uint32_t, std::vector<uint32_t>> cpus, gpus;
  std::unordered_map<uint32_t, NodeHardware> hardware;
};

// One rank: where it runs and what it is bound to.
struct Rank {
  uint32_t node = 0;
  uint32_t slot = 0;               // index into the slots given to layout()
  int32_t gpu = -1;                // GPU id on the node, -1 = none
  int32_t numa = -1;               // NUMA domain it is bound near, -1 = none (Binding::Cpus)
  std::vector<uint32_t> cpus;      // ascending cpu ids
};

struct RankMap {
  std::vector<Rank> ranks;         // in rank order
  std::string error;               // non-empty when the options do not fit the slots; ranks empty
};

// Lays out the ranks of placed slots: every slot gives max(1, mpiprocs) ranks on its node. Each
// slot takes the next ncpus (ngpus) of its node's cpu (GPU) ids in slot order; its ranks split its
// cpus into equal consecutive shares (when mpiprocs > ncpus, ranks share cpus round the chunk) and
// its GPUs into blocks (rank j of P gets GPU j*G/P). Pure: same input, same output. Fails (error
// set, naming the field) when a cpu/GPU list is not as long as the node's slots take, repeats an
// id, or an id or NUMA domain is out of the node's range.
RankMap layout(const Topology& t, const std::vector<Slot>& slots, const RankOptions& opts);

// Open MPI hostfile: "host slots=N" (N = ranks on the host), one line per node in first-use order.
std::string openmpi_hostfile(const Topology& t, const RankMap& m);
// Open MPI rankfile: "rank R=host slot=LIST", LIST the rank's physical cpu ids as ranges
// ("0-3,8"). Open MPI 4.1 reads them as physical ids with `--mca rmaps_rank_file_physical 1`
// (logical core numbers otherwise); add --use-hwthread-cpus so a hardware thread is not widened
// to its whole core.
std::string openmpi_rankfile(const Topology& t, const RankMap& m);
// MPICH / Intel MPI machinefile: "host:N", one line per node in first-use order.
std::string machinefile(const Topology& t, const RankMap& m);
// PBS_NODEFILE: each slot's host written max(1, mpiprocs) times, in chunk (slot) order.
std::string pbs_nodefile(const Topology& t, const std::vector<Slot>& slots);
// "0-3,8,10-11" for ascending ids.
std::string cpu_ranges(const std::vector<uint32_t>& ids);

}  // namespace fleetq
