// The glue's shared helpers (see glue.h): argument checks, slots and requests read from JS, and
// placements written for JS — one definition each, used by addon.cpp, ranks.cpp and backfill.cpp.
#include "glue.h"

#include <string>
#include <vector>

namespace fleetq::addon {

namespace {

constexpr size_t kChunkWidth = 8;
constexpr size_t kReasons = static_cast<size_t>(Reason::kCount);
constexpr size_t kHeader = 5 + kReasons + 1;

std::string at(const char* field, size_t i) { return std::string(field) + "[" + std::to_string(i) + "]"; }

// Reads requests from an encoded array (layout in glue.h); false when it is malformed. `itype`
// maps dictionary ids to the topology's instance type ids.
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
      c.instance_type = instance_type(x[6]);
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
  // -1 (any) stays; a dictionary string that is no instance type, or an id out of range, becomes
  // -2: a type the cluster lacks, which never matches.
  int32_t instance_type(double id) const {
    if (id == -1) return -1;
    if (!(id >= 0) || id >= static_cast<double>(itype_.size())) return -2;
    const int32_t t = itype_[static_cast<size_t>(id)];
    return t < 0 ? -2 : t;
  }
  const double* v_;
  size_t n_, at_ = 0;
  const std::vector<int32_t>& itype_;
};

}  // namespace

Napi::Value fail(Napi::Env env, const char* code, const std::string& msg) {
  Napi::Error e = Napi::TypeError::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

bool has_args(const Napi::CallbackInfo& info, size_t n) {
  if (info.Length() >= n) return true;
  fail(info.Env(), "EINVAL", std::to_string(n) + " arguments are required");
  return false;
}

bool object_arg(const Napi::CallbackInfo& info, size_t i, const char* field) {
  if (info.Length() > i && info[i].IsObject()) return true;
  fail(info.Env(), "EINVAL", std::string(field) + ": an object is required");
  return false;
}

bool float64_arg(const Napi::CallbackInfo& info, size_t i, const char* field, Napi::Float64Array* out) {
  if (info.Length() <= i || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    fail(info.Env(), "EINVAL", std::string(field) + ": a Float64Array is required");
    return false;
  }
  *out = info[i].As<Napi::Float64Array>();
  return true;
}

bool read_slots(Napi::Env env, const Napi::Value& v, std::vector<Slot>& out) {
  if (!v.IsArray()) { fail(env, "EINVAL", "slots: an array is required"); return false; }
  Napi::Array arr = v.As<Napi::Array>();
  out.clear();
  out.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value e = arr.Get(i);
    if (!e.IsObject()) { fail(env, "EINVAL", at("slots", i) + ": an object is required"); return false; }
    Napi::Object o = e.As<Napi::Object>();
    out.push_back(Slot{u32(o, "node"), u32(o, "chunk"), u32(o, "ncpus"), static_cast<uint64_t>(num(o, "mem_bytes")), u32(o, "ngpus"), u32(o, "mpiprocs")});
  }
  return true;
}

bool read_requests(Napi::Env env, const Napi::Value& v, bool batch, const std::vector<int32_t>& itype,
                   std::vector<Request>& out) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    fail(env, "EINVAL", "request: an encoded Float64Array is required");
    return false;
  }
  Napi::Float64Array a = v.As<Napi::Float64Array>();
  RequestReader rd(a.Data(), a.ElementLength(), itype);
  size_t count = 1;
  if (batch && !rd.count(&count)) { fail(env, "EINVAL", "requests: malformed batch"); return false; }
  out.resize(count);
  for (size_t i = 0; i < count; ++i) {
    if (!rd.read(out[i])) { fail(env, "EINVAL", at("requests", i) + ": malformed request"); return false; }
  }
  return true;
}

size_t encoded_size(const Placement& p) { return kHeader + 2 * p.slots.size(); }

void encode(const Placement& p, double* out) {
  out[0] = p.ok; out[1] = p.score.level; out[2] = static_cast<double>(p.score.stranded);
  out[3] = p.score.first_node; out[4] = p.diagnosis.never;
  for (size_t i = 0; i < kReasons; ++i) out[5 + i] = p.diagnosis.nodes[i];
  out[5 + kReasons] = static_cast<double>(p.slots.size());
  double* s = out + kHeader;
  for (const Slot& x : p.slots) { *s++ = x.node; *s++ = x.chunk; }
}

Napi::Object placement_js(Napi::Env env, const Placement& p) {
  Napi::Float64Array v = Napi::Float64Array::New(env, encoded_size(p));
  encode(p, v.Data());
  Napi::Object out = Napi::Object::New(env);
  out.Set("v", v);
  out.Set("text", Napi::String::New(env, p.diagnosis.text));
  return out;
}

Napi::Object placements_js(Napi::Env env, const std::vector<Placement>& ps) {
  size_t total = 1;
  for (const Placement& p : ps) total += encoded_size(p);
  Napi::Float64Array v = Napi::Float64Array::New(env, total);
  Napi::Array texts = Napi::Array::New(env, ps.size());
  double* next = v.Data();
  *next++ = static_cast<double>(ps.size());
  for (size_t i = 0; i < ps.size(); ++i) {
    encode(ps[i], next);
    next += encoded_size(ps[i]);
    texts.Set(static_cast<uint32_t>(i), Napi::String::New(env, ps[i].diagnosis.text));
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("v", v);
  out.Set("texts", texts);
  return out;
}

}  // namespace fleetq::addon
