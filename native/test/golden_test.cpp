// Golden scenario files (native/test/golden/*.txt, format in its README.md): a topology fixture and
// requests → the expected placement and launcher files, compared as text. test/native/golden.test.ts
// reads the same files through the addon.
#include <gtest/gtest.h>

#include <algorithm>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fleetq/placement.h"
#include "fleetq/ranks.h"
#include "fleetq/topology.h"

#ifndef FLEETQ_GOLDEN_DIR
#error "FLEETQ_GOLDEN_DIR must name native/test/golden (CMakeLists.txt passes it)"
#endif

using namespace fleetq;

namespace {

struct Case {
  int line = 0;
  std::string select, place, want;
  std::vector<std::pair<std::string, std::string>> files;  // "rankfile slot" → expected text
};

struct Golden {
  std::vector<NodeSpec> nodes;
  std::vector<Case> cases;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep)) out.push_back(part);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// PBS sizes: 192gb, 512mb, 0b (powers of 1024).
uint64_t size(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i;
  const uint64_t n = std::stoull(s.substr(0, i));
  const std::string u = s.substr(i);
  const char* units[] = {"b", "kb", "mb", "gb", "tb"};
  for (int k = 0; k < 5; ++k)
    if (u == units[k] || (k == 0 && u.empty())) return n << (10 * k);
  throw std::runtime_error("bad size " + s);
}

std::string dash(const std::string& s) { return s == "-" ? "" : s; }

// name ncpus mem ngpus efa numa type az pg network free flags
NodeSpec node_row(const std::string& line) {
  const auto w = words(line);
  if (w.size() != 12) throw std::runtime_error("a node row has 12 fields: " + line);
  NodeSpec s;
  s.name = w[0];
  s.ncpus = s.free_ncpus = std::stoul(w[1]);
  s.mem = s.free_mem = size(w[2]);
  s.ngpus = s.free_ngpus = std::stoul(w[3]);
  s.efa = std::stoul(w[4]);
  s.numa = std::stoul(w[5]);
  s.instance_type = dash(w[6]);
  s.az = dash(w[7]);
  s.placement_group = dash(w[8]);
  if (!s.placement_group.empty()) s.pg_strategy = PgStrategy::Cluster;
  const auto net = split(w[9], '/');
  for (size_t l = 0; l < net.size() && l < static_cast<size_t>(kLayers); ++l) s.network_nodes[l] = dash(net[l]);
  if (w[10] != "all") {
    const auto f = split(w[10], '/');
    if (f.size() != 3) throw std::runtime_error("free is all or CPUS/MEM/GPUS: " + line);
    s.free_ncpus = std::stoul(f[0]);
    s.free_mem = size(f[1]);
    s.free_ngpus = std::stoul(f[2]);
  }
  for (const std::string& flag : split(w[11] == "-" ? "" : w[11], ',')) {
    if (flag == "down") s.up = false;
    else if (flag == "spot") s.spot = true;
    else if (flag == "excl") s.exclusive = true;
    else if (flag.rfind("jobs=", 0) == 0) s.njobs = std::stoul(flag.substr(5));
    else throw std::runtime_error("unknown flag " + flag);
  }
  return s;
}

Golden parse(const std::string& path) {
  std::ifstream in(path);
  Golden g;
  bool in_nodes = false;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.rfind("> ", 0) == 0 || line == ">") {  // a line of the file named just above
      g.cases.back().files.back().second += (line.size() > 2 ? line.substr(2) : "") + "\n";
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const auto w = words(line);
    if (w[0] == "nodes") { in_nodes = true; continue; }
    if (w[0] == "end") { in_nodes = false; continue; }
    if (in_nodes) { g.nodes.push_back(node_row(line)); continue; }
    if (w[0] == "request") {
      Case c;
      c.line = n;
      for (size_t i = 1; i < w.size(); ++i) {
        if (w[i].rfind("select=", 0) == 0) c.select = w[i].substr(7);
        else if (w[i].rfind("place=", 0) == 0) c.place = w[i].substr(6);
        else throw std::runtime_error(path + ":" + std::to_string(n) + ": unknown " + w[i]);
      }
      g.cases.push_back(c);
    } else if (w[0] == "want") {
      g.cases.back().want = line.substr(5);
    } else if (w[0] == "hostfile" || w[0] == "machinefile" || w[0] == "nodefile" || w[0] == "rankfile") {
      g.cases.back().files.emplace_back(line, "");
    } else {
      throw std::runtime_error(path + ":" + std::to_string(n) + ": unknown line " + line);
    }
  }
  return g;
}

ChunkReq chunk(const Topology& t, const std::string& text) {
  ChunkReq c;
  auto parts = split(text, ':');
  if (!parts.empty() && !parts[0].empty() && isdigit(static_cast<unsigned char>(parts[0][0])) && parts[0].find('=') == std::string::npos) {
    c.count = std::stoul(parts[0]);
    parts.erase(parts.begin());
  }
  for (const std::string& p : parts) {
    const size_t eq = p.find('=');
    const std::string k = p.substr(0, eq), v = p.substr(eq + 1);
    if (k == "ncpus") c.ncpus = std::stoul(v);
    else if (k == "mem") c.mem = size(v);
    else if (k == "ngpus") c.ngpus = std::stoul(v);
    else if (k == "mpiprocs") c.mpiprocs = std::stoul(v);
    else if (k == "ompthreads") continue;
    else if (k == "efa") c.efa = v == "true";
    else if (k == "capacity") c.capacity = v == "spot" ? Capacity::Spot : Capacity::OnDemand;
    else if (k == "instance_type") c.instance_type = t.instance_type_id(v) >= 0 ? t.instance_type_id(v) : -2;  // -2: no node has it
    else throw std::runtime_error("unknown chunk resource " + k);
  }
  return c;
}

Request request(const Topology& t, const Case& c) {
  Request r;
  for (const std::string& k : split(c.select, '+')) r.chunks.push_back(chunk(t, k));
  for (const std::string& p : split(c.place, ':')) {
    if (p == "free") r.arrangement = Arrangement::Free;
    else if (p == "pack") r.arrangement = Arrangement::Pack;
    else if (p == "scatter") r.arrangement = Arrangement::Scatter;
    else if (p == "vscatter") r.arrangement = Arrangement::VScatter;
    else if (p == "shared") r.sharing = Sharing::Shared;
    else if (p == "excl") r.sharing = Sharing::Excl;
    else if (p == "exclhost") r.sharing = Sharing::ExclHost;
    else if (p == "group=placement_group") r.same_group = true;
    else if (!p.empty()) throw std::runtime_error("unknown place " + p);
  }
  return r;
}

// "a,b+c level=0 stranded=4", or "wait: TEXT" / "never: TEXT".
std::string show(const Topology& t, const Request& r, const Placement& p) {
  if (!p.ok) return std::string(p.diagnosis.never ? "never: " : "wait: ") + p.diagnosis.text;
  std::string s;
  for (uint32_t k = 0; k < r.chunks.size(); ++k) {
    std::string kind;
    for (const Slot& x : p.slots)
      if (x.chunk == k) kind += (kind.empty() ? "" : ",") + t.names[x.node];
    s += (k ? "+" : "") + kind;
  }
  return s + " level=" + std::to_string(p.score.level) + " stranded=" + std::to_string(p.score.stranded);
}

std::string launcher_file(const Topology& t, const std::vector<Slot>& slots, const std::string& what) {
  const auto w = words(what);
  RankOptions o;
  if (w[0] == "rankfile") {
    if (w.size() != 2) throw std::runtime_error("rankfile needs an order: " + what);
    o.order = w[1] == "node" ? RankOrder::ByNode : w[1] == "gpu" ? RankOrder::ByGpu : RankOrder::BySlot;
  }
  const RankMap m = layout(t, slots, o);
  if (!m.error.empty()) return "error: " + m.error;
  if (w[0] == "hostfile") return openmpi_hostfile(t, m);
  if (w[0] == "machinefile") return machinefile(t, m);
  if (w[0] == "nodefile") return pbs_nodefile(t, slots);
  return openmpi_rankfile(t, m);
}

std::vector<std::string> golden_files() {
  std::vector<std::string> out;
  if (DIR* d = opendir(FLEETQ_GOLDEN_DIR)) {
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n.size() > 4 && n.compare(n.size() - 4, 4, ".txt") == 0) out.push_back(std::string(FLEETQ_GOLDEN_DIR) + "/" + n);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(Golden, ScenarioFiles) {
  const auto files = golden_files();
  ASSERT_GE(files.size(), 4u) << "golden files expected in " << FLEETQ_GOLDEN_DIR;
  size_t checked = 0;
  for (const std::string& path : files) {
    Golden g;
    try { g = parse(path); } catch (const std::exception& e) { ADD_FAILURE() << path << ": " << e.what(); continue; }
    ASSERT_FALSE(g.nodes.empty()) << path << ": no nodes";
    const Topology t = Topology::build(g.nodes);
    for (const Case& c : g.cases) {
      const Request r = request(t, c);
      const Placement p = place(t, r);
      EXPECT_EQ(show(t, r, p), c.want) << path << ":" << c.line << ": select=" << c.select << " place=" << c.place;
      for (const auto& [what, want] : c.files)
        EXPECT_EQ(launcher_file(t, p.slots, what), want) << path << ":" << c.line << ": " << what;
      ++checked;
    }
  }
  EXPECT_GE(checked, 30u) << "requests checked";
}
