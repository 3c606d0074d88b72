// Glue for the backfill profile: new Profile(topology, now) and its methods. Slots, requests and
// placements cross as glue.h describes (the same as for Topology); bookings as plain objects.
// src/native/backfill.ts validates every argument before it crosses; the checks here only keep a
// malformed call from reaching the core. Times are whole seconds carried in JS numbers.
#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "fleetq/backfill.h"
#include "fleetq/policy.h"
#include "glue.h"

namespace fleetq::addon {

namespace {

Napi::Object booking_js(Napi::Env env, const Booking& b) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("ok", b.ok);
  out.Set("id", static_cast<double>(b.id));
  out.Set("reason", b.reason);
  return out;
}

Seconds seconds(const Napi::Value& v) { return v.ToNumber().Int64Value(); }

// A cycle's batch row with no job (NO_REQUEST in src/native/backfill.ts): skipped.
constexpr uint32_t kNoRequest = 0xffffffffu;

class ProfileWrap : public Napi::ObjectWrap<ProfileWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Profile", {
      InstanceMethod<&ProfileWrap::AddRunning>("addRunning"),
      InstanceMethod<&ProfileWrap::Reserve>("reserve"),
      InstanceMethod<&ProfileWrap::Release>("release"),
      InstanceMethod<&ProfileWrap::Advance>("advance"),
      InstanceMethod<&ProfileWrap::EarliestStart>("earliestStart"),
      InstanceMethod<&ProfileWrap::ChangePoints>("changePoints"),
      InstanceMethod<&ProfileWrap::AddRequest>("addRequest"),
      InstanceMethod<&ProfileWrap::DropRequest>("dropRequest"),
      InstanceMethod<&ProfileWrap::Cycle>("cycle"),
      InstanceMethod<&ProfileWrap::BindBatch>("bindBatch"),
      InstanceAccessor<&ProfileWrap::Now>("now"),
      InstanceAccessor<&ProfileWrap::Size>("size"),
    });
  }

  // new Profile(topology, now): a private copy of the topology's current free resources.
  explicit ProfileWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ProfileWrap>(info) {
    const Snapshot* snap = snapshot_arg(info, 0, "topology");
    if (!snap) return;
    if (info.Length() < 2 || !info[1].IsNumber()) { fail(info.Env(), "EINVAL", "now: a number of seconds is required"); return; }
    profile_ = std::make_unique<Profile>(*snap->topology, seconds(info[1]));
    itype_ = snap->itype;  // the profile's copy keeps the snapshot's instance type ids
  }

 private:
  bool ready(const Napi::CallbackInfo& info, size_t args) {
    if (!profile_) { fail(info.Env(), "EINVAL", "profile: not constructed"); return false; }
    return has_args(info, args);
  }
  // addRunning(end, slots, exclusive) → { ok, id, reason }
  Napi::Value AddRunning(const Napi::CallbackInfo& info) {
    std::vector<Slot> slots;
    if (!ready(info, 3) || !read_slots(info.Env(), info[1], slots)) return info.Env().Undefined();
    return booking_js(info.Env(), profile_->add_running(seconds(info[0]), slots, info[2].ToBoolean()));
  }
  // reserve(start, end, slots, exclusive) → { ok, id, reason }
  Napi::Value Reserve(const Napi::CallbackInfo& info) {
    std::vector<Slot> slots;
    if (!ready(info, 4) || !read_slots(info.Env(), info[2], slots)) return info.Env().Undefined();
    return booking_js(info.Env(), profile_->reserve(seconds(info[0]), seconds(info[1]), slots, info[3].ToBoolean()));
  }
  Napi::Value Release(const Napi::CallbackInfo& info) {
    if (!ready(info, 1)) return info.Env().Undefined();
    return Napi::Boolean::New(info.Env(), profile_->release(static_cast<uint64_t>(info[0].ToNumber().Int64Value())));
  }
  Napi::Value Advance(const Napi::CallbackInfo& info) {
    if (!ready(info, 1)) return info.Env().Undefined();
    return Napi::Boolean::New(info.Env(), profile_->advance(seconds(info[0])));
  }
  // earliestStart(request, duration, notBefore, notAfter) → { ok, start, placement: {v, text} },
  // the request encoded as for Topology.place.
  Napi::Value EarliestStart(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<Request> req;
    if (!ready(info, 4) || !read_requests(env, info[0], false, itype_, req)) return env.Undefined();
    const StartPlan s = profile_->earliest_start(req[0], seconds(info[1]), seconds(info[2]), seconds(info[3]));
    Napi::Object out = Napi::Object::New(env);
    out.Set("ok", s.ok);
    out.Set("start", static_cast<double>(s.start));
    out.Set("placement", placement_js(env, s.placement));
    return out;
  }
  Napi::Value ChangePoints(const Napi::CallbackInfo& info) {
    if (!ready(info, 0)) return info.Env().Undefined();
    const std::vector<Seconds> ts = profile_->change_points();
    Napi::Array out = Napi::Array::New(info.Env(), ts.size());
    for (size_t i = 0; i < ts.size(); ++i) out.Set(static_cast<uint32_t>(i), static_cast<double>(ts[i]));
    return out;
  }
  // addRequest(encoded request) → handle: kept here so a cycle names requests by handle instead of
  // crossing them again every time (the simulator runs a cycle per event).
  Napi::Value AddRequest(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::vector<Request> req;
    if (!ready(info, 1) || !read_requests(env, info[0], false, itype_, req)) return env.Undefined();
    uint32_t h;
    if (!free_.empty()) { h = free_.back(); free_.pop_back(); requests_[h] = std::move(req[0]); live_[h] = 1; }
    else { h = static_cast<uint32_t>(requests_.size()); requests_.push_back(std::move(req[0])); live_.push_back(1); }
    return Napi::Number::New(env, h);
  }
  Napi::Value DropRequest(const Napi::CallbackInfo& info) {
    if (!ready(info, 1)) return info.Env().Undefined();
    const uint32_t h = info[0].ToNumber().Uint32Value();
    if (h >= live_.size() || !live_[h]) return Napi::Boolean::New(info.Env(), false);
    live_[h] = 0;
    requests_[h] = Request{};
    free_.push_back(h);
    return Napi::Boolean::New(info.Env(), true);
  }
  // bindBatch(handles Uint32Array, durations Float64Array, modes Uint8Array, queues Uint32Array,
  //           reservations Float64Array, out Float64Array): the arrays cycle() reads and writes,
  // kept (referenced, their memory pinned) so that a cycle — one per simulated event — crosses two
  // numbers instead of six arrays. Bind again after replacing any of them.
  Napi::Value BindBatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(info, 6)) return env.Undefined();
    const napi_typedarray_type want[6] = {napi_uint32_array, napi_float64_array, napi_uint8_array, napi_uint32_array, napi_float64_array, napi_float64_array};
    for (size_t i = 0; i < 6; ++i)
      if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != want[i])
        return fail(env, "EINVAL", "bindBatch: argument " + std::to_string(i) + " is not the typed array expected");
    batch_ = Batch{};
    for (size_t i = 0; i < 6; ++i) batch_.refs[i] = Napi::Persistent(info[i].As<Napi::Object>());
    auto handles = info[0].As<Napi::Uint32Array>();
    auto durations = info[1].As<Napi::Float64Array>();
    auto modes = info[2].As<Napi::Uint8Array>();
    auto queues = info[3].As<Napi::Uint32Array>();
    auto res = info[4].As<Napi::Float64Array>();
    auto out = info[5].As<Napi::Float64Array>();
    batch_.handles = handles.Data();
    batch_.durations = durations.Data();
    batch_.modes = modes.Data();
    batch_.queues = queues.Data();
    batch_.res = res.Data();
    batch_.out = out.Data();
    batch_.rows = std::min({handles.ElementLength(), durations.ElementLength(), modes.ElementLength(), queues.ElementLength(), res.ElementLength()});
    batch_.out_len = out.ElementLength();
    return env.Undefined();
  }

  // cycle(n, withPlacements, reservationLimit) → placements or undefined, over the bound batch's
  // rows 0..n-1 (reservationLimit: CycleStats::reservation_limit, 0 = none; a
  // handle of 0xffffffff is a hole: no job). Writes out[0] = earliest_start calls made, out[1] = k,
  // the jobs decided other than "wait", then per such job (index, action, start, booking) — action
  // 1 start, 2 reserve, 3 wait because it can never fit — so a cycle over a long queue writes little
  // (out must hold 2 + 4n numbers). Without withPlacements, an EASY reservation no later job needed
  // is not computed (its job is listed as waiting). With withPlacements, the placement of every job
  // read (slots for start/reserve, the diagnosis for never), as placements_js encodes them; jobs
  // after an early stop are not read.
  Napi::Value Cycle(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(info, 3)) return env.Undefined();
    if (!batch_.handles) return fail(env, "EINVAL", "cycle: no batch bound (bindBatch)");
    const size_t n = info[0].ToNumber().Uint32Value();
    if (n > batch_.rows || batch_.out_len < 2 + 4 * n) return fail(env, "EINVAL", "cycle: n is larger than the bound arrays");
    const Batch& b = batch_;
    int64_t last_kept = -1;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t h = b.handles[i];
      if (h == kNoRequest) continue;  // a hole: no job at this row
      if (h >= live_.size() || !live_[h]) return fail(env, "EINVAL", "cycle: handles[" + std::to_string(i) + "] is not a request of this profile");
      if (b.modes[i] > 2) return fail(env, "EINVAL", "cycle: modes[" + std::to_string(i) + "] is not 0, 1 or 2");
      if (b.res[i] != 0) last_kept = static_cast<int64_t>(i);
    }
    CycleStats stats;
    stats.gains_seen = gains_seen_;
    stats.reservation_limit = info[2].ToNumber().Uint32Value();
    auto at = [&](size_t i) {
      if (b.handles[i] == kNoRequest) return Waiting{};
      return Waiting{&requests_[b.handles[i]], static_cast<Seconds>(b.durations[i]), static_cast<Backfill>(b.modes[i]), b.queues[i],
                     static_cast<uint64_t>(b.res[i])};
    };
    const bool with_placements = info[1].ToBoolean();
    size_t read = 0;
    std::vector<Decided> ds = schedule(*profile_, n, at, last_kept, &stats, &read, with_placements);
    gains_seen_ = stats.gains_seen;
    for (size_t k = 0; k < ds.size(); ++k) {
      const Decision& d = ds[k].decision;
      double* row = b.out + 2 + 4 * k;
      row[0] = static_cast<double>(ds[k].index);
      row[1] = d.action == Action::Wait ? 3 : static_cast<double>(d.action);
      row[2] = static_cast<double>(d.start);
      row[3] = static_cast<double>(d.booking);
    }
    b.out[0] = stats.checks;
    b.out[1] = static_cast<double>(ds.size());
    if (!with_placements) return env.Undefined();
    // Every job read gets a placement: the listed ones theirs, the others an empty one.
    std::vector<Placement> ps(read);
    for (Decided& d : ds) ps[d.index] = std::move(d.decision.placement);
    return placements_js(env, ps);
  }
  Napi::Value Now(const Napi::CallbackInfo& info) {
    if (!ready(info, 0)) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), static_cast<double>(profile_->now()));
  }
  Napi::Value Size(const Napi::CallbackInfo& info) {
    if (!ready(info, 0)) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), static_cast<double>(profile_->size()));
  }

  std::unique_ptr<Profile> profile_;
  std::vector<int32_t> itype_;  // as Snapshot::itype of the topology it was made from
  std::vector<Request> requests_;  // by handle (addRequest)
  std::vector<uint8_t> live_;
  std::vector<uint32_t> free_;
  uint64_t gains_seen_ = 0;  // CycleStats::gains_seen between cycles
  // The arrays bindBatch() bound: referenced so their memory stays where the pointers say.
  struct Batch {
    std::array<Napi::ObjectReference, 6> refs;
    const uint32_t* handles = nullptr;
    const double* durations = nullptr;
    const uint8_t* modes = nullptr;
    const uint32_t* queues = nullptr;
    const double* res = nullptr;
    double* out = nullptr;
    size_t rows = 0, out_len = 0;
  };
  Batch batch_;
};

}  // namespace

void init_backfill(Napi::Env env, Napi::Object exports) { exports.Set("Profile", ProfileWrap::Define(env)); }

}  // namespace fleetq::addon
