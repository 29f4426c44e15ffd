// opencl-optimized: the TensorRT playbook on OpenCL, for every vendor's GPU and for CPUs through PoCL. Graph passes
// (engines/passes: constant folding, Identity/Dropout removal, BatchNorm folding, epilogue fusion of bias, residual
// and activation), kernels chosen per layer by timing candidates on the device (CLBlast GEMM + fused epilogue, tiled
// implicit-GEMM convolutions, Winograd 3x3, fused depthwise convolution), CLBlast GEMM tuned for the device, buffers
// shared by liveness, and a plan cache that skips selection and tuning when nothing in the key changed.
#pragma once

#include <cmath>
#include <limits>
#include <optional>
#include <set>

#include "engines/opencl/baseline_engine.h"
#include "engines/opencl/branch_schedule.h"
#include "engines/opencl/command_buffer.h"
#include "engines/opencl/plan_cache.h"
#include "engines/passes/graph_passes.h"
#include "engines/window2d.h"

namespace joulebench {

class OpenClOptimizedEngine : public OpenClBaselineEngine {
 public:
  // Throws InputError for an unknown pass name or option value.
  explicit OpenClOptimizedEngine(EngineConfig config);
  ~OpenClOptimizedEngine() override;
  void Prepare(const Graph& graph, Precision precision, std::int64_t batch) override;
  nlohmann::json Describe() const override;
  // host_wait=spin (host_wait.cc): Enqueue() ends with a marker and a flush, Wait() polls the marker's status.
  void Enqueue() override;
  void Wait() override;


 protected:
  std::string EngineName() const override { return "opencl-optimized"; }
  Graph Optimize(Graph shaped) override;
  bool LowerSpecial(Builder& b, const Node& n) override;
  void AfterLowering() override;  // l2_prefetch's wiring (l2_prefetch.cc), then RecordPlan()

 private:
  // Candidate kernels for a fused node that its shapes allow, in preference order (the first is the heuristic choice).
  std::vector<std::string> Candidates(Builder& b, const Node& n) const;
  void LowerCandidate(Builder& b, const Node& n, const std::string& candidate);
  // Parallel branches (branch_schedule.h): the chosen candidate of branch node `n` lowered onto the auxiliary queue
  // between a fork (the auxiliary queue waits for the main queue's work so far) and a marker the join waits for; the
  // branch's inputs and scratch buffers stay allocated until the join.
  void LowerBranch(Builder& b, const Node& n, const std::string& candidate, const ParallelBranch& branch);
  // The join `n`, whose launches start at `first_launch`, waits for the branch in flight (branch_lowering.cc).
  void JoinBranch(const Node& n, std::size_t first_launch);
  // Launch `index` waits for the event in `*wait` (then releases it) and/or leaves its own event in `*signal`.
  void HookLaunch(std::size_t index, cl_event* wait, cl_event* signal);
  bool LowerFused(Builder& b, const Node& n);  // LowerSpecial's fused layers; false for other nodes
  // The implicit-GEMM kernel's problem: N images of C x H x W, M output channels, the window g; `matmul`: a
  // FusedMatMul as one "image" whose K x cols constant matrix is the input and whose activations are the weights.
  struct IgemmShape {
    std::int64_t N, C, H, W, M;
    Window2d g;
    bool matmul;
  };
  void LowerIgemm(Builder& b, const Node& n, const std::string& candidate, cl_mem input, cl_mem weights,
                  cl_mem output, const IgemmShape& shape);
  void LowerMatMulIgemm(Builder& b, const Node& n, const std::string& candidate);
  // A candidate's measured time and the share of the compute units its launches keep busy (the widest launch's
  // work-groups over the compute units, at most 1; 1 where a launch's work-groups are unknown).
  struct CandidateCost {
    double seconds = 1e30, busy = 1;
  };
  CandidateCost TimeCandidate(Builder& b, const Node& n, const std::string& candidate);
  // `candidate` lowered on its own (its launches from `first` on), `use` called, then every trace of it undone.
  void WithCandidate(Builder& b, const Node& n, const std::string& candidate, const std::function<void(std::size_t)>& use);
  // kernel_objective=measured-energy (energy_selection.cc): of the timed candidates `costs` of layer `n`, the
  // energy_candidates fastest are run back to back for energy_window_ms each while the device's energy counter is
  // read; returns the one with the least energy per repetition (cached beside the timings, `sig` their key).
  std::string LeastEnergyCandidate(Builder& b, const Node& n, const std::map<std::string, CandidateCost>& costs,
                                   const std::string& sig);
  // Joules per repetition of the launches from `first` on (timed at `seconds` each) and the average power, from the
  // device's energy counter while they run back to back; NaN when the counter failed or did not move.
  struct CandidateEnergy {
    double joules = std::nan(""), watts = std::nan("");
  };
  CandidateEnergy CandidateJoules(std::size_t first, double seconds);
  void RequireEnergyCounter() const;  // InputError naming the fix when measured-energy has no counter to read
  // What selection minimises: the time, or with kernel_objective=energy the modelled energy
  // seconds x (static_power_ratio + busy) (docs/engines.md, "Energy objective").
  double Score(const CandidateCost& c) const;
  // One timing of the launches from `first` on, per repetition, as candidate_timing says (candidate_timing.cc).
  double WallSeconds(const std::function<void(int)>& run, int reps);
  double GatedGpuSeconds(std::size_t first, int reps);
  std::string Signature(Builder& b, const Node& n) const;  // layer shape + attributes, for the timing cache
  // The implicit-GEMM program of a tile; `pointwise` (1x1, stride 1, no padding) reads the input without im2col math;
  // `batched`: work-group z multiplies the z-th of a stack of weight matrices (Winograd).
  // `vec4`: float4 tiles and stores (IgemmCandidate::vec4); `matmul`: the FusedMatMul form (LowerMatMulIgemm);
  // `serial`: the serial split-K tail (IgemmCandidate::serial), kept out of the other programs; `winograd_fused`
  // (WinogradCandidate::fused): F(2x2, 3x3)'s input transform in the B loader, with 2 also its output transform.
  // `kh`, `kw` > 0: the window size compiled in, for the im2col loader of non-pointwise convolutions. `slices` > 1:
  // sliced K (IgemmCandidate::slices). `atomic`: the atomic split-K tail (IgemmCandidate::atomic). `tensor_cores`:
  // the 3xTF32 products (IgemmCandidate::tensor_cores; mma.sync where MmaDefine() says so, else the emulation).
  cl::Program& TileProgram(const struct IgemmTile& tile, bool pointwise, bool batched = false, bool vec4 = false,
                           bool matmul = false, bool serial = false, int winograd_fused = 0, int kh = 0, int kw = 0,
                           int slices = 1, bool atomic = false, bool tensor_cores = false);
  bool Timed(const struct IgemmCandidate& k) const;  // the options (splitk, deep_steps, atomic_splitk) let it be timed
  // InputError (a candidate timing skips) when the compiled conv_igemm of `program` cannot run `group` work-items per
  // work-group on this device (registers: the H100 refused 512 for the small tiles' sliced forms).
  static void RequireGroupSize(cl::Program& program, std::size_t group, const std::string& candidate);
  bool TwoAhead(const struct IgemmTile& tile) const;  // the tile's programs load two tiles ahead (global_prefetch)
  bool EarlyEpilogue(const struct IgemmTile& tile) const;  // its programs load bias and residual early (epilogue_loads)
  // A rearranged copy of the constant weights of `n` (input 1), made on the host once per layer and uploaded;
  // InputError when the weights are computed on the device.
  const DevTensor& DerivedWeights(Builder& b, const Node& n, const std::string& suffix,
                                  const std::function<Tensor(const Tensor&)>& make);
  void DropDerivedWeights();  // their host copies, once a layer is lowered
  // Winograd F(m x m, 3x3): input transform, batched GEMM, output transform with the epilogue (winograd.cc); the
  // fused candidates in one launch.
  void LowerWinograd(Builder& b, const Node& n, const struct WinogradCandidate& cand, cl_mem bias, cl_mem residual,
                     int act, float lo, float hi);
  void LowerAttention(Builder& b, const Node& n, const struct AttentionCandidate& cand);  // fused_lowering.cc
  void LowerElementwise(Builder& b, const Node& n);  // fused_lowering.cc
  // l2_prefetch (l2_prefetch.cc). The plan's last launch reads the constant buffer `constants` (its weights); with
  // `args` (l2_prefetch=on), it is a conv_igemm launch compiled with -DL2_PREFETCH whose kernel argument `pf_arg`,
  // followed by the IgemmArgs struct `*args`, can prefetch another launch's constants into L2. AfterLowering points
  // each such launch at the constants of the next launch that reads any (the last one at the first's, for the next
  // inference).
  void MarkConstants(cl_mem constants, const struct IgemmArgs* args = nullptr, cl_uint pf_arg = 0);
  void WireL2Prefetch();  // AfterLowering's part for l2_prefetch=on: each prefetching launch bound to its target
  // " -DNV_PTX" where the device compiles NVIDIA's inline PTX (checked once with a probe program), else "".
  const std::string& PtxDefine();
  // tensor_cores.cc: " -DNV_MMA" where the device compiles PTX mma.sync on tf32 (a probe program, once), else "";
  // whether the tensor-core forms are timed (tensor_cores=3xtf32 and NV_MMA: the emulation is for tests only).
  const std::string& MmaDefine();
  bool TensorCoresTimed();
  // command_buffer=on|auto (recorded_plan.cc): the plan's launches recorded into one command buffer, in order on each
  // queue, the parallel branches' forks and joins as sync points, which Enqueue() then replays. Sets
  // command_buffer_report_; InputError for "on" where the device or the plan cannot.
  void RecordPlan();
  cl::Program& GeneratedProgram(const std::string& source, const std::string& options);
  void TuneGemm();

  std::set<std::string> disabled_passes_;
  std::string conv_kernel_, matmul_kernel_, attention_kernel_, selection_, tune_gemm_;
  bool winograd_fusion_ = false;  // the fused Winograd forms among the timed candidates
  // fuse_reduction=on (winograd.cc): a split-K layer's reduction launch folded into the input transform of the
  // Winograd layer that alone reads its output. Applied to the chosen plan only, never to a timed trial.
  bool fuse_reduction_ = false;
  struct PendingReduction {
    std::string node;        // the split-K layer
    std::size_t launch = 0;  // its splitk_epilogue launch
    cl_mem partials = nullptr, bias = nullptr;
    std::int64_t total = 0;  // elements per split
    int splits = 0, act = 0;
    float lo = 0, hi = 0;
  };
  std::map<std::string, PendingReduction> reductions_;  // by the split-K layer's output tensor
  // After a split-K reduction launch of the chosen plan: keeps `r` for the reader of n's output when it may fold it
  // (`unfoldable`: a residual or a MatMul's reduction, never folded).
  void RecordFoldableReduction(const Node& n, const PendingReduction& r, bool unfoldable);
  // The reduction LowerWinograd may fold for input `tensor`: still the last launch, on the device's queue; else null.
  const PendingReduction* FoldableReduction(const std::string& tensor) const;
  std::vector<std::string> folded_reductions_;          // "producer -> consumer", for Describe()
  bool trial_ = false;  // inside WithCandidate: a candidate lowered to be timed or measured, then undone
  bool serial_splitk_only_ = false;  // splitk=serial: no split-K candidate with a reduction launch
  bool single_fragments_ = false;    // fragments=single: the GEMM loop without double-buffered fragments
  std::string global_prefetch_;      // auto, one-ahead or two-ahead: how far ahead the GEMM loop loads (TwoAhead)
  bool early_epilogue_ = false;      // epilogue_loads=early: bias and residual loaded before the loop (EarlyEpilogue)
  bool energy_objective_ = false;    // kernel_objective=energy: choose by modelled energy, not time
  bool measured_energy_ = false;     // kernel_objective=measured-energy: choose by energy read from the device
  int energy_candidates_ = 3;        // measured-energy: how many of the fastest candidates per layer are measured
  double energy_window_s_ = 0.5;     // measured-energy: the span of each candidate's energy measurement
  double energy_slack_ = 10;         // measured-energy: how much slower than the fastest a measured candidate may
                                     // be (a fraction; 10, i.e. 1000%: no limit)
  bool spin_wait_ = false;           // host_wait=spin: Wait() polls the inference's last event instead of clFinish
  std::string command_buffer_option_;  // command_buffer: off, on or auto
  std::unique_ptr<cl::CommandBuffer> recorded_plan_;  // RecordPlan()'s command buffer; null: one enqueue per launch
  nlohmann::json command_buffer_report_ = nlohmann::json::object();  // Describe()'s command_buffer
  cl_event inference_done_ = nullptr;  // host_wait=spin: the marker after the inference Enqueue() started
  bool deep_steps_ = false;          // deep_steps=on: the depth-32/64 sliced and split-K forms are timed too
  bool atomic_splitk_ = false;       // atomic_splitk=on: the atomic split-K forms are timed too
  bool l2_prefetch_ = false;         // l2_prefetch=on: each GEMM launch prefetches the next launch's weights into L2
  std::optional<std::string> ptx_define_;  // PtxDefine(), once probed
  bool tensor_cores_ = false;        // tensor_cores=3xtf32: the _tc forms are timed too, where the device has mma
  bool tensor_cores_timed_ = false;  // TensorCoresTimed(), set by Prepare
  std::optional<std::string> mma_define_;  // MmaDefine(), once probed
  std::vector<std::string> failed_tc_;      // tensor-core forms whose programs did not build while timing
  nlohmann::json l2_report_ = nlohmann::json::object();  // Describe()'s l2_prefetch, from AfterLowering
  double timing_window_s_ = 0.002;   // timing_window_us: the span of each wall-timed measurement of a candidate
  double static_power_ratio_ = 1.0;  // the card's power with no compute unit busy / what its busy units add
  std::string candidate_timing_;  // "wall" (host clock, back to back) or "gpu" (gated, device clock)
  bool use_plan_cache_ = true;
  std::string parallel_branches_option_;  // "auto" (GPUs), "on", "off", "late" (a test mode)
  std::vector<ParallelBranch> branches_;  // of the graph being lowered
  cl_command_queue aux_queue_ = nullptr;  // the branches' queue, created on first use
  cl_event branch_done_ = nullptr;        // the branch in flight, from its end marker to the join's wait
  cl_event branch_gate_ = nullptr;        // "late" mode: holds the branch until the main queue reaches the join
  cl_event fork_event_ = nullptr;         // the main queue's launch before a branch, which the branch waits for
  struct LaunchHooks {
    std::vector<cl_event*> waits;
    cl_event* signal = nullptr;
  };
  std::map<std::size_t, LaunchHooks> hooks_;  // by launch index

  OptimizedGraph optimized_;
  std::string optimized_hash_;
  std::map<std::string, std::string> choices_;         // node -> chosen candidate
  nlohmann::json timings_ = nlohmann::json::object();  // node -> {candidate: seconds}
  nlohmann::json energies_ = nlohmann::json::object();  // measured-energy: node -> {candidate: joules per run}
  nlohmann::json powers_ = nlohmann::json::object();    // measured-energy: node -> {candidate: watts}
  nlohmann::json busy_ = nlohmann::json::object();     // node -> {candidate: busy share of the compute units}
  std::map<std::string, std::unique_ptr<cl::Program>> tile_programs_;
  std::unique_ptr<cl::Program> fused_program_;
  std::map<std::string, std::unique_ptr<cl::Program>> generated_programs_;  // by options + source
  std::unique_ptr<TimingCache> timing_cache_;
  bool timing_ = false;  // whether selection times candidates in this Prepare
  nlohmann::json gemm_params_;  // CLBlast Xgemm parameters in use when tuned
  std::string gemm_status_ = "CLBlast default parameters";
  PlanLookup plan_;
  double build_s_ = 0;
  std::map<std::string, double> phases_;  // build time by phase
  std::vector<std::string> warnings_;
  std::vector<std::string> derived_weights_;  // DerivedWeights held in host_ while a layer is lowered
};

}  // namespace joulebench
