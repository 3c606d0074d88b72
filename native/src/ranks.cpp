#include "fleetq/ranks.h"

#include <algorithm>
#include <unordered_map>

namespace fleetq {

namespace {

// Nodes in first-use order, with the ranks (cpu offsets) each holds, by slot order.
struct PerNode {
  std::vector<uint32_t> order;
  std::unordered_map<uint32_t, std::vector<uint32_t>> cpus;
  std::unordered_map<uint32_t, uint32_t> procs;
};

PerNode per_node(const std::vector<Slot>& slots) {
  PerNode p;
  std::unordered_map<uint32_t, uint32_t> next_cpu;
  for (const Slot& s : slots) {
    if (!p.cpus.count(s.node)) p.order.push_back(s.node);
    auto& list = p.cpus[s.node];
    const uint32_t procs = std::max<uint32_t>(1, s.mpiprocs);
    const uint32_t per = std::max<uint32_t>(1, s.ncpus / procs);
    uint32_t& base = next_cpu[s.node];
    for (uint32_t r = 0; r < procs; ++r) list.push_back(base + r * per);
    base += std::max(s.ncpus, procs);
    p.procs[s.node] += procs;
  }
  return p;
}

}  // namespace

RankMap layout(const std::vector<Slot>& slots, RankOrder order) {
  PerNode p = per_node(slots);
  RankMap m;
  if (order == RankOrder::BySlot) {
    for (uint32_t n : p.order)
      for (uint32_t c : p.cpus[n]) { m.node.push_back(n); m.cpu.push_back(c); }
    return m;
  }
  size_t left = 0;
  for (uint32_t n : p.order) left += p.cpus[n].size();
  std::unordered_map<uint32_t, size_t> taken;
  while (left > 0) {
    for (uint32_t n : p.order) {
      size_t& k = taken[n];
      if (k >= p.cpus[n].size()) continue;
      m.node.push_back(n);
      m.cpu.push_back(p.cpus[n][k++]);
      --left;
    }
  }
  return m;
}

std::string openmpi_hostfile(const Topology& t, const std::vector<Slot>& slots) {
  PerNode p = per_node(slots);
  std::string out;
  for (uint32_t n : p.order) out += t.names[n] + " slots=" + std::to_string(p.procs[n]) + "\n";
  return out;
}

std::string openmpi_rankfile(const Topology& t, const RankMap& m) {
  std::string out;
  for (size_t r = 0; r < m.node.size(); ++r)
    out += "rank " + std::to_string(r) + "=" + t.names[m.node[r]] + " slot=" + std::to_string(m.cpu[r]) + "\n";
  return out;
}

std::string machinefile(const Topology& t, const std::vector<Slot>& slots) {
  PerNode p = per_node(slots);
  std::string out;
  for (uint32_t n : p.order) out += t.names[n] + ":" + std::to_string(p.procs[n]) + "\n";
  return out;
}

std::string pbs_nodefile(const Topology& t, const std::vector<Slot>& slots) {
  std::string out;
  for (const Slot& s : slots)
    for (uint32_t r = 0; r < std::max<uint32_t>(1, s.mpiprocs); ++r) out += t.names[s.node] + "\n";
  return out;
}

}  // namespace fleetq
