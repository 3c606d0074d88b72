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

void CandidateQueue::fill(const View& v, int level, bool same_group, const Need& need) {
  items_.clear();
  heaped_ = false;
  popped_ = 0;
  min_ = 0;
  ties_ = 0;
  const auto& ds = domains(v.t, level, same_group);
  for (uint32_t i = 0; i < ds.size(); ++i) {
    const DomainStats& s = v.stats(level, same_group, i);
    if (!may_hold(s, need)) continue;
    const Candidate c{s.free_cpus, ds[i].front(), i};
    if (items_.empty() || after(items_[min_], c)) {
      ties_ = items_.empty() || items_[min_].free_cpus != c.free_cpus ? 1 : ties_ + 1;
      min_ = items_.size();
    } else if (items_[min_].free_cpus == c.free_cpus) {
      ++ties_;
    }
    items_.push_back(c);
  }
}

Candidate CandidateQueue::pop() {
  if (popped_++ == 0) {  // the first pop: the minimum, without building the heap
    const Candidate c = items_[min_];
    items_[min_] = items_.back();
    items_.pop_back();
    return c;
  }
  if (!heaped_) {
    std::make_heap(items_.begin(), items_.end(), after);
    heaped_ = true;
  }
  std::pop_heap(items_.begin(), items_.end(), after);
  const Candidate c = items_.back();
  items_.pop_back();
  return c;
}

}  // namespace fleetq::detail
