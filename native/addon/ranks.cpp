// Glue for the rank layout: ranks(topology, slots, options) → the ranks and the files MPI
// launchers read. src/native/ranks.ts validates first; this re-checks only what could crash.
#include <vector>

#include "fleetq/ranks.h"
#include "glue.h"

namespace fleetq::addon {

namespace {

// A JS array of whole numbers (or null/undefined → empty).
std::vector<uint32_t> u32s(const Napi::Object& o, const char* k) {
  std::vector<uint32_t> v;
  Napi::Value x = o.Get(k);
  if (!x.IsArray()) return v;
  Napi::Array a = x.As<Napi::Array>();
  v.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) v.push_back(a.Get(i).ToNumber().Uint32Value());
  return v;
}

// options.nodes: [{node, cpus, gpus, numa, cpu_numa, gpu_numa, efa_numa}], lists null when absent.
RankOptions to_options(const Napi::Object& o) {
  RankOptions r;
  r.order = static_cast<RankOrder>(u32(o, "order"));
  r.binding = static_cast<Binding>(u32(o, "binding"));
  r.efa = o.Get("efa").ToBoolean();
  Napi::Value nv = o.Get("nodes");
  if (!nv.IsArray()) return r;
  Napi::Array nodes = nv.As<Napi::Array>();
  for (uint32_t i = 0; i < nodes.Length(); ++i) {
    Napi::Object n = nodes.Get(i).As<Napi::Object>();
    const uint32_t node = u32(n, "node");
    if (n.Get("cpus").IsArray()) r.cpus[node] = u32s(n, "cpus");
    if (n.Get("gpus").IsArray()) r.gpus[node] = u32s(n, "gpus");
    NodeHardware hw{u32(n, "numa"), u32s(n, "cpu_numa"), u32s(n, "gpu_numa"), u32s(n, "efa_numa")};
    r.hardware[node] = std::move(hw);
  }
  return r;
}

Napi::Array ranks_js(Napi::Env env, const RankMap& m) {
  Napi::Array out = Napi::Array::New(env, m.ranks.size());
  for (size_t i = 0; i < m.ranks.size(); ++i) {
    const Rank& r = m.ranks[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("node", r.node);
    o.Set("slot", r.slot);
    o.Set("gpu", r.gpu);
    o.Set("numa", r.numa);
    Napi::Array cpus = Napi::Array::New(env, r.cpus.size());
    for (size_t c = 0; c < r.cpus.size(); ++c) cpus.Set(c, r.cpus[c]);
    o.Set("cpus", cpus);
    out.Set(i, o);
  }
  return out;
}

// ranks(topology, slots, options) → {ranks, hostfile, rankfile, machinefile, nodefile}.
Napi::Value Ranks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Snapshot* snap = snapshot_arg(info, 0, "topology");
  std::vector<Slot> slots;
  if (!snap || !has_args(info, 3) || !read_slots(env, info[1], slots) || !object_arg(info, 2, "options")) return env.Undefined();
  const Topology& topo = *snap->topology;
  RankMap m = layout(topo, slots, to_options(info[2].As<Napi::Object>()));
  if (!m.error.empty()) return fail(env, "EINVAL", m.error);
  Napi::Object out = Napi::Object::New(env);
  out.Set("ranks", ranks_js(env, m));
  out.Set("hostfile", openmpi_hostfile(topo, m));
  out.Set("rankfile", openmpi_rankfile(topo, m));
  out.Set("machinefile", machinefile(topo, m));
  out.Set("nodefile", pbs_nodefile(topo, slots));
  return out;
}

}  // namespace

void init_ranks(Napi::Env env, Napi::Object exports) { exports.Set("ranks", Napi::Function::New<Ranks>(env, "ranks")); }

}  // namespace fleetq::addon
