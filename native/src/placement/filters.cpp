// Feasibility filters, in the order a "no" is reported.
#include "internal.h"

namespace fleetq::detail {

Reason check_node(const View& v, uint32_t n, const ChunkReq& c, Sharing sharing) {
  const Topology& t = v.t;
  if (!v.up(n)) return Reason::Down;
  if (c.efa && t.efa[n] == 0) return Reason::LacksEfa;
  if (c.instance_type != -1 && t.instance_type[n] != c.instance_type) return Reason::WrongType;
  if (c.capacity == Capacity::Spot && !t.spot[n]) return Reason::WrongCapacity;
  if (c.capacity == Capacity::OnDemand && t.spot[n]) return Reason::WrongCapacity;
  if (t.ncpus[n] < c.ncpus || t.mem[n] < c.mem || t.ngpus[n] < c.ngpus) return Reason::TooSmall;
  if (v.exclusive(n) || (sharing != Sharing::Shared && v.njobs(n) > 0)) return Reason::Exclusive;
  if (v.free_ncpus(n) < c.ncpus || v.free_mem(n) < c.mem || v.free_ngpus(n) < c.ngpus) return Reason::Busy;
  return Reason::kCount;
}

}  // namespace fleetq::detail
