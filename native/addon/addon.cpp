// The N-API glue for the Topology class: a snapshot built from columns, placing encoded requests
// (layouts in glue.h; src/native/wire.ts encodes and decodes them). No C++ exceptions cross the
// boundary (NAPI_DISABLE_CPP_EXCEPTIONS); errors become JS errors with a `code`. No globals: the
// constructor lives in per-addon instance data.
#include <napi.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fleetq/placement.h"
#include "fleetq/topology.h"
#include "glue.h"

namespace fleetq::addon {

namespace {

// The JS form of a place() or place_all() result (glue.h).
Napi::Object to_js(Napi::Env env, const Placement& p) { return placement_js(env, p); }
Napi::Object to_js(Napi::Env env, const std::vector<Placement>& ps) { return placements_js(env, ps); }

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

template <typename T> napi_typedarray_type kind();
template <> napi_typedarray_type kind<uint32_t>() { return napi_uint32_array; }
template <> napi_typedarray_type kind<int32_t>() { return napi_int32_array; }
template <> napi_typedarray_type kind<uint8_t>() { return napi_uint8_array; }
template <> napi_typedarray_type kind<double>() { return napi_float64_array; }

// columns[k]: a typed array of T with n * width elements; throws EINVAL naming it otherwise.
template <typename T>
bool column(Napi::Env env, const Napi::Object& o, const char* k, size_t n, size_t width, const T** out) {
  Napi::Value v = o.Get(k);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != kind<T>() ||
      v.As<Napi::TypedArrayOf<T>>().ElementLength() != n * width) {
    fail(env, "EINVAL", std::string("columns.") + k + ": a typed array of the node count is required");
    return false;
  }
  *out = v.As<Napi::TypedArrayOf<T>>().Data();
  return true;
}

// Exactly n names from `joined` (n - 1 newlines); false when there are more or fewer.
bool split_names(const std::string& joined, size_t n, std::vector<std::string>& names) {
  names.clear();
  names.reserve(n);
  if (n == 0) return joined.empty();
  size_t from = 0;
  for (size_t to; (to = joined.find('\n', from)) != std::string::npos; from = to + 1) {
    if (names.size() + 1 == n) return false;
    names.emplace_back(joined, from, to - from);
  }
  names.emplace_back(joined, from);
  return names.size() == n;
}

// Reads every column src/native/index.ts newColumns() makes (none is optional here, so a stale
// caller fails loudly); the values were checked in TypeScript.
bool from_columns(Napi::Env env, const Napi::Object& c, Columns& cols, std::vector<std::string>& dict) {
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
      !column(env, c, "network_nodes", n, kLayers, &cols.network_nodes) || !column(env, c, "numa", n, 1, &cols.numa) ||
      !column(env, c, "cores", n, 1, &cols.cores) || !column(env, c, "ena_gbps", n, 1, &cols.ena_gbps) ||
      !column(env, c, "pg_strategy", n, 1, &cols.pg_strategy) || !column(env, c, "pg_partition", n, 1, &cols.pg_partition)) {
    return false;
  }
  if (!split_names(names.As<Napi::String>().Utf8Value(), n, cols.names)) {
    fail(env, "EINVAL", "columns.names: one name per node, joined by newlines");
    return false;
  }
  Napi::Array arr = strings.As<Napi::Array>();
  dict.resize(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) dict[i] = arr.Get(i).ToString().Utf8Value();
  cols.strings = &dict;
  return true;
}

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
    if (!object_arg(info, 0, "columns")) return;
    Columns cols;
    std::vector<std::string> dict;
    if (!from_columns(info.Env(), info[0].As<Napi::Object>(), cols, dict)) return;
    snap_.topology = std::make_shared<Topology>(Topology::build(std::move(cols)));
    snap_.itype.reserve(dict.size());
    for (const std::string& s : dict) snap_.itype.push_back(snap_.topology->instance_type_id(s));
  }

  const Snapshot& snapshot() const { return snap_; }

 private:
  Topology& topo() { return *snap_.topology; }
  bool requests(const Napi::CallbackInfo& info, bool batch, std::vector<Request>& out) {
    return has_args(info, 1) && read_requests(info.Env(), info[0], batch, snap_.itype, out);
  }

  // place(request, out): writes the placement into `out` (a Float64Array the caller sizes for every
  // chunk instance and reuses, so the hot path allocates nothing in JS) and returns the diagnosis text.
  Napi::Value Place(const Napi::CallbackInfo& info) {
    std::vector<Request> r;
    Napi::Float64Array out;
    if (!requests(info, false, r) || !float64_arg(info, 1, "out", &out)) return info.Env().Undefined();
    const Placement p = place(topo(), r[0]);
    if (out.ElementLength() < encoded_size(p)) return fail(info.Env(), "EINVAL", "out: too short for the placement");
    encode(p, out.Data());
    return Napi::String::New(info.Env(), p.diagnosis.text);
  }
  Napi::Value PlaceMany(const Napi::CallbackInfo& info) {
    std::vector<Request> r;
    if (!requests(info, true, r)) return info.Env().Undefined();
    return placements_js(info.Env(), place_all(topo(), r));
  }
  template <typename Result>
  Napi::Value Queue(const Napi::CallbackInfo& info, bool batch, typename Worker<Result>::Work work) {
    std::vector<Request> r;
    if (!requests(info, batch, r)) return info.Env().Undefined();
    auto* w = new Worker<Result>(info.Env(), std::make_shared<Topology>(topo()), std::move(r), work);
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  }
  Napi::Value PlaceAsync(const Napi::CallbackInfo& info) { return Queue<Placement>(info, false, &place_first); }
  Napi::Value PlaceManyAsync(const Napi::CallbackInfo& info) { return Queue<std::vector<Placement>>(info, true, &place_all_on); }

  // (node, ncpus, mem_bytes, ngpus[, exclusive]) → boolean; setFree returns undefined.
  Napi::Value Change(const Napi::CallbackInfo& info, int op) {
    if (!has_args(info, 4)) return info.Env().Undefined();
    const uint32_t n = info[0].ToNumber().Uint32Value(), c = info[1].ToNumber().Uint32Value();
    const uint64_t m = static_cast<uint64_t>(info[2].ToNumber().DoubleValue());
    const uint32_t g = info[3].ToNumber().Uint32Value();
    if (op == 2) { topo().set_free(n, c, m, g); return info.Env().Undefined(); }
    const bool excl = info.Length() > 4 && info[4].ToBoolean();
    return Napi::Boolean::New(info.Env(), op == 0 ? topo().allocate(n, c, m, g, excl) : topo().release(n, c, m, g));
  }
  Napi::Value Allocate(const Napi::CallbackInfo& info) { return Change(info, 0); }
  Napi::Value Release(const Napi::CallbackInfo& info) { return Change(info, 1); }
  Napi::Value SetFree(const Napi::CallbackInfo& info) { return Change(info, 2); }
  Napi::Value Size(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(topo().size())); }
  Napi::Value Bytes(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(topo().bytes())); }

  Snapshot snap_;
};

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = TopologyWrap::Define(env);
  auto* inst = new Instance();
  inst->topology = Napi::Persistent(ctor);
  env.SetInstanceData(inst);
  exports.Set("Topology", ctor);
  exports.Set("abiVersion", Napi::Number::New(env, 8));  // = ABI_VERSION in src/native/addon.ts
  const size_t nreasons = static_cast<size_t>(Reason::kCount);
  Napi::Array reasons = Napi::Array::New(env, nreasons);
  for (size_t i = 0; i < nreasons; ++i) reasons.Set(static_cast<uint32_t>(i), reason_text(static_cast<Reason>(i)));
  exports.Set("reasons", reasons);
  init_ranks(env, exports);
  init_backfill(env, exports);
  init_replay(env, exports);
  return exports;
}

const Snapshot* snapshot_arg(const Napi::CallbackInfo& info, size_t i, const char* field) {
  Napi::Env env = info.Env();
  Instance* inst = env.GetInstanceData<Instance>();
  if (info.Length() <= i || !info[i].IsObject() || !info[i].As<Napi::Object>().InstanceOf(inst->topology.Value())) {
    fail(env, "EINVAL", std::string(field) + ": a Topology is required");
    return nullptr;
  }
  return &TopologyWrap::Unwrap(info[i].As<Napi::Object>())->snapshot();
}

}  // namespace fleetq::addon

static Napi::Object InitFleetqNative(Napi::Env env, Napi::Object exports) { return fleetq::addon::Init(env, exports); }
NODE_API_MODULE(fleetq_native, InitFleetqNative)
