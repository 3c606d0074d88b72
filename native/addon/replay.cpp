// Glue for the trace replay (fleetq/replay.h): new Replay(procs, jobs Float64Array, mode, order,
// timeline), step(maxEnds) → done, and the results as typed arrays. Jobs cross as one
// Float64Array of 6 numbers per job: submit, run, estimate, procs, preceding index (-1), think.
// src/native/replay.ts checks them before they cross.
#include <memory>
#include <vector>

#include "fleetq/replay.h"
#include "glue.h"

namespace fleetq::addon {

namespace {

constexpr size_t kJobWidth = 6;

class ReplayWrap : public Napi::ObjectWrap<ReplayWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Replay", {
      InstanceMethod<&ReplayWrap::Step>("step"),
      InstanceMethod<&ReplayWrap::Results>("results"),
      InstanceAccessor<&ReplayWrap::Ended>("ended"),
    });
  }

  explicit ReplayWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ReplayWrap>(info) {
    Napi::Env env = info.Env();
    Napi::Float64Array a;
    if (!has_args(info, 5) || !float64_arg(info, 1, "jobs", &a)) return;
    const uint32_t procs = info[0].ToNumber().Uint32Value();
    const uint32_t mode = info[2].ToNumber().Uint32Value(), order = info[3].ToNumber().Uint32Value();
    if (procs == 0 || mode > 2 || order > 1 || a.ElementLength() % kJobWidth != 0) { fail(env, "EINVAL", "Replay: bad procs, mode, order or jobs length"); return; }
    const size_t n = a.ElementLength() / kJobWidth;
    std::vector<TraceJob> jobs(n);
    for (size_t i = 0; i < n; ++i) {
      const double* r = a.Data() + kJobWidth * i;
      jobs[i] = TraceJob{static_cast<Seconds>(r[0]), static_cast<Seconds>(r[1]), static_cast<Seconds>(r[2]), static_cast<uint32_t>(r[3]),
                         static_cast<int64_t>(r[4]), static_cast<Seconds>(r[5])};
    }
    replay_ = std::make_unique<Replay>(procs, std::move(jobs), static_cast<Backfill>(mode), static_cast<ReplayOrder>(order), info[4].ToBoolean());
  }

 private:
  bool ready(const Napi::CallbackInfo& info, size_t args) {
    if (!replay_) { fail(info.Env(), "EINVAL", "replay: not constructed"); return false; }
    return has_args(info, args);
  }
  // step(maxEnds) → true when the trace is done.
  Napi::Value Step(const Napi::CallbackInfo& info) {
    if (!ready(info, 1)) return info.Env().Undefined();
    return Napi::Boolean::New(info.Env(), replay_->step(static_cast<uint64_t>(info[0].ToNumber().Int64Value())));
  }
  Napi::Value Ended(const Napi::CallbackInfo& info) {
    if (!ready(info, 0)) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), static_cast<double>(replay_->ended()));
  }
  // results() → { eligible, start, end: Float64Array per job; cycles, checks; timeline: Float64Array (t, queued, busy)… }
  Napi::Value Results(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(info, 0)) return env.Undefined();
    auto column = [&](const std::vector<Seconds>& v) {
      Napi::Float64Array a = Napi::Float64Array::New(env, v.size());
      for (size_t i = 0; i < v.size(); ++i) a[i] = static_cast<double>(v[i]);
      return a;
    };
    Napi::Object out = Napi::Object::New(env);
    out.Set("eligible", column(replay_->eligible()));
    out.Set("start", column(replay_->start()));
    out.Set("end", column(replay_->end()));
    out.Set("cycles", static_cast<double>(replay_->cycles()));
    out.Set("checks", static_cast<double>(replay_->checks()));
    const std::vector<TimelinePoint>& tl = replay_->timeline();
    Napi::Float64Array t = Napi::Float64Array::New(env, 3 * tl.size());
    for (size_t i = 0; i < tl.size(); ++i) {
      t[3 * i] = static_cast<double>(tl[i].t);
      t[3 * i + 1] = tl[i].queued;
      t[3 * i + 2] = static_cast<double>(tl[i].busy);
    }
    out.Set("timeline", t);
    return out;
  }

  std::unique_ptr<Replay> replay_;
};

}  // namespace

void init_replay(Napi::Env env, Napi::Object exports) { exports.Set("Replay", ReplayWrap::Define(env)); }

}  // namespace fleetq::addon
