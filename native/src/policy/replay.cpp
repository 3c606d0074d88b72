// Replay: the trace replay's event loop (replay.h), event for event as src/sim/replay.ts runs it.
#include "fleetq/replay.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <queue>
#include <unordered_map>
#include <utility>

namespace fleetq {

namespace {
// A min-heap of (time, job index): earliest first, ties by index (deterministic).
using Heap = std::priority_queue<std::pair<Seconds, uint32_t>, std::vector<std::pair<Seconds, uint32_t>>,
                                 std::greater<std::pair<Seconds, uint32_t>>>;
}  // namespace

struct Replay::State {
  State(uint32_t procs, Backfill m, ReplayOrder o, bool tl, Seconds first)
      : mode(m), order(o), want_timeline(tl), topo(machine(procs)), profile(topo, first), now(first) {}

  static Topology machine(uint32_t procs) {
    NodeSpec n;
    n.name = "machine";
    n.ncpus = n.free_ncpus = procs;
    return Topology::build({n});
  }

  // A waiting job, in cycle order (fcfs: by key; sjf: by estimate, then key).
  struct Entry {
    uint32_t job;
    uint64_t key;
    Seconds duration;
    const Request* request;
    uint64_t reservation;
  };

  Backfill mode;
  ReplayOrder order;
  bool want_timeline;
  Topology topo;
  Profile profile;
  std::vector<uint32_t> by_submit, pos;
  size_t next = 0;
  Heap ends, deferred;
  std::vector<std::vector<uint32_t>> dependents;
  std::unordered_map<uint32_t, Request> requests;  // by processors (node-based: pointers stay)
  std::vector<Entry> waiting;
  uint64_t keys = 0;
  std::vector<uint64_t> booking;
  uint64_t busy = 0;
  CycleStats stats;
  Seconds now = 0;

  const Request* request(uint32_t procs) {
    auto it = requests.find(procs);
    if (it == requests.end()) {
      Request r;
      ChunkReq c;
      c.count = 1;
      c.ncpus = procs;
      c.mpiprocs = procs;
      r.chunks.push_back(c);
      it = requests.emplace(procs, std::move(r)).first;
    }
    return &it->second;
  }
};

namespace {
Seconds first_submit(const std::vector<TraceJob>& jobs) {
  Seconds t = jobs.empty() ? 0 : jobs[0].submit;
  for (const TraceJob& j : jobs) t = std::min(t, j.submit);
  return t;
}
}  // namespace

Replay::Replay(uint32_t procs, std::vector<TraceJob> jobs, Backfill mode, ReplayOrder order, bool timeline)
    : s_(std::make_unique<State>(procs, mode, order, timeline, first_submit(jobs))), jobs_(std::move(jobs)) {
  const size_t n = jobs_.size();
  eligible_.resize(n);
  start_.assign(n, -1);
  end_.assign(n, 0);
  State& s = *s_;
  s.by_submit.resize(n);
  for (uint32_t i = 0; i < n; ++i) { s.by_submit[i] = i; eligible_[i] = jobs_[i].submit; }
  std::stable_sort(s.by_submit.begin(), s.by_submit.end(), [&](uint32_t a, uint32_t b) { return jobs_[a].submit < jobs_[b].submit; });
  s.pos.resize(n);
  for (uint32_t i = 0; i < n; ++i) s.pos[s.by_submit[i]] = i;
  s.dependents.resize(n);
  s.booking.assign(n, 0);
}

Replay::~Replay() = default;

void Replay::enqueue(uint32_t k) {
  State& s = *s_;
  const TraceJob& j = jobs_[k];
  State::Entry e{k, s.keys++, std::max<Seconds>(j.estimate, 1), s.request(j.procs), 0};
  if (s.order == ReplayOrder::Fcfs) { s.waiting.push_back(e); return; }
  // Shortest estimate first, then by key: placed after every entry that sorts before it.
  auto at = std::upper_bound(s.waiting.begin(), s.waiting.end(), e, [](const State::Entry& a, const State::Entry& b) {
    return a.duration != b.duration ? a.duration < b.duration : a.key < b.key;
  });
  s.waiting.insert(at, e);
}

// A job is let in once its preceding job has ended, think time later (not before its own submit).
void Replay::let_in(uint32_t k, Seconds pred_end) {
  State& s = *s_;
  eligible_[k] = std::max(jobs_[k].submit, pred_end + std::max<Seconds>(0, jobs_[k].think));
  if (eligible_[k] <= s.now) enqueue(k); else s.deferred.emplace(eligible_[k], k);
}

void Replay::submit(uint32_t k) {
  State& s = *s_;
  const int64_t p = jobs_[k].preceding;
  // Only a job submitted earlier counts (a later one would allow a cycle of jobs waiting on each other).
  if (p < 0 || static_cast<size_t>(p) >= jobs_.size() || s.pos[p] >= s.pos[k]) { enqueue(k); return; }
  if (start_[p] < 0 || end_[p] > s.now) { s.dependents[p].push_back(k); return; }
  let_in(k, end_[p]);
}

void Replay::cycle() {
  State& s = *s_;
  int64_t last_kept = -1;
  if (s.mode == Backfill::Conservative)  // only conservative reservations are kept
    for (size_t i = 0; i < s.waiting.size(); ++i)
      if (s.waiting[i].reservation != 0) last_kept = static_cast<int64_t>(i);
  auto at = [&](size_t i) {
    const State::Entry& e = s.waiting[i];
    return Waiting{e.request, e.duration, s.mode, 0, e.reservation};
  };
  s.stats.checks = 0;
  const std::vector<Decided> ds = schedule(s.profile, s.waiting.size(), at, last_kept, &s.stats, nullptr, /*estimates=*/false);
  checks_ += s.stats.checks;
  ++cycles_;
  // Every kept reservation was consumed; the decisions say which are booked again.
  if (last_kept >= 0) for (State::Entry& e : s.waiting) e.reservation = 0;
  bool any_start = false;
  for (const Decided& d : ds) {
    State::Entry& e = s.waiting[d.index];
    if (d.decision.action == Action::Reserve) { e.reservation = d.decision.booking; continue; }
    if (d.decision.action != Action::Start) continue;
    const uint32_t k = e.job;
    start_[k] = s.now;
    end_[k] = s.now + jobs_[k].run;
    s.booking[k] = d.decision.booking;
    s.busy += jobs_[k].procs;
    s.ends.emplace(end_[k], k);
    e.job = UINT32_MAX;  // gone
    any_start = true;
  }
  if (any_start)
    s.waiting.erase(std::remove_if(s.waiting.begin(), s.waiting.end(), [](const State::Entry& e) { return e.job == UINT32_MAX; }), s.waiting.end());
}

bool Replay::step(uint64_t max_ends) {
  State& s = *s_;
  const size_t n = jobs_.size();
  const uint64_t stop_at = max_ends > UINT64_MAX - ended_ ? UINT64_MAX : ended_ + max_ends;
  while (s.next < n || !s.ends.empty() || !s.deferred.empty()) {
    if (ended_ >= stop_at) return false;
    Seconds t = std::numeric_limits<Seconds>::max();
    if (s.next < n) t = std::min(t, jobs_[s.by_submit[s.next]].submit);
    if (!s.ends.empty()) t = std::min(t, s.ends.top().first);
    if (!s.deferred.empty()) t = std::min(t, s.deferred.top().first);
    s.now = t;
    s.profile.advance(t);
    while (!s.ends.empty() && s.ends.top().first == t) {
      const uint32_t k = s.ends.top().second;
      s.ends.pop();
      s.profile.release(s.booking[k]);
      s.busy -= jobs_[k].procs;
      for (uint32_t d : s.dependents[k]) let_in(d, t);
      s.dependents[k].clear();
      ++ended_;
    }
    while (s.next < n && jobs_[s.by_submit[s.next]].submit == t) submit(s.by_submit[s.next++]);
    while (!s.deferred.empty() && s.deferred.top().first == t) {
      const uint32_t k = s.deferred.top().second;
      s.deferred.pop();
      enqueue(k);
    }
    if (!s.waiting.empty()) cycle();
    if (s.want_timeline) timeline_.push_back(TimelinePoint{t, static_cast<uint32_t>(s.waiting.size()), s.busy});
  }
  return true;
}

}  // namespace fleetq
