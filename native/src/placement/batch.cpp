// The scheduler's batch: one request after the other on a working copy, each success taken out of
// the free resources before the next is placed.
#include <algorithm>

#include "internal.h"

namespace fleetq {

namespace {
struct NodeUse {
  uint32_t node;
  uint64_t cpus, mem, gpus;
};

// What the placement takes per node (a node with several chunk instances counts one job).
std::vector<NodeUse> per_node(const Placement& p) {
  std::vector<NodeUse> use;
  for (const Slot& s : p.slots) use.push_back(NodeUse{s.node, s.ncpus, s.mem, s.ngpus});
  std::sort(use.begin(), use.end(), [](const NodeUse& a, const NodeUse& b) { return a.node < b.node; });
  std::vector<NodeUse> out;
  for (const NodeUse& u : use) {
    if (!out.empty() && out.back().node == u.node) {
      out.back().cpus += u.cpus; out.back().mem += u.mem; out.back().gpus += u.gpus;
    } else {
      out.push_back(u);
    }
  }
  return out;
}
}  // namespace

bool commit(Topology& t, const Request& req, const Placement& p) {
  const std::vector<NodeUse> use = per_node(p);
  for (const NodeUse& u : use)
    if (u.node >= t.size() || t.free_ncpus[u.node] < u.cpus || t.free_mem[u.node] < u.mem || t.free_ngpus[u.node] < u.gpus) return false;
  const bool excl = req.sharing != Sharing::Shared;
  for (const NodeUse& u : use)
    t.allocate(u.node, static_cast<uint32_t>(u.cpus), u.mem, static_cast<uint32_t>(u.gpus), excl);
  return true;
}

std::vector<Placement> place_all_on(Topology& work, const std::vector<Request>& reqs) {
  std::vector<Placement> out;
  out.reserve(reqs.size());
  for (const Request& r : reqs) {
    out.push_back(place(work, r));
    if (out.back().ok) commit(work, r, out.back());  // cannot fail: place never over-commits
  }
  return out;
}

std::vector<Placement> place_all(const Topology& topo, const std::vector<Request>& reqs) {
  Topology work = topo;
  return place_all_on(work, reqs);
}

}  // namespace fleetq
