// The N-API glue, and only glue: marshal JS arrays into the core's structs, call it, marshal back.
// No C++ exceptions cross the boundary (NAPI_DISABLE_CPP_EXCEPTIONS); errors become JS errors with
// a `code`. No globals: the constructor lives in per-addon instance data.
//
// Requests and placements cross as Float64Arrays (src/native/index.ts encodes and decodes them):
//   request:   arrangement, sharing, same_group, nchunks, then per chunk kChunkWidth numbers
//              (count, ncpus, mem_bytes, ngpus, mpiprocs, efa, instance_type, capacity), where
//              instance_type is an id of the snapshot's string dictionary, -1 = any, -2 = a type
//              the snapshot lacks; a batch is the request count followed by the requests.
//   placement: ok, level, stranded, first_node, never, one count per Reason, nslots, then
//              (node, chunk) per slot — with the diagnosis text alongside (place writes into the
//              caller's array and returns the text; the others return {v, text} / {v, texts}).
#include <napi.h>

#include <memory>
#include <string>
#include <utility>
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

constexpr size_t kChunkWidth = 8;
constexpr size_t kReasons = static_cast<size_t>(Reason::kCount);
constexpr size_t kHeader = 5 + kReasons + 1;

// Reads requests from an encoded array; false when it is malformed. `itype` maps dictionary ids to
// the topology's instance type ids.
class RequestReader {
 public:
  RequestReader(const double* v, size_t n, const std::vector<int32_t>& itype) : v_(v), n_(n), itype_(itype) {}
  bool count(size_t* out) { return get(out); }
  bool read(Request& r) {
    size_t arrangement, sharing, group, nchunks;
    if (!get(&arrangement) || !get(&sharing) || !get(&group) || !get(&nchunks)) return false;
    if (arrangement > 3 || sharing > 2 || nchunks == 0 || nchunks > (n_ - at_) / kChunkWidth) return false;
    r.arrangement = static_cast<Arrangement>(arrangement);
    r.sharing = static_cast<Sharing>(sharing);
    r.same_group = group != 0;
    r.chunks.resize(nchunks);
    for (ChunkReq& c : r.chunks) {
      const double* x = v_ + at_;
      at_ += kChunkWidth;
      c.count = static_cast<uint32_t>(x[0]);
      c.ncpus = static_cast<uint32_t>(x[1]);
      c.mem = static_cast<uint64_t>(x[2]);
      c.ngpus = static_cast<uint32_t>(x[3]);
      c.mpiprocs = static_cast<uint32_t>(x[4]);
      c.efa = x[5] != 0;
      const double it = x[6];
      c.instance_type = it < 0 ? (it == -1 ? -1 : -2) : it < itype_.size() ? itype_[static_cast<size_t>(it)] : -2;
      if (c.instance_type == -1 && it >= 0) c.instance_type = -2;  // a dictionary string that is no instance type
      c.capacity = static_cast<Capacity>(x[7] >= 0 && x[7] <= 2 ? x[7] : 0);
    }
    return true;
  }

 private:
  bool get(size_t* out) {
    if (at_ >= n_ || !(v_[at_] >= 0)) return false;
    *out = static_cast<size_t>(v_[at_++]);
    return true;
  }
  const double* v_;
  size_t n_, at_ = 0;
  const std::vector<int32_t>& itype_;
};

size_t encoded_size(const Placement& p) { return kHeader + 2 * p.slots.size(); }

void encode(const Placement& p, double* out) {
  out[0] = p.ok; out[1] = p.score.level; out[2] = static_cast<double>(p.score.stranded);
  out[3] = p.score.first_node; out[4] = p.diagnosis.never;
  for (size_t i = 0; i < kReasons; ++i) out[5 + i] = p.diagnosis.nodes[i];
  out[5 + kReasons] = static_cast<double>(p.slots.size());
  double* s = out + kHeader;
  for (const Slot& x : p.slots) { *s++ = x.node; *s++ = x.chunk; }
}

Napi::Value to_js(Napi::Env env, const Placement& p) {
  Napi::Float64Array v = Napi::Float64Array::New(env, encoded_size(p));
  encode(p, v.Data());
  Napi::Object out = Napi::Object::New(env);
  out.Set("v", v);
  out.Set("text", Napi::String::New(env, p.diagnosis.text));
  return out;
}

Napi::Value to_js(Napi::Env env, const std::vector<Placement>& ps) {
  size_t total = 1;
  for (const Placement& p : ps) total += encoded_size(p);
  Napi::Float64Array v = Napi::Float64Array::New(env, total);
  Napi::Array texts = Napi::Array::New(env, ps.size());
  double* at = v.Data();
  *at++ = static_cast<double>(ps.size());
  for (size_t i = 0; i < ps.size(); ++i) {
    encode(ps[i], at);
    at += encoded_size(ps[i]);
    texts.Set(static_cast<uint32_t>(i), Napi::String::New(env, ps[i].diagnosis.text));
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("v", v);
  out.Set("texts", texts);
  return out;
}

// Runs `work` off the event loop on `topo` (a copy owned by this worker) and resolves with its result.
template <typename Result>
class Worker : public Napi::AsyncWorker {
 public:
  using Work = Result (*)(Topology&, const std::vector<Request>&);
  Worker(Napi::Env env, std::shared_ptr<Topology> t, std::vector<Request> r, Work w)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), topo_(std::move(t)), reqs_(std::move(r)), work_(w) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override { result_ = work_(*topo_, reqs_); }
  void OnOK() override { deferred_.Resolve(to_js(Env(), result_)); }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<Topology> topo_;  // an immutable snapshot for JS: the live one may change meanwhile
  std::vector<Request> reqs_;
  Work work_;
  Result result_;
};

Placement place_first(Topology& t, const std::vector<Request>& r) { return place(t, r[0]); }

class TopologyWrap : public Napi::ObjectWrap<TopologyWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Topology", {
      InstanceMethod<&TopologyWrap::Place>("place"),
      InstanceMethod<&TopologyWrap::PlaceAsync>("placeAsync"),
      InstanceMethod<&TopologyWrap::PlaceMany>("placeMany"),
      InstanceMethod<&TopologyWrap::PlaceManyAsync>("placeManyAsync"),
      InstanceMethod<&TopologyWrap::Allocate>("allocate"),
      InstanceMethod<&TopologyWrap::Release>("release"),
      InstanceMethod<&TopologyWrap::SetFree>("setFree"),
      InstanceAccessor<&TopologyWrap::Size>("size"),
      InstanceAccessor<&TopologyWrap::Bytes>("bytes"),
    });
  }

  // new Topology(columns): one typed array per field, names joined by '\n' and strings interned
  // into one dictionary (see src/native/index.ts), so a snapshot crosses in a few calls.
  explicit TopologyWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TopologyWrap>(info) {
    if (info.Length() < 1 || !info[0].IsObject()) { fail(info.Env(), "EINVAL", "columns: an object is required"); return; }
    Columns cols;
    std::vector<std::string> dict;
    if (!from_columns(info.Env(), info[0].As<Napi::Object>(), cols, dict)) return;
    topo_ = std::make_shared<Topology>(Topology::build(std::move(cols)));
    itype_.reserve(dict.size());
    for (const std::string& s : dict) itype_.push_back(topo_->instance_type_id(s));
  }

  const std::shared_ptr<Topology>& topology() const { return topo_; }

 private:
  template <typename T> static napi_typedarray_type kind();
  template <typename T>
  static bool column(Napi::Env env, const Napi::Object& o, const char* k, size_t n, size_t width, const T** out) {
    Napi::Value v = o.Get(k);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != kind<T>() ||
        v.As<Napi::TypedArrayOf<T>>().ElementLength() != n * width) {
      fail(env, "EINVAL", std::string("columns.") + k + ": a typed array of the node count is required");
      return false;
    }
    *out = v.As<Napi::TypedArrayOf<T>>().Data();
    return true;
  }

  static std::vector<std::string> split_names(const std::string& joined, size_t n) {
    std::vector<std::string> names;
    names.reserve(n);
    size_t from = 0;
    while (n > 0 && names.size() < n) {
      const size_t to = joined.find('\n', from);
      names.push_back(joined.substr(from, to == std::string::npos ? std::string::npos : to - from));
      if (to == std::string::npos) break;
      from = to + 1;
    }
    return names;
  }

  static bool from_columns(Napi::Env env, const Napi::Object& c, Columns& cols, std::vector<std::string>& dict) {
    Napi::Value nv = c.Get("n"), names = c.Get("names"), strings = c.Get("strings");
    if (!nv.IsNumber() || !names.IsString() || !strings.IsArray()) {
      fail(env, "EINVAL", "columns: n (number), names (string) and strings (array) are required");
      return false;
    }
    const size_t n = nv.As<Napi::Number>().Uint32Value();
    cols.n = n;
    if (!column(env, c, "ncpus", n, 1, &cols.ncpus) || !column(env, c, "free_ncpus", n, 1, &cols.free_ncpus) ||
        !column(env, c, "ngpus", n, 1, &cols.ngpus) || !column(env, c, "free_ngpus", n, 1, &cols.free_ngpus) ||
        !column(env, c, "efa", n, 1, &cols.efa) || !column(env, c, "njobs", n, 1, &cols.njobs) ||
        !column(env, c, "mem", n, 1, &cols.mem) || !column(env, c, "free_mem", n, 1, &cols.free_mem) ||
        !column(env, c, "flags", n, 1, &cols.flags) || !column(env, c, "instance_type", n, 1, &cols.instance_type) ||
        !column(env, c, "az", n, 1, &cols.az) || !column(env, c, "placement_group", n, 1, &cols.placement_group) ||
        !column(env, c, "network_nodes", n, kLayers, &cols.network_nodes)) {
      return false;
    }
    cols.names = split_names(names.As<Napi::String>().Utf8Value(), n);
    if (cols.names.size() != n) { fail(env, "EINVAL", "columns.names: one name per node, joined by newlines"); return false; }
    Napi::Array arr = strings.As<Napi::Array>();
    dict.resize(arr.Length());
    for (uint32_t i = 0; i < arr.Length(); ++i) dict[i] = arr.Get(i).ToString().Utf8Value();
    cols.strings = &dict;
    return true;
  }

  // Decodes argument 0 (an encoded request, or a batch when `batch`); throws EINVAL when malformed.
  bool requests(const Napi::CallbackInfo& info, bool batch, std::vector<Request>& out) {
    if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      fail(info.Env(), "EINVAL", "request: an encoded Float64Array is required");
      return false;
    }
    Napi::Float64Array a = info[0].As<Napi::Float64Array>();
    RequestReader rd(a.Data(), a.ElementLength(), itype_);
    size_t count = 1;
    if (batch && !rd.count(&count)) { fail(info.Env(), "EINVAL", "requests: malformed batch"); return false; }
    out.resize(count);
    for (size_t i = 0; i < count; ++i)
      if (!rd.read(out[i])) { fail(info.Env(), "EINVAL", "requests[" + std::to_string(i) + "]: malformed request"); return false; }
    return true;
  }

  // place(request, out): writes the placement into `out` (a Float64Array the caller sizes for every
  // chunk instance and reuses, so the hot path allocates nothing in JS) and returns the diagnosis text.
  Napi::Value Place(const Napi::CallbackInfo& info) {
    std::vector<Request> r;
    if (!requests(info, false, r)) return info.Env().Undefined();
    if (info.Length() < 2 || !info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      return fail(info.Env(), "EINVAL", "out: a Float64Array is required");
    }
    Napi::Float64Array out = info[1].As<Napi::Float64Array>();
    const Placement p = place(*topo_, r[0]);
    if (out.ElementLength() < encoded_size(p)) return fail(info.Env(), "EINVAL", "out: too short for the placement");
    encode(p, out.Data());
    return Napi::String::New(info.Env(), p.diagnosis.text);
  }
  Napi::Value PlaceMany(const Napi::CallbackInfo& info) {
    std::vector<Request> r;
    if (!requests(info, true, r)) return info.Env().Undefined();
    return to_js(info.Env(), place_all(*topo_, r));
  }
  template <typename Result>
  Napi::Value Queue(const Napi::CallbackInfo& info, bool batch, typename Worker<Result>::Work work) {
    std::vector<Request> r;
    if (!requests(info, batch, r)) return info.Env().Undefined();
    auto* w = new Worker<Result>(info.Env(), std::make_shared<Topology>(*topo_), std::move(r), work);
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  }
  Napi::Value PlaceAsync(const Napi::CallbackInfo& info) { return Queue<Placement>(info, false, &place_first); }
  Napi::Value PlaceManyAsync(const Napi::CallbackInfo& info) { return Queue<std::vector<Placement>>(info, true, &place_all_on); }

  // (node, ncpus, mem_bytes, ngpus[, exclusive]) → boolean; setFree returns undefined.
  Napi::Value Change(const Napi::CallbackInfo& info, int op) {
    if (info.Length() < 4) return fail(info.Env(), "EINVAL", "node, ncpus, mem_bytes, ngpus are required");
    const uint32_t n = info[0].ToNumber().Uint32Value(), c = info[1].ToNumber().Uint32Value();
    const uint64_t m = static_cast<uint64_t>(info[2].ToNumber().DoubleValue());
    const uint32_t g = info[3].ToNumber().Uint32Value();
    if (op == 2) { topo_->set_free(n, c, m, g); return info.Env().Undefined(); }
    const bool excl = info.Length() > 4 && info[4].ToBoolean();
    return Napi::Boolean::New(info.Env(), op == 0 ? topo_->allocate(n, c, m, g, excl) : topo_->release(n, c, m, g));
  }
  Napi::Value Allocate(const Napi::CallbackInfo& info) { return Change(info, 0); }
  Napi::Value Release(const Napi::CallbackInfo& info) { return Change(info, 1); }
  Napi::Value SetFree(const Napi::CallbackInfo& info) { return Change(info, 2); }
  Napi::Value Size(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(topo_->size())); }
  Napi::Value Bytes(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(topo_->bytes())); }

  std::shared_ptr<Topology> topo_;
  std::vector<int32_t> itype_;  // string dictionary id → instance type id (-1: not an instance type)
};

template <> napi_typedarray_type TopologyWrap::kind<uint32_t>() { return napi_uint32_array; }
template <> napi_typedarray_type TopologyWrap::kind<int32_t>() { return napi_int32_array; }
template <> napi_typedarray_type TopologyWrap::kind<uint8_t>() { return napi_uint8_array; }
template <> napi_typedarray_type TopologyWrap::kind<double>() { return napi_float64_array; }

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = TopologyWrap::Define(env);
  auto* inst = new Instance();
  inst->topology = Napi::Persistent(ctor);
  env.SetInstanceData(inst);
  exports.Set("Topology", ctor);
  exports.Set("abiVersion", Napi::Number::New(env, 2));  // = ABI_VERSION in src/native/addon.ts
  Napi::Array reasons = Napi::Array::New(env, kReasons);
  for (size_t i = 0; i < kReasons; ++i) reasons.Set(static_cast<uint32_t>(i), reason_text(static_cast<Reason>(i)));
  exports.Set("reasons", reasons);
  init_ranks(env, exports);
  init_backfill(env, exports);
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
