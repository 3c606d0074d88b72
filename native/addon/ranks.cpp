// Glue for the rank layout: ranks(topology, slots, order) → the files MPI launchers read.
#include <vector>

#include "fleetq/ranks.h"
#include "glue.h"

namespace fleetq::addon {

namespace {

Napi::Value Ranks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::shared_ptr<Topology> topo = topology_arg(info, 0, "topology");
  if (!topo) return env.Undefined();
  if (info.Length() < 3 || !info[1].IsArray()) return fail(env, "EINVAL", "slots: an array is required");
  Napi::Array arr = info[1].As<Napi::Array>();
  std::vector<Slot> slots;
  slots.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Object o = arr.Get(i).As<Napi::Object>();
    uint32_t node = u32(o, "node");
    if (node >= topo->size()) return fail(env, "EINVAL", "slots[" + std::to_string(i) + "].node: not a node of this topology");
    slots.push_back(Slot{node, u32(o, "chunk"), u32(o, "ncpus"), static_cast<uint64_t>(num(o, "mem_bytes")), u32(o, "ngpus"), u32(o, "mpiprocs")});
  }
  RankMap m = layout(slots, static_cast<RankOrder>(info[2].ToNumber().Uint32Value()));
  Napi::Object out = Napi::Object::New(env);
  out.Set("hostfile", openmpi_hostfile(*topo, slots));
  out.Set("rankfile", openmpi_rankfile(*topo, m));
  out.Set("machinefile", machinefile(*topo, slots));
  out.Set("nodefile", pbs_nodefile(*topo, slots));
  return out;
}

}  // namespace

void init_ranks(Napi::Env env, Napi::Object exports) { exports.Set("ranks", Napi::Function::New<Ranks>(env, "ranks")); }

}  // namespace fleetq::addon
