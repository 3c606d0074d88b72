// Placement stages, each small and pure; pipeline.cpp wires them in order.
#pragma once

#include <optional>
#include <vector>

#include "fleetq/placement.h"

namespace fleetq::detail {

// Filter: the first reason node `n` cannot take one instance of `c` now, or Reason::kCount when it can.
Reason check_node(const Topology& t, uint32_t n, const ChunkReq& c, Sharing sharing);

// Domains: the node sets that share a network node at `level` (and a placement group when asked),
// each in ascending node order. Nodes without topology only appear at kLevelCluster.
const std::vector<std::vector<uint32_t>>& domains(const Topology& t, int level, bool same_group);

// Fill: places every chunk instance inside one domain (first fit, staying on a node while it
// fits), or nothing. `stranded` is set to the free cpus the domain keeps after placing.
std::optional<std::vector<Slot>> fill(const Topology& t, const std::vector<uint32_t>& domain, const Request& req,
                                      uint64_t* stranded);

// Diagnosis: counts nodes by why none of the chunks fits them.
Diagnosis diagnose(const Topology& t, const Request& req);

}  // namespace fleetq::detail
