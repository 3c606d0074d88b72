// The N-API glue, and only glue: marshal JS arrays into the core's structs, call it, marshal back.
// No C++ exceptions cross the boundary (NAPI_DISABLE_CPP_EXCEPTIONS); errors become JS errors with
// a `code`. No globals: the constructor lives in per-addon instance data.
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "fleetq/placement.h"
#include "fleetq/topology.h"
#include "glue.h"

namespace fleetq::addon {

Napi::Value fail(Napi::Env env, const char* code, const std::string& msg) {
  Napi::Error e = Napi::TypeError::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

namespace {

fleetq::Request to_request(const Topology& t, const Napi::Object& o) {
  fleetq::Request r;
  Napi::Array chunks = o.Get("chunks").As<Napi::Array>();
  for (uint32_t i = 0; i < chunks.Length(); ++i) {
    Napi::Object c = chunks.Get(i).As<Napi::Object>();
    fleetq::ChunkReq q;
    q.count = u32(c, "count");
    q.ncpus = u32(c, "ncpus");
    q.mem = static_cast<uint64_t>(num(c, "mem_bytes"));
    q.ngpus = u32(c, "ngpus");
    q.mpiprocs = u32(c, "mpiprocs");
    q.efa = c.Get("efa").ToBoolean();
    std::string itype = str(c, "instance_type");
    q.instance_type = itype.empty() ? -1 : t.instance_type_id(itype);
    if (!itype.empty() && q.instance_type < 0) q.instance_type = -2;  // a type the cluster lacks: never matches
    q.capacity = static_cast<fleetq::Capacity>(u32(c, "capacity"));
    r.chunks.push_back(q);
  }
  r.arrangement = static_cast<fleetq::Arrangement>(u32(o, "arrangement"));
  r.sharing = static_cast<fleetq::Sharing>(u32(o, "sharing"));
  r.same_group = o.Get("same_group").ToBoolean();
  return r;
}

Napi::Object to_js(Napi::Env env, const fleetq::Placement& p) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("ok", p.ok);
  Napi::Array slots = Napi::Array::New(env, p.slots.size());
  for (size_t i = 0; i < p.slots.size(); ++i) {
    const fleetq::Slot& s = p.slots[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("node", s.node);
    o.Set("chunk", s.chunk);
    o.Set("ncpus", s.ncpus);
    o.Set("mem_bytes", static_cast<double>(s.mem));
    o.Set("ngpus", s.ngpus);
    o.Set("mpiprocs", s.mpiprocs);
    slots.Set(i, o);
  }
  out.Set("slots", slots);
  out.Set("level", p.score.level);
  out.Set("stranded", static_cast<double>(p.score.stranded));
  Napi::Object d = Napi::Object::New(env);
  d.Set("never", p.diagnosis.never);
  d.Set("text", p.diagnosis.text);
  Napi::Object counts = Napi::Object::New(env);
  for (size_t i = 0; i < p.diagnosis.nodes.size(); ++i) counts.Set(fleetq::reason_text(static_cast<fleetq::Reason>(i)), p.diagnosis.nodes[i]);
  d.Set("nodes", counts);
  out.Set("diagnosis", d);
  return out;
}

class PlaceWorker : public Napi::AsyncWorker {
 public:
  PlaceWorker(Napi::Env env, std::shared_ptr<const Topology> t, fleetq::Request r)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), topo_(std::move(t)), req_(std::move(r)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override { result_ = fleetq::place(*topo_, req_); }
  void OnOK() override { deferred_.Resolve(to_js(Env(), result_)); }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<const Topology> topo_;  // an immutable copy: JS may change the live one meanwhile
  fleetq::Request req_;
  fleetq::Placement result_;
};

class TopologyWrap : public Napi::ObjectWrap<TopologyWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Topology", {
      InstanceMethod<&TopologyWrap::Place>("place"),
      InstanceMethod<&TopologyWrap::PlaceAsync>("placeAsync"),
      InstanceMethod<&TopologyWrap::Allocate>("allocate"),
      InstanceMethod<&TopologyWrap::Release>("release"),
      InstanceAccessor<&TopologyWrap::Size>("size"),
    });
  }

  // new Topology(columns): one typed array per field and interned strings (see src/native/index.ts),
  // so a snapshot of many nodes crosses in a few calls instead of one property read per field.
  explicit TopologyWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TopologyWrap>(info) {
    if (info.Length() < 1 || !info[0].IsObject()) { fail(info.Env(), "EINVAL", "columns: an object is required"); return; }
    std::vector<fleetq::NodeSpec> nodes;
    if (!from_columns(info.Env(), info[0].As<Napi::Object>(), nodes)) return;
    topo_ = std::make_shared<Topology>(Topology::build(nodes));
  }

 private:
  template <typename T>
  static bool column(Napi::Env env, const Napi::Object& o, const char* k, size_t n, size_t width, T** out) {
    Napi::Value v = o.Get(k);
    if (!v.IsTypedArray() || v.As<Napi::TypedArrayOf<T>>().ElementLength() != n * width) {
      fail(env, "EINVAL", std::string("columns.") + k + ": a typed array of the node count is required");
      return false;
    }
    *out = v.As<Napi::TypedArrayOf<T>>().Data();
    return true;
  }

  static bool from_columns(Napi::Env env, const Napi::Object& c, std::vector<fleetq::NodeSpec>& nodes) {
    Napi::Array names = c.Get("names").As<Napi::Array>();
    Napi::Array dict = c.Get("strings").As<Napi::Array>();
    const size_t n = names.Length();
    uint32_t *ncpus, *free_ncpus, *ngpus, *free_ngpus, *efa, *njobs;
    double *mem, *free_mem;
    uint8_t* flags;
    int32_t *itype, *az, *pg, *net;
    if (!column(env, c, "ncpus", n, 1, &ncpus) || !column(env, c, "free_ncpus", n, 1, &free_ncpus) ||
        !column(env, c, "ngpus", n, 1, &ngpus) || !column(env, c, "free_ngpus", n, 1, &free_ngpus) ||
        !column(env, c, "efa", n, 1, &efa) || !column(env, c, "njobs", n, 1, &njobs) ||
        !column(env, c, "mem", n, 1, &mem) || !column(env, c, "free_mem", n, 1, &free_mem) ||
        !column(env, c, "flags", n, 1, &flags) || !column(env, c, "instance_type", n, 1, &itype) ||
        !column(env, c, "az", n, 1, &az) || !column(env, c, "placement_group", n, 1, &pg) ||
        !column(env, c, "network_nodes", n, fleetq::kLayers, &net)) {
      return false;
    }
    std::vector<std::string> strings(dict.Length());
    for (uint32_t i = 0; i < dict.Length(); ++i) strings[i] = dict.Get(i).ToString().Utf8Value();
    auto at = [&](int32_t id) -> std::string { return id >= 0 && static_cast<size_t>(id) < strings.size() ? strings[id] : std::string(); };
    nodes.resize(n);
    for (size_t i = 0; i < n; ++i) {
      fleetq::NodeSpec& s = nodes[i];
      s.name = names.Get(static_cast<uint32_t>(i)).ToString().Utf8Value();
      s.ncpus = ncpus[i]; s.free_ncpus = free_ncpus[i];
      s.mem = static_cast<uint64_t>(mem[i]); s.free_mem = static_cast<uint64_t>(free_mem[i]);
      s.ngpus = ngpus[i]; s.free_ngpus = free_ngpus[i];
      s.efa = efa[i]; s.njobs = njobs[i];
      s.up = flags[i] & 1; s.spot = flags[i] & 2; s.exclusive = flags[i] & 4;
      s.instance_type = at(itype[i]); s.az = at(az[i]); s.placement_group = at(pg[i]);
      for (int l = 0; l < fleetq::kLayers; ++l) s.network_nodes[l] = at(net[i * fleetq::kLayers + l]);
    }
    return true;
  }

  Napi::Value Place(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsObject()) return fail(info.Env(), "EINVAL", "request: an object is required");
    return to_js(info.Env(), fleetq::place(*topo_, to_request(*topo_, info[0].As<Napi::Object>())));
  }
  Napi::Value PlaceAsync(const Napi::CallbackInfo& info) {
    if (info.Length() < 1 || !info[0].IsObject()) return fail(info.Env(), "EINVAL", "request: an object is required");
    auto* w = new PlaceWorker(info.Env(), std::make_shared<const Topology>(*topo_), to_request(*topo_, info[0].As<Napi::Object>()));
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  }
  Napi::Value Change(const Napi::CallbackInfo& info, bool alloc) {
    if (info.Length() < 4) return fail(info.Env(), "EINVAL", "node, ncpus, mem_bytes, ngpus are required");
    uint32_t n = info[0].ToNumber().Uint32Value();
    uint32_t c = info[1].ToNumber().Uint32Value();
    uint64_t m = static_cast<uint64_t>(info[2].ToNumber().DoubleValue());
    uint32_t g = info[3].ToNumber().Uint32Value();
    return Napi::Boolean::New(info.Env(), alloc ? topo_->allocate(n, c, m, g) : topo_->release(n, c, m, g));
  }
  Napi::Value Allocate(const Napi::CallbackInfo& info) { return Change(info, true); }
  Napi::Value Release(const Napi::CallbackInfo& info) { return Change(info, false); }
  Napi::Value Size(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(topo_->size())); }

  std::shared_ptr<Topology> topo_;

 public:
  const std::shared_ptr<Topology>& topology() const { return topo_; }
};

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = TopologyWrap::Define(env);
  auto* inst = new Instance();
  inst->topology = Napi::Persistent(ctor);
  env.SetInstanceData(inst);
  exports.Set("Topology", ctor);
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  init_ranks(env, exports);
  return exports;
}

std::shared_ptr<Topology> topology_arg(const Napi::CallbackInfo& info, size_t i, const char* field) {
  Napi::Env env = info.Env();
  Instance* inst = env.GetInstanceData<Instance>();
  if (info.Length() <= i || !info[i].IsObject() || !info[i].As<Napi::Object>().InstanceOf(inst->topology.Value())) {
    fail(env, "EINVAL", std::string(field) + ": a Topology is required");
    return nullptr;
  }
  return TopologyWrap::Unwrap(info[i].As<Napi::Object>())->topology();
}

}  // namespace fleetq::addon

static Napi::Object InitFleetqNative(Napi::Env env, Napi::Object exports) { return fleetq::addon::Init(env, exports); }
NODE_API_MODULE(fleetq_native, InitFleetqNative)
