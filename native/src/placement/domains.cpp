// Candidate domains per network level: the nodes below one network node (and in one placement
// group when the request asks), so best fit can prefer the lowest node that holds the whole job.
// Topology::build computes them once and keeps their aggregates; this stage picks the domains
// that may hold the job and hands them out in the comparator's order.
#include <algorithm>

#include "internal.h"

namespace fleetq::detail {

namespace {
// Heap order: the top is the least free (least stranded), then the lowest first node.
bool after(const Candidate& a, const Candidate& b) {
  if (a.free_cpus != b.free_cpus) return a.free_cpus > b.free_cpus;
  return a.first > b.first;
}
}  // namespace

const std::vector<std::vector<uint32_t>>& domains(const Topology& t, int level, bool same_group) {
  return same_group ? t.group_domains[level] : t.domains[level];
}

void candidates(const View& v, int level, bool same_group, const Need& need, std::vector<Candidate>& queue) {
  queue.clear();
  const auto& ds = domains(v.t, level, same_group);
  for (uint32_t i = 0; i < ds.size(); ++i) {
    const DomainStats& s = v.stats(level, same_group, i);
    if (may_hold(s, need)) queue.push_back(Candidate{s.free_cpus, ds[i].front(), i});
  }
  std::make_heap(queue.begin(), queue.end(), after);  // linear; only the few visited are popped
}

Candidate next_candidate(std::vector<Candidate>& queue) {
  std::pop_heap(queue.begin(), queue.end(), after);
  Candidate c = queue.back();
  queue.pop_back();
  return c;
}

}  // namespace fleetq::detail
