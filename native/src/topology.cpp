#include "fleetq/topology.h"

#include <algorithm>
#include <utility>

namespace fleetq {

namespace {

// Maps ids of the caller's shared string dictionary to dense ids of one category, interning each
// dictionary string at most once (not once per node).
class Remap {
 public:
  Remap(const std::vector<std::string>* dict, std::unordered_map<std::string, int32_t>* ids,
        std::vector<std::string>* names)
      : dict_(dict), ids_(ids), names_(names), map_(dict ? dict->size() : 0, kUnseen) {}
  int32_t operator()(int32_t id) {
    if (id < 0 || static_cast<size_t>(id) >= map_.size()) return -1;
    int32_t& m = map_[id];
    if (m != kUnseen) return m;
    const std::string& s = (*dict_)[id];
    if (s.empty()) return m = -1;
    if (!ids_) return m = next_++;  // network nodes: only the count matters, no names kept
    auto [it, added] = ids_->emplace(s, static_cast<int32_t>(names_->size()));
    if (added) names_->push_back(s);
    return m = it->second;
  }
  int32_t count() const { return next_; }

 private:
  static constexpr int32_t kUnseen = -2;
  const std::vector<std::string>* dict_;
  std::unordered_map<std::string, int32_t>* ids_;
  std::vector<std::string>* names_;
  std::vector<int32_t> map_;
  int32_t next_ = 0;
};

template <typename T>
T clamp_to(T v, T max) { return v > max ? max : v; }

// The free-cpu band of a node (DomainStats::by_band), or -1 with no free cpu.
int band_of(uint32_t free) {
  if (free == 0) return -1;
  int k = 0;
  while (k + 1 < DomainStats::kBands && (2u << k) <= free) ++k;
  return k;
}

PgStrategy strategy_of(uint8_t v) {
  return v <= static_cast<uint8_t>(PgStrategy::Spread) ? static_cast<PgStrategy>(v) : PgStrategy::None;
}

}  // namespace

Topology Topology::build(const std::vector<NodeSpec>& nodes) {
  // Lay the specs out as columns over one dictionary, then take the single build path.
  const size_t n = nodes.size();
  std::vector<std::string> dict;
  std::unordered_map<std::string, int32_t> ids;
  auto id = [&](const std::string& s) -> int32_t {
    if (s.empty()) return -1;
    auto [it, added] = ids.emplace(s, static_cast<int32_t>(dict.size()));
    if (added) dict.push_back(s);
    return it->second;
  };
  std::vector<uint32_t> ncpus(n), free_ncpus(n), cores(n), ngpus(n), free_ngpus(n), efa(n), njobs(n), numa(n);
  std::vector<double> mem(n), free_mem(n), ena(n);
  std::vector<uint8_t> flags(n), strategy(n);
  std::vector<int32_t> itype(n), az(n), pg(n), part(n), net(n * kLayers);
  Columns c;
  c.n = n;
  for (size_t i = 0; i < n; ++i) {
    const NodeSpec& s = nodes[i];
    c.names.push_back(s.name);
    ncpus[i] = s.ncpus; free_ncpus[i] = s.free_ncpus; ngpus[i] = s.ngpus; free_ngpus[i] = s.free_ngpus;
    efa[i] = s.efa; njobs[i] = s.njobs; numa[i] = s.numa; cores[i] = s.cores; ena[i] = s.ena_gbps;
    mem[i] = static_cast<double>(s.mem); free_mem[i] = static_cast<double>(s.free_mem);
    flags[i] = (s.up ? 1 : 0) | (s.spot ? 2 : 0) | (s.exclusive ? 4 : 0);
    strategy[i] = static_cast<uint8_t>(s.pg_strategy);
    itype[i] = id(s.instance_type); az[i] = id(s.az); pg[i] = id(s.placement_group); part[i] = s.pg_partition;
    for (int l = 0; l < kLayers; ++l) net[i * kLayers + l] = id(s.network_nodes[l]);
  }
  c.strings = &dict;
  c.ncpus = ncpus.data(); c.free_ncpus = free_ncpus.data(); c.ngpus = ngpus.data(); c.free_ngpus = free_ngpus.data();
  c.efa = efa.data(); c.njobs = njobs.data(); c.numa = numa.data(); c.cores = cores.data(); c.ena_gbps = ena.data();
  c.mem = mem.data(); c.free_mem = free_mem.data(); c.flags = flags.data(); c.pg_strategy = strategy.data();
  c.instance_type = itype.data(); c.az = az.data(); c.placement_group = pg.data(); c.pg_partition = part.data();
  c.network_nodes = net.data();
  return build(std::move(c));
}

Topology Topology::build(Columns c) {
  Topology t;
  const size_t n = c.n;
  t.names = std::move(c.names);
  t.names.resize(n);
  t.ncpus.assign(c.ncpus, c.ncpus + n);
  t.ngpus.assign(c.ngpus, c.ngpus + n);
  t.efa.assign(c.efa, c.efa + n);
  t.njobs.assign(c.njobs, c.njobs + n);
  t.free_ncpus.resize(n); t.free_ngpus.resize(n); t.mem.resize(n); t.free_mem.resize(n);
  t.cores.resize(n); t.ena_gbps.resize(n); t.numa.resize(n); t.up.resize(n); t.spot.resize(n); t.exclusive.resize(n);
  t.instance_type.resize(n); t.az.resize(n); t.group.resize(n); t.pg_partition.resize(n);
  t.pg_strategy.resize(n); t.net.resize(n);
  Remap itype(c.strings, &t.itype_ids_, &t.instance_type_names), az(c.strings, &t.az_ids_, &t.az_names),
      grp(c.strings, &t.group_ids_, &t.group_names);
  std::array<Remap, kLayers> net{Remap(c.strings, nullptr, nullptr), Remap(c.strings, nullptr, nullptr),
                                 Remap(c.strings, nullptr, nullptr)};
  for (size_t i = 0; i < n; ++i) {
    t.free_ncpus[i] = clamp_to(c.free_ncpus[i], t.ncpus[i]);
    t.free_ngpus[i] = clamp_to(c.free_ngpus[i], t.ngpus[i]);
    t.mem[i] = static_cast<uint64_t>(c.mem[i]);
    t.free_mem[i] = clamp_to(static_cast<uint64_t>(c.free_mem[i]), t.mem[i]);
    t.numa[i] = c.numa && c.numa[i] ? c.numa[i] : 1;
    const uint32_t cores = c.cores ? c.cores[i] : 0;
    t.cores[i] = cores && cores < t.ncpus[i] ? cores : t.ncpus[i];
    t.ena_gbps[i] = c.ena_gbps && c.ena_gbps[i] > 0 ? c.ena_gbps[i] : 0;  // NaN and negatives too
    t.up[i] = c.flags[i] & 1; t.spot[i] = (c.flags[i] >> 1) & 1; t.exclusive[i] = (c.flags[i] >> 2) & 1;
    t.instance_type[i] = itype(c.instance_type[i]);
    t.az[i] = az(c.az[i]);
    t.group[i] = grp(c.placement_group[i]);
    t.pg_strategy[i] = strategy_of(c.pg_strategy ? c.pg_strategy[i] : 0);
    t.pg_partition[i] = t.pg_strategy[i] == PgStrategy::Partition && c.pg_partition && c.pg_partition[i] >= 0 ? c.pg_partition[i] : -1;
    for (int l = 0; l < kLayers; ++l) t.net[i][l] = net[l](c.network_nodes[i * kLayers + l]);
  }
  for (int l = 0; l < kLayers; ++l) t.net_count[l] = net[l].count();
  t.build_domains();
  return t;
}

// Buckets nodes per network node at each level (linear: the dense ids index the buckets), then
// splits each bucket by placement group. Lists stay ascending because nodes are visited in order.
// Domain order does not matter for the answer: the best-fit order is total (level, stranded,
// first node) and the domains of one level are disjoint.
void Topology::build_domains() {
  const size_t n = size();
  std::vector<int32_t> gslot(group_names.size(), -1);
  for (int level = 0; level < kLevels; ++level) {
    const int layer = kLayers - 1 - level;
    auto& flat = domains[level];
    auto& split = group_domains[level];
    flat.clear(); split.clear();
    std::vector<int32_t>& of = domain_of_[0][level];
    std::vector<int32_t>& gof = domain_of_[1][level];
    of.assign(n, -1); gof.assign(n, -1);
    std::vector<int32_t> slot(level < kLevelCluster ? net_count[layer] : 1, -1);
    for (uint32_t i = 0; i < n; ++i) {
      const int32_t key = level < kLevelCluster ? net[i][layer] : 0;
      if (key < 0) continue;
      if (slot[key] < 0) { slot[key] = static_cast<int32_t>(flat.size()); flat.emplace_back(); }
      of[i] = slot[key];
      flat[slot[key]].push_back(i);
    }
    for (const std::vector<uint32_t>& d : flat) {
      std::vector<int32_t> touched;
      for (uint32_t i : d) {
        const int32_t g = group[i];
        if (g < 0) continue;
        if (gslot[g] < 0) { gslot[g] = static_cast<int32_t>(split.size()); split.emplace_back(); touched.push_back(g); }
        gof[i] = gslot[g];
        split[gslot[g]].push_back(i);
      }
      for (int32_t g : touched) gslot[g] = -1;
    }
    for (int g = 0; g < 2; ++g) {
      const size_t count = g ? split.size() : flat.size();
      stats_[g][level].assign(count, DomainStats{});
      totals_[g][level].assign(count, DomainStats{});
    }
  }
  for (uint32_t i = 0; i < n; ++i) {
    account(i, +1);
    const Share all{ncpus[i], true, true, efa[i] > 0};  // the node up, idle and free
    for (int g = 0; g < 2; ++g)
      for (int l = 0; l < kLevels; ++l)
        if (const int32_t d = domain_of_[g][l][i]; d >= 0) add(totals_[g][l][d], all, +1);
  }
  for (int g = 0; g < 2; ++g)
    for (int l = 0; l < kLevels; ++l) {
      LevelBounds& b = bounds_[g][l];
      b = LevelBounds{};
      for (const DomainStats& s : totals_[g][l]) {
        b.max_cpus = std::max(b.max_cpus, s.free_cpus);
        b.max_nodes = std::max(b.max_nodes, s.avail);
      }
    }
}

Topology::Share Topology::share(uint32_t n) const {
  if (!up[n] || exclusive[n]) return Share{};
  return Share{free_ncpus[n], true, njobs[n] == 0, efa[n] > 0};
}

void Topology::add(DomainStats& s, const Share& c, int sign) {
  if (!c.avail) return;
  // Unsigned +1 / -1: every removal follows the addition of the same share, so nothing underflows.
  const uint32_t u = sign > 0 ? 1u : ~0u;
  const uint64_t w = sign > 0 ? 1u : ~uint64_t{0};
  const int k = band_of(c.free);
  s.free_cpus += w * c.free;
  s.avail += u;
  if (c.idle) s.idle += u;
  if (k >= 0) s.by_band[k] += u;
  if (!c.efa) return;
  s.efa_free_cpus += w * c.free;
  if (c.idle) s.efa_idle += u;
  if (k >= 0) s.efa_by_band[k] += u;
}

void Topology::account(uint32_t n, int sign) {
  const Share c = share(n);
  if (!c.avail) return;
  for (int g = 0; g < 2; ++g)
    for (int l = 0; l < kLevels; ++l)
      if (const int32_t d = domain_of_[g][l][n]; d >= 0) add(stats_[g][l][d], c, sign);
}

DomainStats Topology::recount(int level, bool by_group, size_t d) const {
  DomainStats s;
  for (uint32_t n : (by_group ? group_domains : domains)[level][d]) add(s, share(n), +1);
  return s;
}

size_t Topology::bytes() const {
  size_t b = size() * (8 * sizeof(uint32_t) + 2 * sizeof(uint64_t) + sizeof(double) + 3 + 4 * sizeof(int32_t) + 1 +
                       sizeof(std::array<int32_t, kLayers>) + sizeof(std::string));
  for (const std::string& s : names) b += s.capacity() > 15 ? s.capacity() + 1 : 0;
  for (int g = 0; g < 2; ++g)
    for (int l = 0; l < kLevels; ++l) {
      b += domain_of_[g][l].capacity() * sizeof(int32_t);
      b += (stats_[g][l].capacity() + totals_[g][l].capacity()) * sizeof(DomainStats);
      for (const auto& d : (g ? group_domains : domains)[l]) b += sizeof(d) + d.capacity() * sizeof(uint32_t);
    }
  return b;
}

bool Topology::allocate(uint32_t node, uint32_t cpus, uint64_t m, uint32_t gpus, bool excl) {
  if (node >= size() || free_ncpus[node] < cpus || free_mem[node] < m || free_ngpus[node] < gpus) return false;
  account(node, -1);
  free_ncpus[node] -= cpus;
  free_mem[node] -= m;
  free_ngpus[node] -= gpus;
  njobs[node] += 1;
  if (excl) exclusive[node] = 1;
  account(node, +1);
  return true;
}

bool Topology::release(uint32_t node, uint32_t cpus, uint64_t m, uint32_t gpus) {
  if (node >= size() || free_ncpus[node] + cpus > ncpus[node] || free_mem[node] + m > mem[node] ||
      free_ngpus[node] + gpus > ngpus[node] || njobs[node] == 0) {
    return false;
  }
  account(node, -1);
  free_ncpus[node] += cpus;
  free_mem[node] += m;
  free_ngpus[node] += gpus;
  njobs[node] -= 1;
  if (njobs[node] == 0) exclusive[node] = 0;
  account(node, +1);
  return true;
}

void Topology::set_free(uint32_t node, uint32_t cpus, uint64_t m, uint32_t gpus) {
  if (node >= size()) return;
  account(node, -1);
  free_ncpus[node] = cpus < ncpus[node] ? cpus : ncpus[node];
  free_mem[node] = m < mem[node] ? m : mem[node];
  free_ngpus[node] = gpus < ngpus[node] ? gpus : ngpus[node];
  account(node, +1);
}

}  // namespace fleetq
