// Shared pieces of the N-API glue (native/addon/ only), defined once in glue.cpp (snapshot_arg and
// Init in addon.cpp, beside the Topology class they unwrap): argument checks,
// how slots and requests are read from JS, how a Placement is turned into JS, the per-addon
// instance data, and how one glue file reaches the snapshot held by another. No globals; no C++
// exceptions cross into JS (NAPI_DISABLE_CPP_EXCEPTIONS): failures become JS errors with a string
// `code`. Every reader/checker below returns false (or null) after throwing, and the caller then
// returns undefined.
//
// Requests and placements cross as Float64Arrays (src/native/wire.ts encodes and decodes them):
//   request:   arrangement, sharing, same_group, nchunks, then per chunk kChunkWidth numbers
//              (count, ncpus, mem_bytes, ngpus, mpiprocs, efa, instance_type, capacity), where
//              instance_type is an id of the snapshot's string dictionary, -1 = any, -2 = a type
//              the snapshot lacks; a batch is the request count followed by the requests.
//   placement: ok, level, stranded, first_node, never, one count per Reason, nslots, then
//              (node, chunk) per slot — with the diagnosis text alongside.
// Slots cross as arrays of {node, chunk, ncpus, mem_bytes, ngpus, mpiprocs}.
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fleetq/placement.h"
#include "fleetq/topology.h"

namespace fleetq::addon {

// Per-addon instance data (env.SetInstanceData): constructors kept for instanceof checks.
struct Instance {
  Napi::FunctionReference topology;
};

// A snapshot as a JS Topology holds it: the core's topology, and what the ids of the string
// dictionary it crossed with mean as instance types (requests name types by dictionary id).
struct Snapshot {
  std::shared_ptr<Topology> topology;
  std::vector<int32_t> itype;  // dictionary id → instance type id (-1: not an instance type)
};

// Throws a JS TypeError with `code` set, and returns undefined for the caller to return.
Napi::Value fail(Napi::Env env, const char* code, const std::string& msg);

inline uint32_t u32(const Napi::Object& o, const char* k) { return o.Get(k).ToNumber().Uint32Value(); }
inline double num(const Napi::Object& o, const char* k) { return o.Get(k).ToNumber().DoubleValue(); }

// Argument checks: each throws EINVAL naming `field` (or the count) when the check fails.
bool has_args(const Napi::CallbackInfo& info, size_t n);
bool object_arg(const Napi::CallbackInfo& info, size_t i, const char* field);
bool float64_arg(const Napi::CallbackInfo& info, size_t i, const char* field, Napi::Float64Array* out);

// The snapshot behind a JS Topology object (argument `i`), or null after throwing EINVAL naming
// `field`. Lives as long as that JS object (copy the shared_ptr to keep the topology longer).
const Snapshot* snapshot_arg(const Napi::CallbackInfo& info, size_t i, const char* field);

// Reads `v`, an array of slot objects, into `out` (replacing its contents).
bool read_slots(Napi::Env env, const Napi::Value& v, std::vector<Slot>& out);

// Decodes `v`, one encoded request (or a batch when `batch`), into `out`; `itype` is the
// snapshot's dictionary → instance type map. Throws EINVAL naming the malformed request.
bool read_requests(Napi::Env env, const Napi::Value& v, bool batch, const std::vector<int32_t>& itype,
                   std::vector<Request>& out);

// Numbers the encoding of `p` takes, and the encoding written at `out` (that many numbers).
size_t encoded_size(const Placement& p);
void encode(const Placement& p, double* out);
// {v: Float64Array (one placement), text} and {v: (count, then each placement), texts}.
Napi::Object placement_js(Napi::Env env, const Placement& p);
Napi::Object placements_js(Napi::Env env, const std::vector<Placement>& ps);

// Each glue file adds its exports here; addon.cpp's Init calls them in turn.
void init_ranks(Napi::Env env, Napi::Object exports);
void init_backfill(Napi::Env env, Napi::Object exports);
void init_replay(Napi::Env env, Napi::Object exports);

// addon.cpp: the module initializer.
Napi::Object Init(Napi::Env env, Napi::Object exports);

}  // namespace fleetq::addon
