// The scheduler's batch: one request after the other on a working copy, each success taken out of
// the free resources before the next is placed.
#include <algorithm>
#include <string>
#include <unordered_map>

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
// Every field of a request as bytes: equal keys, equal requests.
std::string key_of(const Request& r) {
  std::string k;
  auto put = [&k](const auto& v) { k.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(r.arrangement); put(r.sharing); put(r.same_group);
  for (const ChunkReq& c : r.chunks) {
    put(c.count); put(c.ncpus); put(c.mem); put(c.ngpus); put(c.mpiprocs); put(c.efa); put(c.instance_type); put(c.capacity);
  }
  return k;
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
  // Failures since the last success, by request: placement is a pure function of (topology,
  // request) and a failure changes nothing, so an identical request gets the identical answer
  // without a second diagnosis (the tail of a full queue is mostly a few job shapes, repeated).
  std::unordered_map<std::string, size_t> failed;
  for (const Request& r : reqs) {
    const std::string key = key_of(r);
    if (auto it = failed.find(key); it != failed.end()) {
      out.push_back(out[it->second]);
      continue;
    }
    out.push_back(place(work, r));
    if (!out.back().ok) {
      failed.emplace(key, out.size() - 1);
    } else {
      commit(work, r, out.back());  // cannot fail: place never over-commits
      failed.clear();
    }
  }
  return out;
}

std::vector<Placement> place_all(const Topology& topo, const std::vector<Request>& reqs) {
  Topology work = topo;
  return place_all_on(work, reqs);
}

}  // namespace fleetq
