// schedule(): one cycle of the scheduling policy on a backfill profile (policy.h).
#include <algorithm>
#include <vector>

#include "fleetq/policy.h"

namespace fleetq {

namespace {

std::vector<uint32_t> nodes_of(const Placement& p) {
  std::vector<uint32_t> out;
  for (const Slot& s : p.slots) out.push_back(s.node);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

uint64_t cpus_of(const Request& r) {
  uint64_t n = 0;
  for (const ChunkReq& c : r.chunks) n += uint64_t{c.count} * c.ncpus;
  return n;
}

class Cycle {
 public:
  Cycle(Profile& p, CycleStats* stats, std::vector<Decided>& out)
      : p_(p), now_(p.now()), stats_(stats ? *stats : own_), out_(out), seen_(stats_.gains_seen) {}

  bool blocked() const { return blocked_; }

  // Decides job `i`; a decision other than a plain wait is appended to the output.
  void decide(size_t i, const Waiting& w) {
    // The common case under load, answered before any Decision is built: a job with no kept
    // reservation that cannot start now (too few cpus free) behind a block or its queue's EASY head.
    if (w.reservation == 0 && (blocked_ || (w.mode == Backfill::Easy && !easy_open(w.queue) && cpus_of(*w.request) > free_cpus()))) return;
    Decision d = decide_one(i, w);
    if (d.action != Action::Wait || d.never) out_.push_back(Decided{i, std::move(d)});
  }

  // Ends the cycle: EASY reservations never needed by a later job are booked only when `estimates`
  // (the daemon shows their start); EASY bookings are released — they constrain only the cycle
  // that made them. Decisions come out in job order.
  void finish(bool estimates) {
    // Booked in order, not merely estimated one by one: each queue's head must see the heads
    // before it, or two heads would be shown starting on the same free cpus (released below).
    if (estimates) materialize();
    heads_.clear();
    // Only EASY reservations booked late come out of order (rarely): sort only then.
    auto by_index = [](const Decided& a, const Decided& b) { return a.index < b.index; };
    if (!std::is_sorted(out_.begin(), out_.end(), by_index)) std::stable_sort(out_.begin(), out_.end(), by_index);
    release_easy();
  }

 private:
  // A queue's first waiting EASY job whose reservation is not booked yet: booked only when a later
  // job might start or book (materialize()) — under load most cycles have no such job, and the
  // booking (and its release) is skipped.
  struct Head { size_t index; const Request* req; Seconds d; };

  Decision decide_one(size_t i, const Waiting& w) {
    const Request& req = *w.request;
    const Seconds d = std::max<Seconds>(w.duration, 1);
    if (w.reservation != 0) { materialize(); return compress(w, req, d); }
    if (blocked_) return Decision{};
    // Cheap necessary test before the sweep: the cpus asked for must be free somewhere now.
    if (cpus_of(req) <= free_cpus()) {
      materialize();
      ++stats_.checks;
      StartPlan now = p_.earliest_start(req, d, now_, now_);
      if (now.ok) return start(req, d, now.placement);
    }
    switch (w.mode) {
      // A job that can never fit this cluster neither blocks the queue nor takes its one EASY
      // reservation: it waits, marked `never` (PBS's "Can Never Run"), and the others go on.
      case Backfill::None:
        if (Decision no = never(req); no.never) return no;
        blocked_ = true;
        return Decision{};
      case Backfill::Easy:
        if (!easy_open(w.queue)) return Decision{};
        if (Decision no = never(req); no.never) return no;
        easy_taken(w.queue);
        heads_.push_back(Head{i, &req, d});
        return Decision{};
      case Backfill::Conservative:
        if (stats_.reservation_limit != 0 && new_reservations_ >= stats_.reservation_limit) return Decision{};
        ++new_reservations_;
        materialize();
        return reserve(req, d, /*keep=*/true);
    }
    return Decision{};
  }

  // Books the pending EASY reservations, in order, before anything later can take resources.
  void materialize() {
    for (const Head& h : heads_) {
      Decision d = reserve(*h.req, h.d, /*keep=*/false);
      if (d.action != Action::Wait || d.never) out_.push_back(Decided{h.index, std::move(d)});
    }
    heads_.clear();
  }

  // Releases made here that free nothing net — EASY bookings of this cycle, reservations booked
  // again where they were — do not count as gains: the next cycle need not compress for them. A
  // reservation that moved earlier freed its old window, which the reservations compressed before
  // it in this cycle did not see: then the next cycle compresses again (it converges: starts only
  // move earlier).
  // Releases made here that free nothing net — EASY bookings of this cycle, reservations booked
  // again where they were — do not count as gains: the next cycle need not compress for them. A
  // reservation that moved earlier freed its old window, which the reservations compressed before
  // it in this cycle did not see: then the next cycle compresses again (it converges: starts only
  // move earlier).
  void release_easy() {
    for (uint64_t id : easy_) p_.release(id);
    stats_.gains_seen = moved_ > 0 ? gains_at_start_ : p_.gains() - neutral_ - easy_.size();
  }

  uint64_t free_cpus() const { return p_.topology().stats(kLevelCluster, false, 0).free_cpus; }

  // A wait marked `never` when the request cannot fit this cluster even idle; else a plain wait.
  Decision never(const Request& req) const {
    Decision out;
    if (p_.never_fits(req)) { out.never = true; out.placement = place(p_.topology(), req); }
    return out;
  }

  bool easy_open(uint32_t q) const { return q >= easy_queue_.size() || !easy_queue_[q]; }

  // True when the queue's EASY reservation is already made this cycle; else claims it.
  bool easy_taken(uint32_t q) {
    if (q >= easy_queue_.size()) easy_queue_.resize(q + 1, 0);
    if (easy_queue_[q]) return true;
    easy_queue_[q] = 1;
    return false;
  }

  Decision start(const Request& req, Seconds d, Placement& where) {
    const Booking b = p_.reserve(now_, now_ + d, where.slots, req.sharing != Sharing::Shared);
    if (!b.ok) return Decision{};  // cannot happen: the sweep found this window free
    ++stats_.started;
    Decision out;
    out.action = Action::Start;
    out.start = now_;
    out.booking = b.id;
    out.placement = std::move(where);
    return out;
  }

  // Books the earliest start (a start now when that is the earliest, e.g. after a strict block).
  Decision reserve(const Request& req, Seconds d, bool keep) {
    ++stats_.checks;
    StartPlan at = p_.earliest_start(req, d, now_);
    Decision out;
    if (!at.ok) { out.never = at.placement.diagnosis.never; out.placement = std::move(at.placement); return out; }
    if (at.start == now_ && !blocked_) return start(req, d, at.placement);
    const Booking b = p_.reserve(at.start, at.start + d, at.placement.slots, req.sharing != Sharing::Shared);
    if (!b.ok) return out;
    ++stats_.reserved;
    out.action = Action::Reserve;
    out.start = at.start;
    out.placement = std::move(at.placement);
    if (keep) out.booking = b.id; else easy_.push_back(b.id);
    return out;
  }

  // A kept conservative reservation: booked again at its earliest start, never later than before.
  Decision compress(const Waiting& w, const Request& req, Seconds d) {
    const Seconds at_before = p_.start_of(w.reservation);
    // Nothing freed up, or (one node, cheaply) its start is still its earliest: it stays as it is.
    if (at_before > now_ && (unchanged() || (++stats_.checks, p_.cannot_move(w.reservation, req, d)))) {
      Decision out;
      out.action = Action::Reserve;
      out.start = at_before;
      out.booking = w.reservation;
      ++stats_.reserved;
      return out;
    }
    const std::vector<uint32_t> nodes_before = p_.nodes_of(w.reservation);
    p_.release(w.reservation);
    ++stats_.checks;
    StartPlan at = p_.earliest_start(req, d, now_);
    Decision out;
    if (!at.ok) { out.never = at.placement.diagnosis.never; out.placement = std::move(at.placement); return out; }
    if (at.start == at_before && nodes_of(at.placement) == nodes_before) ++neutral_; else ++moved_;
    if (at.start == now_) return start(req, d, at.placement);  // a reservation that has come starts
    const Booking b = p_.reserve(at.start, at.start + d, at.placement.slots, req.sharing != Sharing::Shared);
    if (!b.ok) return out;
    ++stats_.reserved;
    out.action = Action::Reserve;
    out.start = at.start;
    out.booking = b.id;
    out.placement = std::move(at.placement);
    return out;
  }

  Profile& p_;
  const Seconds now_;
  CycleStats own_;
  CycleStats& stats_;
  std::vector<Decided>& out_;
  std::vector<Head> heads_;
  // Nothing has freed up since the last compression: no gain but the neutral ones of this cycle (a
  // reservation that moved earlier in this cycle is a gain for those after it).
  bool unchanged() const { return seen_ != 0 && p_.gains() - neutral_ == seen_; }
  const uint64_t seen_;
  uint64_t neutral_ = 0, moved_ = 0;
  uint32_t new_reservations_ = 0;
  const uint64_t gains_at_start_ = p_.gains();
  bool blocked_ = false;
  std::vector<uint8_t> easy_queue_;
  std::vector<uint64_t> easy_;
};

}  // namespace

std::vector<Decision> schedule(Profile& profile, const std::vector<Waiting>& jobs, CycleStats* stats) {
  int64_t last_kept = -1;
  for (size_t i = 0; i < jobs.size(); ++i)
    if (jobs[i].reservation != 0) last_kept = static_cast<int64_t>(i);
  std::vector<Decided> ds = schedule(profile, jobs.size(), [&](size_t i) { return jobs[i]; }, last_kept, stats, nullptr, true);
  std::vector<Decision> out(jobs.size());  // every job not listed waits
  for (Decided& d : ds) out[d.index] = std::move(d.decision);
  return out;
}

std::vector<Decided> schedule(Profile& profile, size_t n, const std::function<Waiting(size_t)>& at, int64_t last_kept,
                              CycleStats* stats, size_t* read, bool estimates) {
  std::vector<Decided> out;
  Cycle cycle(profile, stats, out);
  size_t i = 0;
  for (; i < n; ++i) {
    if (cycle.blocked() && static_cast<int64_t>(i) > last_kept) break;
    const Waiting w = at(i);
    if (w.request) cycle.decide(i, w);
  }
  cycle.finish(estimates);
  if (read) *read = i;
  return out;
}

}  // namespace fleetq
