#include "fleetq/topology.h"

#include <utility>

namespace fleetq {

namespace {
// Buckets node indices by (network node at the level, group when asked), each list ascending.
// Linear: the interned ids index the buckets directly. Domain order does not matter for the answer:
// the best-fit order is total (level, stranded, first node) and domains are disjoint.
std::vector<std::vector<uint32_t>> bucket(const Topology& t, int level, bool by_group) {
  const int layer = kLayers - 1 - level;
  const uint64_t groups = by_group ? t.group_names.size() : 1;
  std::unordered_map<uint64_t, size_t> slot;
  std::vector<std::vector<uint32_t>> out;
  for (uint32_t i = 0; i < t.size(); ++i) {
    const int32_t net = level < kLevelCluster ? t.net[i][layer] : 0;
    if (net < 0) continue;
    const int32_t grp = by_group ? t.group[i] : 0;
    if (grp < 0) continue;
    const uint64_t key = static_cast<uint64_t>(net) * groups + static_cast<uint64_t>(grp);
    auto [it, added] = slot.emplace(key, out.size());
    if (added) out.emplace_back();
    out[it->second].push_back(i);
  }
  return out;
}

int32_t intern(std::unordered_map<std::string, int32_t>& ids, std::vector<std::string>& names, const std::string& s) {
  if (s.empty()) return -1;
  auto [it, added] = ids.emplace(s, static_cast<int32_t>(names.size()));
  if (added) names.push_back(s);
  return it->second;
}
}  // namespace

Topology Topology::build(const std::vector<NodeSpec>& nodes) {
  Topology t;
  const size_t n = nodes.size();
  for (auto* v : {&t.ncpus, &t.free_ncpus, &t.ngpus, &t.free_ngpus, &t.efa, &t.numa, &t.njobs}) v->reserve(n);
  t.names.reserve(n);
  std::array<std::unordered_map<std::string, int32_t>, kLayers> net_ids;
  std::array<std::vector<std::string>, kLayers> net_names;
  for (const NodeSpec& s : nodes) {
    t.names.push_back(s.name);
    t.ncpus.push_back(s.ncpus);
    t.free_ncpus.push_back(s.free_ncpus > s.ncpus ? s.ncpus : s.free_ncpus);
    t.mem.push_back(s.mem);
    t.free_mem.push_back(s.free_mem > s.mem ? s.mem : s.free_mem);
    t.ngpus.push_back(s.ngpus);
    t.free_ngpus.push_back(s.free_ngpus > s.ngpus ? s.ngpus : s.free_ngpus);
    t.efa.push_back(s.efa);
    t.numa.push_back(s.numa == 0 ? 1 : s.numa);
    t.njobs.push_back(s.njobs);
    t.up.push_back(s.up ? 1 : 0);
    t.spot.push_back(s.spot ? 1 : 0);
    t.exclusive.push_back(s.exclusive ? 1 : 0);
    t.instance_type.push_back(intern(t.itype_ids_, t.instance_type_names, s.instance_type));
    t.az.push_back(intern(t.az_ids_, t.az_names, s.az));
    t.group.push_back(intern(t.group_ids_, t.group_names, s.placement_group));
    t.pg_strategy.push_back(s.pg_strategy);
    t.pg_partition.push_back(s.pg_partition);
    std::array<int32_t, kLayers> ids{};
    for (int l = 0; l < kLayers; ++l) ids[l] = intern(net_ids[l], net_names[l], s.network_nodes[l]);
    t.net.push_back(ids);
  }
  for (int l = 0; l < kLayers; ++l) t.net_count[l] = static_cast<int32_t>(net_names[l].size());
  for (int level = 0; level <= kLevelCluster; ++level) {
    t.domains[level] = bucket(t, level, false);
    t.group_domains[level] = bucket(t, level, true);
  }
  return t;
}

bool Topology::allocate(uint32_t node, uint32_t cpus, uint64_t m, uint32_t gpus) {
  if (node >= size() || free_ncpus[node] < cpus || free_mem[node] < m || free_ngpus[node] < gpus) return false;
  free_ncpus[node] -= cpus;
  free_mem[node] -= m;
  free_ngpus[node] -= gpus;
  njobs[node] += 1;
  return true;
}

bool Topology::release(uint32_t node, uint32_t cpus, uint64_t m, uint32_t gpus) {
  if (node >= size() || free_ncpus[node] + cpus > ncpus[node] || free_mem[node] + m > mem[node] ||
      free_ngpus[node] + gpus > ngpus[node] || njobs[node] == 0) {
    return false;
  }
  free_ncpus[node] += cpus;
  free_mem[node] += m;
  free_ngpus[node] += gpus;
  njobs[node] -= 1;
  if (njobs[node] == 0) exclusive[node] = 0;
  return true;
}

void Topology::set_free(uint32_t node, uint32_t cpus, uint64_t m, uint32_t gpus) {
  if (node >= size()) return;
  free_ncpus[node] = cpus < ncpus[node] ? cpus : ncpus[node];
  free_mem[node] = m < mem[node] ? m : mem[node];
  free_ngpus[node] = gpus < ngpus[node] ? gpus : ngpus[node];
}

}  // namespace fleetq
