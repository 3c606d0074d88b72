// Feasibility filters, in the order a "no" is reported.
#include "internal.h"

namespace fleetq::detail {

Reason check_node(const Topology& t, uint32_t n, const ChunkReq& c, Sharing sharing) {
  if (!t.up[n]) return Reason::Down;
  if (c.efa && t.efa[n] == 0) return Reason::LacksEfa;
  if (c.instance_type >= 0 && t.instance_type[n] != c.instance_type) return Reason::WrongType;
  if (c.capacity == Capacity::Spot && !t.spot[n]) return Reason::WrongCapacity;
  if (c.capacity == Capacity::OnDemand && t.spot[n]) return Reason::WrongCapacity;
  if (t.ncpus[n] < c.ncpus || t.mem[n] < c.mem || t.ngpus[n] < c.ngpus) return Reason::TooSmall;
  if (t.exclusive[n] || (sharing != Sharing::Shared && t.njobs[n] > 0)) return Reason::Exclusive;
  if (t.free_ncpus[n] < c.ncpus || t.free_mem[n] < c.mem || t.free_ngpus[n] < c.ngpus) return Reason::Busy;
  return Reason::kCount;
}

}  // namespace fleetq::detail
