// Glue for the backfill profile: new Profile(topology, now) and its methods. Slots, requests and
// placements cross as glue.h describes (the same as for Topology); bookings as plain objects.
// src/native/backfill.ts validates every argument before it crosses; the checks here only keep a
// malformed call from reaching the core. Times are whole seconds carried in JS numbers.
#include <memory>
#include <string>
#include <vector>

#include "fleetq/backfill.h"
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
};

}  // namespace

void init_backfill(Napi::Env env, Napi::Object exports) { exports.Set("Profile", ProfileWrap::Define(env)); }

}  // namespace fleetq::addon
