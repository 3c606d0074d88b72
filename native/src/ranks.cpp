#include "fleetq/ranks.h"

#include <algorithm>
#include <set>

namespace fleetq {

namespace {

// One node of the job: its slots, the ids the job holds there, and its NUMA shape resolved.
struct JobNode {
  uint32_t node = 0;
  std::vector<uint32_t> slots;             // indices into the slots, in order
  std::vector<uint32_t> cpus, gpus;        // ids the job holds, chunk order
  uint32_t domains = 1;
  std::vector<uint32_t> cpu_numa, gpu_numa, efa_numa;  // explicit or derived
  uint32_t efa = 0;
  std::vector<Rank> ranks;                 // this node's ranks in slot order
};

std::string field(const char* what, uint32_t node) { return std::string(what) + "[node " + std::to_string(node) + "]"; }

// The ids the job holds on a node: the given list, checked, or 0..need-1.
bool ids_for(const std::unordered_map<uint32_t, std::vector<uint32_t>>& given, uint32_t node, uint32_t need,
             const char* what, std::vector<uint32_t>& out, std::string& err) {
  auto it = given.find(node);
  if (it == given.end()) {
    for (uint32_t i = 0; i < need; ++i) out.push_back(i);
    return true;
  }
  out = it->second;
  if (out.size() != need) {
    err = field(what, node) + ": " + std::to_string(out.size()) + " ids given, the node's slots take " + std::to_string(need);
    return false;
  }
  if (std::set<uint32_t>(out.begin(), out.end()).size() != out.size()) {
    err = field(what, node) + ": an id is repeated";
    return false;
  }
  return true;
}

// Device d of n spread evenly over `domains` in index order.
std::vector<uint32_t> spread(uint32_t n, uint32_t domains) {
  std::vector<uint32_t> v(n);
  for (uint32_t d = 0; d < n; ++d) v[d] = static_cast<uint32_t>(static_cast<uint64_t>(d) * domains / n);
  return v;
}

bool resolve_hardware(const Topology& t, const RankOptions& o, JobNode& j, std::string& err) {
  NodeHardware hw;
  auto it = o.hardware.find(j.node);
  if (it != o.hardware.end()) hw = it->second;
  j.domains = hw.numa ? hw.numa : std::max<uint32_t>(1, t.numa[j.node]);
  j.efa = t.efa[j.node];
  const uint32_t ncpus = std::max<uint32_t>(1, t.ncpus[j.node]);
  // With SMT (ncpus a multiple of cores) Linux numbers the second threads after all first ones, so
  // cpu c is a thread of core c mod cores (EC2: cpus 0-17,36-53 on node 0 of a c5n.18xlarge).
  const uint32_t cores = t.cores[j.node] && ncpus % t.cores[j.node] == 0 ? t.cores[j.node] : ncpus;
  if (hw.cpu_numa.empty()) {  // the cores in contiguous equal blocks; ids beyond ncpus in the last
    for (uint32_t c : j.cpus) hw.cpu_numa.resize(std::max<size_t>(hw.cpu_numa.size(), c + 1), 0);
    for (uint32_t c = 0; c < hw.cpu_numa.size(); ++c)
      hw.cpu_numa[c] = c >= ncpus ? j.domains - 1
                                  : static_cast<uint32_t>(static_cast<uint64_t>(c % cores) * j.domains / cores);
  }
  if (hw.gpu_numa.empty()) hw.gpu_numa = spread(t.ngpus[j.node], j.domains);
  if (hw.efa_numa.empty()) hw.efa_numa = spread(j.efa, j.domains);
  for (uint32_t c : j.cpus)
    if (c >= hw.cpu_numa.size()) { err = field("cpus", j.node) + ": cpu " + std::to_string(c) + " has no NUMA domain"; return false; }
  for (uint32_t g : j.gpus)
    if (g >= hw.gpu_numa.size()) { err = field("gpus", j.node) + ": GPU " + std::to_string(g) + " is not on the node"; return false; }
  if (hw.efa_numa.size() < j.efa) { err = field("hardware.efa_numa", j.node) + ": one domain per EFA device is required"; return false; }
  for (const auto* v : {&hw.cpu_numa, &hw.gpu_numa, &hw.efa_numa})
    for (uint32_t d : *v)
      if (d >= j.domains) { err = field("hardware", j.node) + ": NUMA domain " + std::to_string(d) + " of " + std::to_string(j.domains); return false; }
  j.cpu_numa = std::move(hw.cpu_numa);
  j.gpu_numa = std::move(hw.gpu_numa);
  j.efa_numa = std::move(hw.efa_numa);
  return true;
}

// The nodes of the job in first-use order, with their ids and shapes; empty + err on bad options.
std::vector<JobNode> job_nodes(const Topology& t, const std::vector<Slot>& slots, const RankOptions& o, std::string& err) {
  std::vector<JobNode> nodes;
  std::unordered_map<uint32_t, size_t> at;
  for (uint32_t i = 0; i < slots.size(); ++i) {
    if (slots[i].node >= t.size()) { err = "slots[" + std::to_string(i) + "].node: not a node of this topology"; return {}; }
    auto [it, fresh] = at.emplace(slots[i].node, nodes.size());
    if (fresh) nodes.push_back(JobNode{slots[i].node, {}, {}, {}, 1, {}, {}, {}, 0, {}});
    nodes[it->second].slots.push_back(i);
  }
  for (JobNode& j : nodes) {
    uint32_t ncpus = 0, ngpus = 0;
    for (uint32_t i : j.slots) { ncpus += slots[i].ncpus; ngpus += slots[i].ngpus; }
    if (ncpus == 0) { err = "slots on node " + std::to_string(j.node) + ": no cpu to bind their ranks to"; return {}; }
    if (!ids_for(o.cpus, j.node, ncpus, "cpus", j.cpus, err) || !ids_for(o.gpus, j.node, ngpus, "gpus", j.gpus, err) ||
        !resolve_hardware(t, o, j, err)) {
      return {};
    }
  }
  return nodes;
}

// The NUMA domain a rank should sit near, or -1: its GPU's, else (efa jobs) its EFA device's.
int32_t near_domain(const JobNode& j, const Rank& r, uint32_t local, uint32_t node_ranks, bool efa) {
  if (r.gpu >= 0) return static_cast<int32_t>(j.gpu_numa[r.gpu]);
  if (efa && j.efa > 0) return static_cast<int32_t>(j.efa_numa[static_cast<uint64_t>(local) * j.efa / node_ranks]);
  return -1;
}

// Ranks of one node in slot order: own shares, then NUMA binding when asked.
void node_ranks(const std::vector<Slot>& slots, const RankOptions& o, JobNode& j) {
  size_t cbase = 0, gbase = 0;
  for (uint32_t si : j.slots) {
    const Slot& s = slots[si];
    const uint32_t procs = std::max<uint32_t>(1, s.mpiprocs);
    for (uint32_t r = 0; r < procs; ++r) {
      Rank k;
      k.node = j.node;
      k.slot = si;
      if (s.ncpus >= procs) {
        const uint32_t per = s.ncpus / procs;
        for (uint32_t c = 0; c < per; ++c) k.cpus.push_back(j.cpus[cbase + r * per + c]);
      } else if (s.ncpus > 0) {
        k.cpus.push_back(j.cpus[cbase + static_cast<uint64_t>(r) * s.ncpus / procs]);
      }
      if (s.ngpus > 0) k.gpu = static_cast<int32_t>(j.gpus[gbase + static_cast<uint64_t>(r) * s.ngpus / procs]);
      j.ranks.push_back(std::move(k));
    }
    cbase += s.ncpus;
    gbase += s.ngpus;
  }
  const bool numa = o.binding == Binding::Numa || o.order == RankOrder::ByGpu;
  const bool efa = o.efa && o.order != RankOrder::ByGpu;
  for (uint32_t local = 0; numa && local < j.ranks.size(); ++local) {
    Rank& k = j.ranks[local];
    const int32_t d = near_domain(j, k, local, static_cast<uint32_t>(j.ranks.size()), efa);
    if (d < 0) continue;
    std::vector<uint32_t> in;
    for (uint32_t c : j.cpus)
      if (j.cpu_numa[c] == static_cast<uint32_t>(d)) in.push_back(c);
    if (in.empty()) continue;  // the job holds nothing there: keep the rank's own share
    k.numa = d;
    k.cpus = std::move(in);
  }
  for (Rank& k : j.ranks) {
    if (k.cpus.empty()) k.cpus = j.cpus;  // a slot with ncpus=0: its ranks share the job's cpus there
    std::sort(k.cpus.begin(), k.cpus.end());
  }
}

// Per node in first-use order: how many ranks it runs.
std::vector<std::pair<uint32_t, uint32_t>> ranks_per_node(const RankMap& m) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  std::unordered_map<uint32_t, size_t> at;
  for (const Rank& r : m.ranks) {
    auto [it, fresh] = at.emplace(r.node, out.size());
    if (fresh) out.emplace_back(r.node, 0);
    out[it->second].second += 1;
  }
  return out;
}

}  // namespace

RankMap layout(const Topology& t, const std::vector<Slot>& slots, const RankOptions& opts) {
  RankMap m;
  std::vector<JobNode> nodes = job_nodes(t, slots, opts, m.error);
  if (!m.error.empty()) return m;
  size_t total = 0;
  for (JobNode& j : nodes) { node_ranks(slots, opts, j); total += j.ranks.size(); }
  m.ranks.reserve(total);
  if (opts.order != RankOrder::ByNode) {
    for (JobNode& j : nodes)
      for (Rank& r : j.ranks) m.ranks.push_back(std::move(r));
    return m;
  }
  for (size_t k = 0; m.ranks.size() < total; ++k)
    for (JobNode& j : nodes)
      if (k < j.ranks.size()) m.ranks.push_back(std::move(j.ranks[k]));
  return m;
}

std::string cpu_ranges(const std::vector<uint32_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size();) {
    size_t e = i;
    while (e + 1 < ids.size() && ids[e + 1] == ids[e] + 1) ++e;
    if (!out.empty()) out += ',';
    out += std::to_string(ids[i]);
    if (e > i) out += '-' + std::to_string(ids[e]);
    i = e + 1;
  }
  return out;
}

std::string openmpi_hostfile(const Topology& t, const RankMap& m) {
  std::string out;
  for (const auto& [n, k] : ranks_per_node(m)) out += t.names[n] + " slots=" + std::to_string(k) + "\n";
  return out;
}

std::string openmpi_rankfile(const Topology& t, const RankMap& m) {
  std::string out;
  for (size_t r = 0; r < m.ranks.size(); ++r)
    out += "rank " + std::to_string(r) + "=" + t.names[m.ranks[r].node] + " slot=" + cpu_ranges(m.ranks[r].cpus) + "\n";
  return out;
}

std::string machinefile(const Topology& t, const RankMap& m) {
  std::string out;
  for (const auto& [n, k] : ranks_per_node(m)) out += t.names[n] + ":" + std::to_string(k) + "\n";
  return out;
}

std::string pbs_nodefile(const Topology& t, const std::vector<Slot>& slots) {
  std::string out;
  for (const Slot& s : slots)
    for (uint32_t r = 0; r < std::max<uint32_t>(1, s.mpiprocs); ++r) out += t.names[s.node] + "\n";
  return out;
}

}  // namespace fleetq
