// Glue for the backfill profile: new Profile(topology, now) and its methods, marshalled as plain
// objects (src/native/backfill.ts validates every argument before it crosses; the checks here only
// keep a malformed call from reaching the core). Times are whole seconds carried in JS numbers.
#include <memory>
#include <string>
#include <vector>

#include "fleetq/backfill.h"
#include "glue.h"

namespace fleetq::addon {

namespace {

bool read_slots(Napi::Env env, const Napi::Value& v, std::vector<Slot>& out) {
  if (!v.IsArray()) { fail(env, "EINVAL", "slots: an array is required"); return false; }
  Napi::Array arr = v.As<Napi::Array>();
  out.clear();
  out.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value e = arr.Get(i);
    if (!e.IsObject()) { fail(env, "EINVAL", "slots[" + std::to_string(i) + "]: an object is required"); return false; }
    Napi::Object o = e.As<Napi::Object>();
    out.push_back(Slot{u32(o, "node"), u32(o, "chunk"), u32(o, "ncpus"), static_cast<uint64_t>(num(o, "mem_bytes")), u32(o, "ngpus"), u32(o, "mpiprocs")});
  }
  return true;
}

// The request as src/native/backfill.ts sends it: chunks with instance_type as a name, and the
// enums as numbers in placement.h's order.
bool read_request(Napi::Env env, const Topology& t, const Napi::Value& v, Request& r) {
  if (!v.IsObject() || !v.As<Napi::Object>().Get("chunks").IsArray()) { fail(env, "EINVAL", "request: an object with chunks is required"); return false; }
  Napi::Object o = v.As<Napi::Object>();
  Napi::Array chunks = o.Get("chunks").As<Napi::Array>();
  for (uint32_t i = 0; i < chunks.Length(); ++i) {
    if (!chunks.Get(i).IsObject()) { fail(env, "EINVAL", "request.chunks[" + std::to_string(i) + "]: an object is required"); return false; }
    Napi::Object c = chunks.Get(i).As<Napi::Object>();
    ChunkReq q;
    q.count = u32(c, "count");
    q.ncpus = u32(c, "ncpus");
    q.mem = static_cast<uint64_t>(num(c, "mem_bytes"));
    q.ngpus = u32(c, "ngpus");
    q.mpiprocs = u32(c, "mpiprocs");
    q.efa = c.Get("efa").ToBoolean();
    const std::string itype = str(c, "instance_type");
    q.instance_type = itype.empty() ? -1 : t.instance_type_id(itype);
    if (!itype.empty() && q.instance_type < 0) q.instance_type = -2;  // a type the cluster lacks: never matches
    q.capacity = static_cast<Capacity>(u32(c, "capacity") % 3);
    r.chunks.push_back(q);
  }
  r.arrangement = static_cast<Arrangement>(u32(o, "arrangement") % 4);
  r.sharing = static_cast<Sharing>(u32(o, "sharing") % 3);
  r.same_group = o.Get("same_group").ToBoolean();
  return true;
}

// The same shape as NativePlacement in src/native/index.ts.
Napi::Object placement_js(Napi::Env env, const Placement& p) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("ok", p.ok);
  Napi::Array slots = Napi::Array::New(env, p.slots.size());
  for (size_t i = 0; i < p.slots.size(); ++i) {
    const Slot& s = p.slots[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("node", s.node);
    o.Set("chunk", s.chunk);
    o.Set("ncpus", s.ncpus);
    o.Set("mem_bytes", static_cast<double>(s.mem));
    o.Set("ngpus", s.ngpus);
    o.Set("mpiprocs", s.mpiprocs);
    slots.Set(static_cast<uint32_t>(i), o);
  }
  out.Set("slots", slots);
  out.Set("level", p.score.level);
  out.Set("stranded", static_cast<double>(p.score.stranded));
  Napi::Object d = Napi::Object::New(env);
  d.Set("never", p.diagnosis.never);
  d.Set("text", p.diagnosis.text);
  Napi::Object counts = Napi::Object::New(env);
  for (size_t i = 0; i < p.diagnosis.nodes.size(); ++i) counts.Set(reason_text(static_cast<Reason>(i)), p.diagnosis.nodes[i]);
  d.Set("nodes", counts);
  out.Set("diagnosis", d);
  return out;
}

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
    std::shared_ptr<Topology> topo = topology_arg(info, 0, "topology");
    if (!topo) return;
    if (info.Length() < 2 || !info[1].IsNumber()) { fail(info.Env(), "EINVAL", "now: a number of seconds is required"); return; }
    profile_ = std::make_unique<Profile>(*topo, seconds(info[1]));
  }

 private:
  bool ready(Napi::Env env, const Napi::CallbackInfo& info, size_t args) {
    if (!profile_) { fail(env, "EINVAL", "profile: not constructed"); return false; }
    if (info.Length() < args) { fail(env, "EINVAL", std::to_string(args) + " arguments are required"); return false; }
    return true;
  }
  // addRunning(end, slots, exclusive) → { ok, id, reason }
  Napi::Value AddRunning(const Napi::CallbackInfo& info) {
    std::vector<Slot> slots;
    if (!ready(info.Env(), info, 3) || !read_slots(info.Env(), info[1], slots)) return info.Env().Undefined();
    return booking_js(info.Env(), profile_->add_running(seconds(info[0]), slots, info[2].ToBoolean()));
  }
  // reserve(start, end, slots, exclusive) → { ok, id, reason }
  Napi::Value Reserve(const Napi::CallbackInfo& info) {
    std::vector<Slot> slots;
    if (!ready(info.Env(), info, 4) || !read_slots(info.Env(), info[2], slots)) return info.Env().Undefined();
    return booking_js(info.Env(), profile_->reserve(seconds(info[0]), seconds(info[1]), slots, info[3].ToBoolean()));
  }
  Napi::Value Release(const Napi::CallbackInfo& info) {
    if (!ready(info.Env(), info, 1)) return info.Env().Undefined();
    return Napi::Boolean::New(info.Env(), profile_->release(static_cast<uint64_t>(info[0].ToNumber().Int64Value())));
  }
  Napi::Value Advance(const Napi::CallbackInfo& info) {
    if (!ready(info.Env(), info, 1)) return info.Env().Undefined();
    return Napi::Boolean::New(info.Env(), profile_->advance(seconds(info[0])));
  }
  // earliestStart(request, duration, notBefore, notAfter) → { ok, start, placement }
  Napi::Value EarliestStart(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Request req;
    if (!ready(env, info, 4) || !read_request(env, profile_->topology(), info[0], req)) return env.Undefined();
    const StartPlan s = profile_->earliest_start(req, seconds(info[1]), seconds(info[2]), seconds(info[3]));
    Napi::Object out = Napi::Object::New(env);
    out.Set("ok", s.ok);
    out.Set("start", static_cast<double>(s.start));
    out.Set("placement", placement_js(env, s.placement));
    return out;
  }
  Napi::Value ChangePoints(const Napi::CallbackInfo& info) {
    if (!ready(info.Env(), info, 0)) return info.Env().Undefined();
    const std::vector<Seconds> ts = profile_->change_points();
    Napi::Array out = Napi::Array::New(info.Env(), ts.size());
    for (size_t i = 0; i < ts.size(); ++i) out.Set(static_cast<uint32_t>(i), static_cast<double>(ts[i]));
    return out;
  }
  Napi::Value Now(const Napi::CallbackInfo& info) {
    if (!ready(info.Env(), info, 0)) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), static_cast<double>(profile_->now()));
  }
  Napi::Value Size(const Napi::CallbackInfo& info) {
    if (!ready(info.Env(), info, 0)) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), static_cast<double>(profile_->size()));
  }

  std::unique_ptr<Profile> profile_;
};

}  // namespace

void init_backfill(Napi::Env env, Napi::Object exports) { exports.Set("Profile", ProfileWrap::Define(env)); }

}  // namespace fleetq::addon
