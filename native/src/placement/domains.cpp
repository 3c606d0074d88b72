// Candidate domains per network level: the nodes below one network node (and in one placement
// group when the request asks), so best fit can prefer the lowest node that holds the whole job.
#include <algorithm>
#include <map>
#include <utility>

#include "internal.h"

namespace fleetq::detail {

std::vector<std::vector<uint32_t>> domains(const Topology& t, int level, bool same_group) {
  const uint32_t n = static_cast<uint32_t>(t.size());
  // key: (network node at this level or 0 for the cluster, placement group or 0)
  std::map<std::pair<int32_t, int32_t>, std::vector<uint32_t>> by_key;
  const int layer = kLayers - 1 - level;  // level 0 = bottom layer
  for (uint32_t i = 0; i < n; ++i) {
    int32_t net = 0;
    if (level < kLevelCluster) {
      net = t.net[i][layer];
      if (net < 0) continue;
    }
    int32_t grp = 0;
    if (same_group) {
      grp = t.group[i];
      if (grp < 0) continue;
    }
    by_key[{net, grp}].push_back(i);  // ascending: i increases
  }
  std::vector<std::vector<uint32_t>> out;
  out.reserve(by_key.size());
  for (auto& kv : by_key) out.push_back(std::move(kv.second));
  return out;
}

}  // namespace fleetq::detail
