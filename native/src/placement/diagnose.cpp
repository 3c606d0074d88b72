// Why nothing fits: nodes counted by the reason closest to fitting among the chunk kinds.
#include <string>

#include "internal.h"

namespace fleetq {

const char* reason_text(Reason r) {
  switch (r) {
    case Reason::Down: return "down";
    case Reason::LacksEfa: return "without EFA";
    case Reason::WrongType: return "of another instance type";
    case Reason::WrongCapacity: return "of the wrong capacity type";
    case Reason::TooSmall: return "too small";
    case Reason::Exclusive: return "held exclusively";
    case Reason::Busy: return "busy";
    default: return "";
  }
}

namespace detail {

Diagnosis diagnose(const Topology& t, const Request& req) {
  Diagnosis d;
  for (uint32_t n = 0; n < t.size(); ++n) {
    Reason best = Reason::Down;
    bool fits_some = false;
    for (const ChunkReq& c : req.chunks) {
      Reason r = check_node(t, n, c, req.sharing);
      if (r == Reason::kCount) { fits_some = true; break; }
      if (r > best) best = r;
    }
    if (!fits_some) d.nodes[static_cast<size_t>(best)] += 1;
  }
  std::string text;
  for (size_t i = 0; i < d.nodes.size(); ++i) {
    if (d.nodes[i] == 0) continue;
    if (!text.empty()) text += ", ";
    text += std::to_string(d.nodes[i]) + (d.nodes[i] == 1 ? " node " : " nodes ") + reason_text(static_cast<Reason>(i));
  }
  if (text.empty()) text = "no set of nodes holds the whole job together";
  d.text = text;
  return d;
}

}  // namespace detail
}  // namespace fleetq
