// Fits every chunk instance of a request inside one domain, or nothing.
#include <algorithm>
#include <numeric>
#include <tuple>
#include <unordered_map>

#include "internal.h"

namespace fleetq::detail {

namespace {

struct Used {
  uint64_t cpus = 0;
  uint64_t mem = 0;
  uint64_t gpus = 0;
};

Slot take(uint32_t n, uint32_t ci, const ChunkReq& c, Used& u) {
  u.cpus += c.ncpus;
  u.mem += c.mem;
  u.gpus += c.ngpus;
  return Slot{n, ci, c.ncpus, c.mem, c.ngpus, c.mpiprocs};
}

// Can node n take one more instance of c, given what this request already took there?
bool room(const View& v, uint32_t n, const ChunkReq& c, Sharing sharing, const Used& u) {
  Reason r = check_node(v, n, c, sharing);
  if (r != Reason::kCount && r != Reason::Busy) return false;
  return v.free_ncpus(n) >= u.cpus + c.ncpus && v.free_mem(n) >= u.mem + c.mem && v.free_ngpus(n) >= u.gpus + c.ngpus;
}

// How many instances of c node n can host now (it passed the filters), at most `want`.
uint32_t capacity(const View& v, uint32_t n, const ChunkReq& c, uint32_t want) {
  uint64_t k = c.ncpus ? v.free_ncpus(n) / c.ncpus : want;
  if (c.mem) k = std::min<uint64_t>(k, v.free_mem(n) / c.mem);
  if (c.ngpus) k = std::min<uint64_t>(k, v.free_ngpus(n) / c.ngpus);
  return static_cast<uint32_t>(std::min<uint64_t>(k, want));
}

// One chunk kind, not packed: each node in order takes as many instances as it holds (one when
// distinct) — what the general first fit below does for one kind, without its bookkeeping.
bool fill_single(const View& v, const std::vector<uint32_t>& d, const Request& req, bool distinct, std::vector<Slot>& out) {
  const ChunkReq& c = req.chunks[0];
  uint32_t left = c.count;
  for (uint32_t n : d) {
    if (left == 0) break;
    if (check_node(v, n, c, req.sharing) != Reason::kCount) continue;
    const uint32_t k = distinct ? 1 : capacity(v, n, c, left);
    for (uint32_t i = 0; i < k; ++i) out.push_back(Slot{n, 0, c.ncpus, c.mem, c.ngpus, c.mpiprocs});
    left -= k;
  }
  return left == 0;
}

bool fill_pack(const View& v, const std::vector<uint32_t>& d, const Request& req, std::vector<Slot>& out) {
  Used sum;
  for (const ChunkReq& c : req.chunks) {
    sum.cpus += static_cast<uint64_t>(c.count) * c.ncpus;
    sum.mem += static_cast<uint64_t>(c.count) * c.mem;
    sum.gpus += static_cast<uint64_t>(c.count) * c.ngpus;
  }
  for (uint32_t n : d) {
    bool ok = v.free_ncpus(n) >= sum.cpus && v.free_mem(n) >= sum.mem && v.free_ngpus(n) >= sum.gpus;
    for (const ChunkReq& c : req.chunks) ok = ok && check_node(v, n, c, req.sharing) == Reason::kCount;
    if (!ok) continue;
    Used u;
    for (uint32_t ci = 0; ci < req.chunks.size(); ++ci)
      for (uint32_t k = 0; k < req.chunks[ci].count; ++k) out.push_back(take(n, ci, req.chunks[ci], u));
    return true;
  }
  return false;
}

bool fill_spread(const View& v, const std::vector<uint32_t>& d, const Request& req, bool distinct,
                 const std::vector<uint32_t>& order, std::vector<Slot>& out) {
  std::unordered_map<uint32_t, Used> used;
  for (uint32_t ci : order) {
    const ChunkReq& c = req.chunks[ci];
    size_t cursor = 0;
    for (uint32_t k = 0; k < c.count; ++k) {
      bool placed = false;
      for (; cursor < d.size(); ++cursor) {
        const uint32_t n = d[cursor];
        if (distinct && used.count(n)) continue;
        Used u = used.count(n) ? used[n] : Used{};
        if (room(v, n, c, req.sharing, u)) {
          out.push_back(take(n, ci, c, used[n]));
          placed = true;
          if (distinct) ++cursor;
          break;
        }
      }
      if (!placed) return false;
    }
  }
  // Slots are reported in select order, whatever order the kinds were filled in.
  std::stable_sort(out.begin(), out.end(), [](const Slot& a, const Slot& b) { return a.chunk < b.chunk; });
  return true;
}

// The order chunk kinds are filled in: the most constrained first (GPUs, then EFA, a named instance
// type or capacity, then the most cpus and memory), select order among equals. In select order a
// first fit can give a small cpu-only chunk the GPU node that a later GPU chunk needs.
std::vector<uint32_t> constrained_first(const Request& req) {
  std::vector<uint32_t> order(req.chunks.size());
  std::iota(order.begin(), order.end(), 0u);
  auto key = [&](uint32_t i) {
    const ChunkReq& c = req.chunks[i];
    return std::make_tuple(c.ngpus, c.efa, c.instance_type != -1, c.capacity != Capacity::Any, c.ncpus, c.mem);
  };
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return key(a) > key(b); });
  return order;
}

}  // namespace

bool fill(const View& v, const std::vector<uint32_t>& d, const Request& req, const Need& need, std::vector<Slot>& out) {
  out.clear();
  if (need.single) return fill_single(v, d, req, need.distinct, out);
  if (req.arrangement == Arrangement::Pack) return fill_pack(v, d, req, out);
  // Greedy, so not complete for every mix of kinds: the constrained-first order, then select order.
  const std::vector<uint32_t> order = constrained_first(req);
  if (fill_spread(v, d, req, need.distinct, order, out)) return true;
  if (std::is_sorted(order.begin(), order.end())) return false;
  out.clear();
  std::vector<uint32_t> select(order.size());
  std::iota(select.begin(), select.end(), 0u);
  return fill_spread(v, d, req, need.distinct, select, out);
}

}  // namespace fleetq::detail
