// Shared pieces of the N-API glue (native/addon/ only): argument helpers, the per-addon instance
// data, and how one glue file reaches the Topology held by another. No globals; no C++ exceptions
// cross into JS (NAPI_DISABLE_CPP_EXCEPTIONS): failures become JS errors with a string `code`.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "fleetq/topology.h"

namespace fleetq::addon {

// Per-addon instance data (env.SetInstanceData): constructors kept for instanceof checks.
struct Instance {
  Napi::FunctionReference topology;
};

// Throws a JS TypeError with `code` set, and returns undefined for the caller to return.
Napi::Value fail(Napi::Env env, const char* code, const std::string& msg);

inline uint32_t u32(const Napi::Object& o, const char* k) { return o.Get(k).ToNumber().Uint32Value(); }
inline double num(const Napi::Object& o, const char* k) { return o.Get(k).ToNumber().DoubleValue(); }
inline std::string str(const Napi::Object& o, const char* k) { return o.Get(k).ToString().Utf8Value(); }

// The topology behind a JS Topology object (argument `i` of the call), or null after throwing
// EINVAL naming `field`.
std::shared_ptr<Topology> topology_arg(const Napi::CallbackInfo& info, size_t i, const char* field);

// Each glue file adds its exports here; addon.cpp's Init calls them in turn.
void init_ranks(Napi::Env env, Napi::Object exports);
void init_backfill(Napi::Env env, Napi::Object exports);

// addon.cpp: the module initializer.
Napi::Object Init(Napi::Env env, Napi::Object exports);

}  // namespace fleetq::addon
