// Candidate domains per network level: the nodes below one network node (and in one placement
// group when the request asks), so best fit can prefer the lowest node that holds the whole job.
// Topology::build computes them once; this stage picks the right set.
#include "internal.h"

namespace fleetq::detail {

const std::vector<std::vector<uint32_t>>& domains(const Topology& t, int level, bool same_group) {
  return same_group ? t.group_domains[level] : t.domains[level];
}

}  // namespace fleetq::detail
