// opencl-optimized: options, Prepare around the baseline's plan builder (plan cache lookup, CLBlast tuning, passes),
// per-layer kernel selection (the timing itself: candidate_timing.cc; CLBlast's: gemm_tuning.cc), Describe.
#include "engines/opencl/optimized_engine.h"

#include <clblast.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engines/opencl/baseline_builder.h"
#include "engines/opencl/optimized_kernels.h"
#include "engines/opencl/winograd.h"
#include "engines/opencl/generated_kernels.h"
#include "engines/window2d.h"
#include "harness/common/errors.h"
#include "harness/common/version.h"

namespace joulebench {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string Option(const nlohmann::json& o, const char* key, const char* fallback, const std::vector<std::string>& allowed) {
  const std::string v = o.value(key, std::string(fallback));
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
    throw InputError(fmt::format("opencl-optimized: option {} is \"{}\"; expected one of: {}", key, v,
                                 fmt::join(allowed, ", ")));
  }
  return v;
}

// A numeric option (a JSON number or a numeric string) within [lo, hi], or `fallback` when absent; anything else is
// refused with `meaning` in the message.
double NumberOption(const nlohmann::json& o, const char* key, double fallback, double lo, double hi,
                    const char* meaning) {
  if (!o.contains(key)) return fallback;
  const auto& v = o[key];
  double x = std::nan("");
  try {
    x = v.is_number() ? v.get<double>() : std::stod(v.get<std::string>());
  } catch (const std::exception&) {
  }
  if (!(x >= lo && x <= hi)) {
    throw InputError(fmt::format("opencl-optimized: option {} is {}; expected {}", key, v.dump(), meaning));
  }
  return x;
}

}  // namespace

OpenClOptimizedEngine::OpenClOptimizedEngine(EngineConfig config) : OpenClBaselineEngine(std::move(config)) {
  plan_memory_ = true;
  const auto& o = config_.options;
  std::stringstream list(o.value("disable_passes", std::string()));
  for (std::string item; std::getline(list, item, ',');) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) disabled_passes_.insert(item);
  }
  CheckPassNames(disabled_passes_);
  std::vector<std::string> kernels = {"auto", "library", "igemm", "direct_tiled", "winograd"};
  for (const auto& c : IgemmCandidates()) kernels.push_back(c.Name());
  for (const auto& c : WinogradCandidates()) kernels.push_back(c.Name());
  conv_kernel_ = Option(o, "conv_kernel", "auto", kernels);
  std::vector<std::string> matmul_kernels = {"auto", "library", "igemm"};
  for (const auto& c : IgemmCandidates()) matmul_kernels.push_back(c.Name());
  matmul_kernel_ = Option(o, "matmul_kernel", "auto", matmul_kernels);
  std::vector<std::string> attention_kernels = {"auto"};
  for (const auto& c : AttentionCandidates()) attention_kernels.push_back(c.Name());
  attention_kernel_ = Option(o, "attention_kernel", "auto", attention_kernels);
  selection_ = Option(o, "kernel_selection", "auto", {"auto", "time", "heuristic"});
  winograd_fusion_ = Option(o, "winograd_fusion", "off", {"off", "on"}) == "on";
  fuse_reduction_ = Option(o, "fuse_reduction", "off", {"off", "on"}) == "on";
  candidate_timing_ = Option(o, "candidate_timing", "wall", {"wall", "gpu"});
  tune_gemm_ = Option(o, "tune_gemm", "auto", {"auto", "on", "off"});
  use_plan_cache_ = o.value("plan_cache", true);
  parallel_branches_option_ = Option(o, "parallel_branches", "auto", {"auto", "on", "off", "late"});
  serial_splitk_only_ = Option(o, "splitk", "any", {"any", "serial"}) == "serial";
  single_fragments_ = Option(o, "fragments", "double", {"double", "single"}) == "single";
  global_prefetch_ = Option(o, "global_prefetch", "auto", {"auto", "one-ahead", "two-ahead"});
  early_epilogue_ = Option(o, "epilogue_loads", "late", {"late", "early"}) == "early";
  const std::string objective = Option(o, "kernel_objective", "time", {"time", "energy", "measured-energy"});
  energy_objective_ = objective == "energy";
  measured_energy_ = objective == "measured-energy";
  energy_candidates_ = static_cast<int>(NumberOption(o, "energy_candidates", energy_candidates_, 1, 50,
                                                     "an integer from 1 to 50 (how many of each layer's fastest "
                                                     "candidates kernel_objective=measured-energy measures)"));
  if (o.contains("energy_candidates") && NumberOption(o, "energy_candidates", 1, 1, 50, "") != energy_candidates_) {
    throw InputError(fmt::format("opencl-optimized: option energy_candidates is {}; expected an integer from 1 to 50",
                                 o["energy_candidates"].dump()));
  }
  energy_window_s_ = 1e-3 * NumberOption(o, "energy_window_ms", 1e3 * energy_window_s_, 10, 60000,
                                         "milliseconds from 10 to 60000 (how long kernel_objective=measured-energy "
                                         "runs each candidate while it reads the energy counter)");
  energy_slack_ = 1e-2 * NumberOption(o, "energy_slack", 1e2 * energy_slack_, 0, 1000,
                                      "a percentage from 0 to 1000 (how much slower than a layer's fastest "
                                      "candidate one that kernel_objective=measured-energy measures may be)");
  spin_wait_ = Option(o, "host_wait", "finish", {"finish", "spin"}) == "spin";
  l2_prefetch_ = Option(o, "l2_prefetch", "off", {"off", "on"}) == "on";
  command_buffer_option_ = Option(o, "command_buffer", "off", {"off", "on", "auto"});
  deep_steps_ = Option(o, "deep_steps", "off", {"off", "on"}) == "on";
  atomic_splitk_ = Option(o, "atomic_splitk", "off", {"off", "on"}) == "on";
  tensor_cores_ = Option(o, "tensor_cores", "off", {"off", "3xtf32"}) == "3xtf32";
  timing_window_s_ = 1e-6 * NumberOption(o, "timing_window_us", 1e6 * timing_window_s_, 0, 1e6,
                                          "microseconds from 0 to 1000000 (how long each timed measurement of a "
                                          "candidate lasts; 0: five repetitions)");
  static_power_ratio_ = NumberOption(o, "static_power_ratio", static_power_ratio_, 0, std::numeric_limits<double>::max(),
                                     "a number >= 0 (the card's power with no compute unit busy over the power its "
                                     "busy units add)");
}

OpenClOptimizedEngine::~OpenClOptimizedEngine() {
  if (aux_queue_) {
    clFinish(aux_queue_);
    clReleaseCommandQueue(aux_queue_);
  }
  if (inference_done_) clReleaseEvent(inference_done_);
  if (branch_done_) clReleaseEvent(branch_done_);
  if (fork_event_) clReleaseEvent(fork_event_);
  if (branch_gate_) {
    clSetUserEventStatus(branch_gate_, CL_COMPLETE);
    clReleaseEvent(branch_gate_);
  }
}

bool OpenClOptimizedEngine::Timed(const IgemmCandidate& k) const {
  if (k.splits > 1 && !k.serial && !k.atomic && serial_splitk_only_) return false;  // a reduction launch of its own
  return (!k.deep_steps || deep_steps_) && (!k.atomic || atomic_splitk_) && (!k.tensor_cores || tensor_cores_timed_);
}

std::vector<std::string> OpenClOptimizedEngine::Candidates(Builder& b, const Node& n) const {
  if (n.op_type == "FusedAttention") {
    std::vector<std::string> c;
    for (const auto& k : AttentionCandidates()) c.push_back(k.Name());
    return c;
  }
  if (n.op_type == "FusedMatMul") {
    // The implicit-GEMM tiles in their MatMul form; float4 where the depth and the columns come in fours.
    const Shape a = b.ShapeOf(n.inputs[0]), w = b.ShapeOf(n.inputs[1]);
    if (a.empty() || w.size() != 2) return {"library"};
    const std::int64_t cols = w[n.IntAttr("trans_b", 0) ? 0 : 1];
    std::vector<std::string> c = {"library"};
    for (const auto& k : IgemmCandidates()) {
      if (!Timed(k) && matmul_kernel_ != k.Name()) continue;  // a form named in matmul_kernel is always allowed
      if (!k.vec4 || (a.back() % 4 == 0 && cols % 4 == 0)) c.push_back(k.Name());
    }
    return c;
  }
  if (n.IntAttr("group", 1) != 1) return {"direct"};
  // Which specialised kernels the layer's geometry allows: float4 pointwise tiles, Winograd (with its float4 GEMM
  // where the output channels and the tiles come in fours).
  const Shape x = b.ShapeOf(n.inputs[0]), w = b.ShapeOf(n.inputs[1]);
  bool pointwise4 = false, winograd = false;
  std::int64_t oh = 0, ow = 0;
  if (x.size() == 4 && w.size() == 4) {
    const Window2d g = ComputeWindow2d(n, x[2], x[3], w[2], w[3], false);
    const bool unit = g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1;
    pointwise4 = g.kh == 1 && g.kw == 1 && unit && g.pt == 0 && g.pl == 0 && g.oh == x[2] && g.ow == x[3] &&
                 w[0] % 4 == 0 && (g.oh * g.ow) % 4 == 0;
    winograd = g.kh == 3 && g.kw == 3 && unit && w[1] == x[1];
    oh = g.oh, ow = g.ow;
  }
  std::vector<std::string> c = {"library"};
  for (const auto& k : IgemmCandidates()) {
    if (!Timed(k) && conv_kernel_ != k.Name()) continue;  // a form named in conv_kernel is always allowed
    if (!k.vec4 || pointwise4) c.push_back(k.Name());
  }
  c.push_back("direct_tiled");
  for (const auto& k : winograd ? WinogradCandidates() : std::vector<WinogradCandidate>{}) {
    if (k.fused && !winograd_fusion_ && conv_kernel_ != k.Name()) continue;  // opt-in: faster, not leaner (docs)
    if (k.deep_steps && !deep_steps_ && conv_kernel_ != k.Name()) continue;
    if (k.tensor_cores && !tensor_cores_timed_ && conv_kernel_ != k.Name()) continue;
    const std::int64_t tiles = x[0] * ((oh + k.m - 1) / k.m) * ((ow + k.m - 1) / k.m);
    if (!k.vec4 || (w[0] % 4 == 0 && tiles % 4 == 0)) c.push_back(k.Name());
  }
  return c;
}

void OpenClOptimizedEngine::Prepare(const Graph& graph, Precision precision, std::int64_t batch) {
  const auto t0 = Clock::now();
  warnings_.clear();
  failed_tc_.clear();
  choices_.clear();
  timings_ = nlohmann::json::object();
  busy_ = nlohmann::json::object();
  energies_ = nlohmann::json::object();
  powers_ = nlohmann::json::object();
  plan_ = PlanLookup{"off", "", "", nullptr};
  recorded_plan_.reset();  // before the launches' kernels it recorded are released
  if (!device_) {
    // Timing candidates on the device clock needs a profiling queue; inference alone does not.
    device_ = std::make_unique<cl::Device>(cl::DeviceChoice{
        config_.device_type, config_.device_platform, config_.device_index,
        config_.options.value("queue_profiling", false) || candidate_timing_ == "gpu"});
  }
  tensor_cores_timed_ = TensorCoresTimed();
  phases_.clear();
  // The model's structure and a fast digest of its weights: the byte-wise Hash() costs 0.3 s on ResNet-50, a third
  // of a plan-cache hit.
  nlohmann::json plan_options = config_.options;  // queue_profiling and host_wait change how the plan is run, not it
  if (plan_options.is_object()) {
    plan_options.erase("queue_profiling");
    plan_options.erase("host_wait");
    plan_options.erase("command_buffer");
  }
  const nlohmann::json key = {{"model_hash", graph.Hash(/*weights=*/false) + "-" + graph.WeightsDigest()},   {"device", device_->name()},
                              {"driver", device_->driver()},  {"platform", device_->platform()},
                              {"precision", PrecisionName(precision)}, {"batch", batch},
                              {"joulebench", kVersion},       {"options", plan_options}};
  if (use_plan_cache_) {
    plan_ = LoadPlan(key);
    if (!plan_.message.empty()) warnings_.push_back(plan_.message);
    if (plan_.status == "hit") {
      const nlohmann::json choices = plan_.plan.value("choices", nlohmann::json::object());
      for (const auto& [node, cand] : choices.items()) choices_[node] = cand.get<std::string>();
      if (plan_.plan.contains("gemm_params") && plan_.plan["gemm_params"].is_object()) {
        std::unordered_map<std::string, std::size_t> params;
        for (const auto& [k, v] : plan_.plan["gemm_params"].items()) params[k] = v.get<std::size_t>();
        clblast::OverrideParameters(device_->id(), "Xgemm", clblast::Precision::kSingle, params);
        gemm_params_ = plan_.plan["gemm_params"];
        gemm_status_ = "CLBlast Xgemm tuned for this device (from the plan cache)";
      }
    }
  }
  phases_["plan_lookup"] = Since(t0);
  const bool hit = plan_.status == "hit";
  timing_ = !hit && (selection_ == "time" || (selection_ == "auto" && device_->is_gpu()));
  if (timing_ && measured_energy_) RequireEnergyCounter();
  if (!hit && gemm_params_.is_null() && (tune_gemm_ == "on" || (tune_gemm_ == "auto" && device_->is_gpu()))) {
    const auto t1 = Clock::now();
    TuneGemm();
    phases_["gemm_tuning"] = Since(t1);
  }
  const auto t2 = Clock::now();
  timing_cache_ = timing_ ? std::make_unique<TimingCache>() : nullptr;  // after TuneGemm wrote its entry
  OpenClBaselineEngine::Prepare(graph, precision, batch);
  phases_["shapes_passes_lowering_warmup"] = Since(t2);
  DropDerivedWeights();
  if (timing_cache_) {
    try {
      timing_cache_->Save();
    } catch (const std::exception& e) {
      warnings_.push_back(e.what());
    }
  }
  build_s_ = Since(t0);
  if (use_plan_cache_ && plan_.status != "hit") {
    nlohmann::json plan = {{"choices", choices_},           {"gemm_params", gemm_params_},
                           {"optimized_graph_hash", optimized_hash_}, {"passes", optimized_.ReportJson()},
                           {"device_memory_bytes", device_bytes_}, {"build_s", build_s_}};
    try {
      SavePlan(key, plan);
    } catch (const std::exception& e) {
      warnings_.push_back(fmt::format("plan not cached: {}", e.what()));
    }
  }
}

Graph OpenClOptimizedEngine::Optimize(Graph shaped) {
  const auto t0 = Clock::now();
  optimized_ = OptimizeGraph(std::move(shaped), disabled_passes_);  // moved through: no copy of the weights
  branches_.clear();
  hooks_.clear();
  reductions_.clear();
  folded_reductions_.clear();
  if (parallel_branches_option_ == "on" || parallel_branches_option_ == "late" ||
      (parallel_branches_option_ == "auto" && device_->is_gpu())) {
    branches_ = ScheduleParallelBranches(optimized_.graph);
  }
  if (!branches_.empty() && !aux_queue_) {
    cl_int err = CL_SUCCESS;
    aux_queue_ = clCreateCommandQueue(device_->context(), device_->id(), 0, &err);
    cl::Check(err, "clCreateCommandQueue (the parallel branches' queue)");
  }
  phases_["passes"] = Since(t0);
  for (const auto& r : optimized_.reports) {
    if (!r.warning.empty()) warnings_.push_back(r.warning);
  }
  optimized_hash_ = optimized_.graph.Hash(/*weights=*/false);  // weights follow from the model hash in the key
  if (plan_.status == "hit" && plan_.plan.value("optimized_graph_hash", "") != optimized_hash_) {
    warnings_.push_back(fmt::format("plan file {} describes a different optimized graph; rebuilt", plan_.path));
    plan_.status = "stale";
    choices_.clear();
    timing_ = selection_ == "time" || (selection_ == "auto" && device_->is_gpu());
    if (timing_) timing_cache_ = std::make_unique<TimingCache>();
  }
  return std::move(optimized_.graph);  // Describe() needs only the pass reports
}

std::string OpenClOptimizedEngine::Signature(Builder& b, const Node& n) const {
  std::string s = fmt::format("{}|{}|{}|{}", device_->name(), device_->driver(), n.op_type,
                              ShapeToString(b.ShapeOf(n.inputs[0])));
  s += "|" + ShapeToString(b.ShapeOf(n.inputs[1]));
  for (const char* a : {"strides", "pads", "dilations"}) s += fmt::format("|{}", fmt::join(n.IntsAttr(a), ","));
  s += fmt::format("|g{}|t{}|{}|b{}r{}", n.IntAttr("group", 1), n.IntAttr("trans_b", 0), n.StringAttr("activation", ""),
                   n.inputs.size() > 2 && !n.inputs[2].empty(), n.inputs.size() > 3 && !n.inputs[3].empty());
  for (const char* a : {"batch", "heads", "seq_q", "seq_k", "head_dim", "v_dim"}) s += fmt::format("|{}", n.IntAttr(a, 0));
  for (const char* a : {"q_strides", "k_strides", "v_strides", "o_strides"}) s += fmt::format("|{}", fmt::join(n.IntsAttr(a), ","));
  // How TimeCandidate measures: entries timed another way are not reused.
  return s + (candidate_timing_ == "gpu" ? "|gated-gpu" : "|back-to-back");
}

bool OpenClOptimizedEngine::LowerSpecial(Builder& b, const Node& n) {
  const std::size_t first_launch = launches_.size();
  if (!LowerFused(b, n)) return false;
  if (std::any_of(branches_.begin(), branches_.end(), [&](const ParallelBranch& p) { return p.join == n.name; })) {
    JoinBranch(n, first_launch);
  }
  return true;
}

bool OpenClOptimizedEngine::LowerFused(Builder& b, const Node& n) {
  if (n.op_type == "FusedElementwise") {
    LowerElementwise(b, n);
    return true;
  }
  if (n.op_type != "FusedConv" && n.op_type != "FusedMatMul" && n.op_type != "FusedAttention") return false;
  const auto cands = Candidates(b, n);
  std::string choice;
  if (auto it = choices_.find(n.name); it != choices_.end() && std::count(cands.begin(), cands.end(), it->second)) {
    choice = it->second;
  } else if (const std::string& forced = n.op_type == "FusedConv"     ? conv_kernel_
                                         : n.op_type == "FusedMatMul" ? matmul_kernel_
                                                                      : attention_kernel_;
             cands.size() > 1 && forced != "auto") {
    choice = forced == "igemm" ? IgemmTiles()[0].Name() : forced;
    if (choice == "winograd") choice = WinogradCandidates()[0].Name();
    if (!std::count(cands.begin(), cands.end(), choice)) choice = cands[0];  // not for this layer (Winograd, float4)
  } else if (timing_ && cands.size() > 1) {
    double best = 1e30;
    // The timing cache's key names the kernel form: fragments=single and global_prefetch compile the same
    // candidates differently (one-ahead keeps the key it had before the option existed).
    const std::string sig = Signature(b, n) + (single_fragments_ ? "|single-fragments" : "") +
                            (global_prefetch_ == "one-ahead" ? "" : "|prefetch-" + global_prefetch_) +
                            (early_epilogue_ ? "|early-epilogue" : "") + (l2_prefetch_ ? "|l2-prefetch" : "") +
                            (candidate_timing_ == "wall" && timing_window_s_ > 0
                                 ? fmt::format("|window-{}us", std::lround(timing_window_s_ * 1e6))
                                 : std::string());
    std::map<std::string, CandidateCost> costs;
    for (const auto& c : cands) {
      const auto cached = timing_cache_->Find(sig + "|" + c), busy = timing_cache_->Find(sig + "|" + c + "|busy");
      auto measure = [&]() -> CandidateCost {
        try {
          return TimeCandidate(b, n, c);
        } catch (const InputError&) {
          return {};  // a candidate the layer cannot use (too much local memory) is never chosen
        } catch (const EnvironmentError& e) {
          if (c.find("_tc") == std::string::npos) throw;
          // A tensor-core form the driver would not build (PTX): skipped, said once per form, never the plan's end.
          if (std::find(failed_tc_.begin(), failed_tc_.end(), c) == failed_tc_.end()) {
            failed_tc_.push_back(c);
            warnings_.push_back(fmt::format("{} not timed: {}", c, std::string(e.what()).substr(0, 600)));
          }
          return {};
        }
      };
      const CandidateCost cost = cached && busy ? CandidateCost{*cached, *busy} : measure();
      if (!cached || !busy) {
        timing_cache_->Put(sig + "|" + c, cost.seconds);
        timing_cache_->Put(sig + "|" + c + "|busy", cost.busy);
      }
      timings_[n.name][c] = cost.seconds;
      busy_[n.name][c] = cost.busy;
      costs[c] = cost;
      if (Score(cost) < best) {
        best = Score(cost);
        choice = c;
      }
    }
    if (measured_energy_) choice = LeastEnergyCandidate(b, n, costs, sig);
  } else {
    choice = cands[0];
  }
  choices_[n.name] = choice;
  const auto branch = std::find_if(branches_.begin(), branches_.end(),
                                   [&](const ParallelBranch& p) { return p.node == n.name; });
  if (branch != branches_.end()) {
    LowerBranch(b, n, choice, *branch);
  } else {
    LowerCandidate(b, n, choice);
  }
  DropDerivedWeights();  // the chosen layout is on the device; keep at most one layer's host copies at a time
  return true;
}

cl::Program& OpenClOptimizedEngine::TileProgram(const IgemmTile& tile, bool pointwise, bool batched, bool vec4,
                                                bool matmul, bool serial, int winograd_fused, int kh, int kw,
                                                int slices, bool atomic, bool tensor_cores) {
  const std::string defines = tile.Defines() + (pointwise ? " -DPOINTWISE" : "") + (batched ? " -DBATCHED" : "") +
                              (vec4 ? " -DVEC4" : "") + (matmul ? " -DMATMUL" : "") + (serial ? " -DSERIAL_SPLITK" : "") +
                              (winograd_fused ? " -DWINO_FUSED -DWM=2" : "") +
                              (winograd_fused == 2 ? " -DWINO_FUSED_OUTPUT" : "") +
                              (single_fragments_ ? " -DSINGLE_FRAGMENTS" : "") +
                              (TwoAhead(tile) ? " -DPREFETCH=2" : "") +
                              (EarlyEpilogue(tile) && !winograd_fused ? " -DEARLY_EPILOGUE" : "") +
                              (kh > 0 ? fmt::format(" -DKH={} -DKW={}", kh, kw) : std::string()) +
                              (slices > 1 ? fmt::format(" -DSLICES={}", slices) : std::string()) +
                              (l2_prefetch_ ? " -DL2_PREFETCH" + PtxDefine() : std::string()) +
                              (atomic ? " -DATOMIC_SPLITK" + PtxDefine() : std::string()) +
                              (tensor_cores ? " -DTENSOR_CORES" + MmaDefine() : std::string());
  auto& p = tile_programs_[defines];
  if (!p) {
    p = std::make_unique<cl::Program>(
        *device_, std::string(OptimizedKernelSource()) + (winograd_fused ? WinogradKernelSource() : ""),
        "-cl-std=CL1.2 " + defines);
  }
  return *p;
}

void OpenClOptimizedEngine::RequireGroupSize(cl::Program& program, std::size_t group, const std::string& candidate) {
  if (const std::size_t most = program.MaxWorkGroupSize("conv_igemm"); group > most) {
    throw InputError(fmt::format("opencl-optimized: {} runs {} work-items per work-group; this device runs at most {} "
                                 "of that kernel (registers); use another kernel", candidate, group, most));
  }
}

// global_prefetch=auto: two register sets on the large tiles (128 rows), whose forms ran faster two-ahead in a
// same-card ablation on the H100 (session 10, call 1: up to 12% less time per layer at batch 32); the small tiles of
// batch 1 were level or slower (up to 23% for igemm_64x32x16_4x4_v4).
bool OpenClOptimizedEngine::TwoAhead(const IgemmTile& tile) const {
  return global_prefetch_ == "two-ahead" || (global_prefetch_ == "auto" && tile.tm >= 128);
}

// epilogue_loads=early: the bias and residual loaded before the depth loop, on the tiles of at most 16 outputs per
// work-item (the large tiles of batch 32 would pay 32-64 registers for them).
bool OpenClOptimizedEngine::EarlyEpilogue(const IgemmTile& tile) const {
  return early_epilogue_ && tile.rm * tile.rn <= 16;
}

const OpenClBaselineEngine::DevTensor& OpenClOptimizedEngine::DerivedWeights(
    Builder& b, const Node& n, const std::string& suffix, const std::function<Tensor(const Tensor&)>& make) {
  const std::string name = n.inputs[1] + "." + suffix;
  if (!b.Host(name)) {
    const Tensor* w = b.Host(n.inputs[1]);
    if (!w) {
      throw InputError(fmt::format("opencl-optimized: node '{}' needs constant weights for its {} layout; '{}' is "
                                   "computed on the device (use conv_kernel igemm or library)", n.name, suffix,
                                   n.inputs[1]));
    }
    host_[name] = make(*w);
    derived_weights_.push_back(name);
  }
  return b.Dev(name);
}

void OpenClOptimizedEngine::DropDerivedWeights() {
  for (const auto& name : derived_weights_) host_.erase(name);
  derived_weights_.clear();
}

nlohmann::json OpenClOptimizedEngine::Describe() const {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& r : optimized_.reports) {
    for (const auto& g : r.groups) groups.push_back(g);
  }
  std::map<std::string, int> chosen;
  std::vector<std::string> tensor_core_layers;
  for (const auto& [node, c] : choices_) {
    ++chosen[c];
    if (c.find("_tc") != std::string::npos) tensor_core_layers.push_back(node);
  }
  nlohmann::json branches = nlohmann::json::array();
  for (const auto& p : branches_) {
    branches.push_back({{"node", p.node}, {"join", p.join}, {"overlapped_layers", p.overlapped}});
  }
  std::vector<std::string> two_ahead, early_epilogue;
  for (const auto& t : IgemmTiles()) {
    if (TwoAhead(t)) two_ahead.push_back(t.Name());
    if (EarlyEpilogue(t)) early_epilogue.push_back(t.Name());
  }
  std::size_t sync = 0, event_waits = 0;
  for (const auto& [index, h] : hooks_) event_waits += h.waits.size();
  for (const char* kind : {"branch_fork", "branch_done", "branch_join"}) {
    if (auto it = launches_by_kind_.find(kind); it != launches_by_kind_.end()) sync += it->second;
  }
  return {{"engine", "opencl-optimized"},
          {"device", device_ ? device_->Facts() : nlohmann::json()},
          {"precision", tensor_core_layers.empty()
                            ? std::string("fp32 (every layer)")
                            : fmt::format("fp32 (every layer; {} layers' products as 3xTF32 on tensor cores)",
                                          tensor_core_layers.size())},
          {"tensor_cores", {{"option", tensor_cores_ ? "3xtf32" : "off"},
                            {"timed", tensor_cores_timed_},
                            {"instruction", mma_define_ && !mma_define_->empty() ? "PTX mma.sync m16n8k8 tf32"
                                            : tensor_core_layers.empty() ? "none" : "emulated in local memory"},
                            {"layers", tensor_core_layers}}},
          {"batch", batch_},
          {"kernels_per_inference", launches_.size() - sync},
          {"queue_sync_commands", sync},
          {"event_hooked_launches", hooks_.size()},
          {"event_waits", event_waits},
          {"parallel_branches", branches},
          {"launches_by_kind", launches_by_kind_},
          {"passes", optimized_.ReportJson()},
          {"disabled_passes", disabled_passes_},
          {"fused_groups", groups},
          {"kernel_choices", chosen},
          {"kernel_choice_per_node", choices_},
          {"kernel_timings_s", timings_},
          {"kernel_busy_fraction", busy_},
          {"kernel_objective", energy_objective_ ? fmt::format("energy (static power ratio {})", static_power_ratio_)
                               : measured_energy_
                                   ? fmt::format("measured energy (the {} fastest candidates{}, {} ms each)",
                                                 energy_candidates_,
                                                 energy_slack_ < 10
                                                     ? fmt::format(" within {}% of the fastest's time",
                                                                   std::lround(energy_slack_ * 100))
                                                     : std::string(),
                                                 std::lround(energy_window_s_ * 1e3))
                                   : std::string("time")},
          {"host_wait", spin_wait_ ? "spin" : "finish"},
          {"command_buffer", command_buffer_report_},
          {"folded_reductions", folded_reductions_},
          {"kernel_energy_j", energies_},
          {"kernel_power_w", powers_},
          {"global_prefetch", global_prefetch_},
          {"two_ahead_tiles", two_ahead},
          {"early_epilogue_tiles", early_epilogue},
          {"l2_prefetch", l2_report_},
          {"kernel_selection", timing_ ? "timed on the device" : plan_.status == "hit" ? "from the plan cache"
                                                                                       : "heuristic"},
          {"gemm", gemm_status_},
          {"gemm_params", gemm_params_},
          {"device_memory_bytes", device_bytes_},
          {"device_buffers", buffers_allocated_},
          {"memory_plan", "node outputs and scratch share pooled buffers by liveness"},
          {"plan_cache", {{"status", plan_.status}, {"file", plan_.path}}},
          {"build_s", build_s_},
          {"build_phases_s", phases_},
          {"prepare_s", prepare_s_},
          {"warnings", warnings_}};
}

}  // namespace joulebench
