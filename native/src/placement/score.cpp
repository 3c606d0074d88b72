// Scorer: the keys `better` (placement.h) compares, for one filled domain.
#include "internal.h"

namespace fleetq::detail {

Score score(int level, const Candidate& c, const Need& need, const std::vector<Slot>& slots) {
  Score s{level, c.free_cpus - need.cpus, slots.empty() ? c.first : slots.front().node};
  for (const Slot& x : slots) s.first_node = x.node < s.first_node ? x.node : s.first_node;
  return s;
}

}  // namespace fleetq::detail
