// Fits every chunk instance of a request inside one domain, or nothing.
#include <unordered_map>

#include "internal.h"

namespace fleetq::detail {

namespace {

struct Used {
  uint32_t cpus = 0;
  uint64_t mem = 0;
  uint32_t gpus = 0;
};

// Can node n take one more instance of c, given what this request already took there?
bool room(const Topology& t, uint32_t n, const ChunkReq& c, Sharing sharing, const Used& u) {
  Reason r = check_node(t, n, c, sharing);
  if (r != Reason::kCount && r != Reason::Busy) return false;
  return t.free_ncpus[n] >= u.cpus + c.ncpus && t.free_mem[n] >= u.mem + c.mem && t.free_ngpus[n] >= u.gpus + c.ngpus;
}

Slot take(uint32_t n, uint32_t ci, const ChunkReq& c, Used& u) {
  u.cpus += c.ncpus;
  u.mem += c.mem;
  u.gpus += c.ngpus;
  return Slot{n, ci, c.ncpus, c.mem, c.ngpus, c.mpiprocs};
}

bool fill_pack(const Topology& t, const std::vector<uint32_t>& d, const Request& req, std::vector<Slot>& out) {
  ChunkReq sum{1, 0, 0, 0, 0, false, -1, Capacity::Any};
  for (const ChunkReq& c : req.chunks) {
    sum.ncpus += c.count * c.ncpus;
    sum.mem += c.count * c.mem;
    sum.ngpus += c.count * c.ngpus;
  }
  for (uint32_t n : d) {
    bool ok = check_node(t, n, sum, req.sharing) == Reason::kCount;
    for (const ChunkReq& c : req.chunks) ok = ok && check_node(t, n, c, req.sharing) == Reason::kCount;
    if (!ok) continue;
    Used u;
    for (uint32_t ci = 0; ci < req.chunks.size(); ++ci)
      for (uint32_t k = 0; k < req.chunks[ci].count; ++k) out.push_back(take(n, ci, req.chunks[ci], u));
    return true;
  }
  return false;
}

bool fill_spread(const Topology& t, const std::vector<uint32_t>& d, const Request& req, bool distinct,
                 std::vector<Slot>& out) {
  std::unordered_map<uint32_t, Used> used;
  for (uint32_t ci = 0; ci < req.chunks.size(); ++ci) {
    const ChunkReq& c = req.chunks[ci];
    size_t cursor = 0;
    for (uint32_t k = 0; k < c.count; ++k) {
      bool placed = false;
      for (; cursor < d.size(); ++cursor) {
        const uint32_t n = d[cursor];
        auto it = used.find(n);
        if (distinct && it != used.end()) continue;
        Used& u = used[n];
        if (room(t, n, c, req.sharing, u)) {
          out.push_back(take(n, ci, c, u));
          placed = true;
          if (distinct) ++cursor;
          break;
        }
        if (u.cpus == 0 && u.mem == 0 && u.gpus == 0) used.erase(n);
      }
      if (!placed) return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::vector<Slot>> fill(const Topology& t, const std::vector<uint32_t>& d, const Request& req,
                                      uint64_t* stranded) {
  uint64_t need = 0, have = 0;
  for (const ChunkReq& c : req.chunks) need += static_cast<uint64_t>(c.count) * c.ncpus;
  for (uint32_t n : d)
    if (t.up[n] && !t.exclusive[n]) have += t.free_ncpus[n];
  if (have < need) return std::nullopt;  // the domain's aggregate rules it out
  std::vector<Slot> out;
  bool ok = false;
  switch (req.arrangement) {
    case Arrangement::Pack: ok = fill_pack(t, d, req, out); break;
    case Arrangement::Scatter:
    case Arrangement::VScatter: ok = fill_spread(t, d, req, true, out); break;
    case Arrangement::Free: ok = fill_spread(t, d, req, false, out); break;
  }
  if (!ok) return std::nullopt;
  *stranded = have - need;
  return out;
}

}  // namespace fleetq::detail
