// Google Benchmark (part of opencl_bench): what a launch per layer costs a chain of batch-1-sized GEMM layers on the
// device, against one launch that runs every layer. BM_LayerChain: `layers` dependent proxy layers (each work-group
// a 32 x 32 tile of 64 work-items, 4 x 4 outputs each, `steps` depth steps of 16 through local memory, its B tile
// read from another work-group's output of the layer before), either launched one by one or chained in one launch:
// work-groups take tickets in arrival order (layer = ticket / groups), load their first weights, then wait until
// every work-group of the layer before has counted itself done (or, per-tile, each depth step until the tile it
// reads is done). A work-group waits only on lower tickets, which
// belong to work-groups already running, so the chain cannot deadlock whatever the device runs at once. Both forms
// are timed behind a spinning kernel (the device's pace, not the host's enqueue) and checked equal before timing.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "engines/opencl/cl_runtime.h"

namespace joulebench {
namespace {

using Clock = std::chrono::steady_clock;

const char* kChainSource = R"CLC(
#define TILE 1024
#ifdef CHAIN
#define IN_QUAL __global volatile const
#else
#define IN_QUAL __global const
#endif
// One proxy layer's tile g: `in` is the layer before's output (volatile in the chain: written during this launch).
// `ready` (chain, per-tile waits): the layer before's done flag per tile, each step waiting for its source tile;
// `store_gate` (the same): the layer before's count of finished work-groups, which must reach `wgs` before this tile
// stores (the buffers alternate: `out` is what the layer before read).
inline void proxy_tile(IN_QUAL float* in, __global const float* w, __global float* out, int g, int wgs, int steps,
                       __local float* As, __local float* Bs, float a0[8], __global volatile int* ready,
                       __global volatile int* store_gate) {
  const int tid = get_local_id(0), tx = tid % 8, ty = tid / 8;
  float acc[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = 0.0f;
  for (int s = 0; s < steps; ++s) {
    const int src = ((g * 7 + s * 13) % wgs) * TILE;  // another work-group's tile of the layer before
    if (ready) {
      if (tid == 0) {
        while (ready[src / TILE] == 0) {
        }
      }
      barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE);
      mem_fence(CLK_GLOBAL_MEM_FENCE);
    }
    for (int u = 0; u < 8; ++u) {
      As[u * 64 + tid] = s == 0 ? a0[u] : w[(s * 512) + u * 64 + tid];
      Bs[u * 64 + tid] = in[src + (s * 32 + u * 64 + tid) % TILE];
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = 0; k < 16; ++k)
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) acc[i][j] = fma(As[k * 32 + ty * 4 + i], Bs[k * 32 + tx * 4 + j], acc[i][j]);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (store_gate) {
    if (tid == 0) {
      while (*store_gate < wgs) {
      }
    }
    barrier(CLK_GLOBAL_MEM_FENCE);
  }
  const float scale = 1.0f / (16.0f * steps);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) out[g * TILE + (ty * 4 + i) * 32 + tx * 4 + j] = acc[i][j] * scale;
}

// An L2 prefetch of one 128-byte line: PTX on NVIDIA (-DNV_PTX), OpenCL's prefetch hint elsewhere.
inline void prefetch_l2(__global const float* p) {
#ifdef NV_PTX
  asm volatile("prefetch.global.L2 [%0];" : : "l"((ulong)p));
#else
  prefetch(p, 32);
#endif
}

// next_w, next_lines: the next layer's weights, prefetched into L2 by this launch's work-items (0 lines: none).
__kernel __attribute__((reqd_work_group_size(64, 1, 1)))
void proxy_layer(__global const float* in, __global const float* w, __global float* out, int steps,
                 __global const float* next_w, int next_lines) {
  __local float As[512], Bs[512];
  const int g = get_group_id(0), wgs = get_num_groups(0);
  w += (long)g * steps * 512;
  float a0[8];
  for (int u = 0; u < 8; ++u) a0[u] = w[u * 64 + get_local_id(0)];
  for (int line = get_global_id(0); line < next_lines; line += get_global_size(0)) prefetch_l2(next_w + line * 32);
  proxy_tile(in, w, out, g, wgs, steps, As, Bs, a0, 0, 0);
}

#ifdef CHAIN
// ctl[0] tickets, ctl[1] finished work-groups, ctl[2 + l] done work-groups of layer l, then (per_tile) a done flag
// per tile of every layer; all zero between launches. per_tile 0: a work-group waits for the whole layer before;
// 1: each depth step waits for the one tile it reads, and the stores for the whole layer before (which read the
// buffer they overwrite; session 13's first version, measured on an H200, lacked this wait and raced).
__kernel __attribute__((reqd_work_group_size(64, 1, 1)))
void proxy_chain(__global float* buf0, __global float* buf1, __global const float* w, __global volatile int* ctl,
                 int steps, int wgs, int layers, int per_tile) {
  __local float As[512], Bs[512];
  __local int ticket;
  const int tid = get_local_id(0);
  if (tid == 0) ticket = atomic_inc(ctl);
  barrier(CLK_LOCAL_MEM_FENCE);
  const int layer = ticket / wgs, g = ticket % wgs;
  w += ((long)layer * wgs + g) * steps * 512;
  float a0[8];  // the first weights, before the wait: they do not depend on the layer before
  for (int u = 0; u < 8; ++u) a0[u] = w[u * 64 + tid];
  __global volatile int* flags = ctl + 2 + layers;
  if (layer > 0 && !per_tile && tid == 0) {
    while (ctl[2 + layer - 1] < wgs) {
    }
  }
  barrier(CLK_GLOBAL_MEM_FENCE | CLK_LOCAL_MEM_FENCE);
  mem_fence(CLK_GLOBAL_MEM_FENCE);
  __global volatile float* in = (layer & 1) ? buf1 : buf0;
  __global float* out = (layer & 1) ? buf0 : buf1;
  const bool tile_waits = layer > 0 && per_tile;
  proxy_tile(in, w, out, g, wgs, steps, As, Bs, a0, tile_waits ? flags + (layer - 1) * wgs : 0,
             tile_waits ? ctl + 2 + layer - 1 : 0);
  mem_fence(CLK_GLOBAL_MEM_FENCE);
  barrier(CLK_GLOBAL_MEM_FENCE);
  __local int last;
  if (tid == 0) {
    atomic_inc(ctl + 2 + layer);
    if (per_tile) atomic_xchg(flags + layer * wgs + g, 1);
    last = atomic_inc(ctl + 1) == wgs * layers - 1;  // the last work-group: every other one is past its waits
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  if (last) {  // (session 13's first version reset the per-tile flags in every mode, from one work-item)
    for (int l = tid; l < 2 + layers + (per_tile ? layers * wgs : 0); l += 64) atomic_xchg(ctl + l, 0);
  }
}

#endif

__kernel void spin(__global float* x, int n) {
  float v = x[0];
  for (int i = 0; i < n; ++i) v = fma(v, 0.999999f, 1e-7f);
  if (v == 12345.0f) x[1] = v;
}
)CLC";

// range(0): 0 a launch per layer, 1 one chained launch (waits for whole layers), 2 chained with per-tile waits, 3 a
// launch per layer that prefetches the next layer's weights into L2; range(1): work-groups per layer; range(2): depth steps.
void BM_LayerChain(benchmark::State& state) {
  constexpr int kLayers = 32;
  const bool chained = state.range(0) == 1 || state.range(0) == 2;
  const cl_int per_tile = state.range(0) == 2 ? 1 : 0;
  const bool l2_prefetch = state.range(0) == 3;
  const int wgs = static_cast<int>(state.range(1)), steps = static_cast<int>(state.range(2));
  cl::Device device(cl::DeviceChoice{});
  // In the per-layer kernel `in` is an ordinary read-only pointer; the chain's is volatile (another work-group of
  // the same launch wrote it: never from a stale L1 line).
  cl::Program program(device, kChainSource, "-cl-std=CL1.2 -DCHAIN");
  const bool nvidia = device.platform().find("NVIDIA") != std::string::npos;
  cl::Program plain(device, kChainSource, nvidia ? "-cl-std=CL1.2 -DNV_PTX" : "-cl-std=CL1.2");
  const std::size_t act_floats = static_cast<std::size_t>(wgs) * 1024;
  const std::size_t w_floats = static_cast<std::size_t>(kLayers) * wgs * steps * 512;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> input(act_floats), weights(w_floats);
  for (auto& v : input) v = u(rng);
  for (auto& v : weights) v = u(rng);
  cl::Buffer buf0(device, act_floats * 4), buf1(device, act_floats * 4), wbuf(device, w_floats * 4);
  const std::size_t ctl_ints = 2 + kLayers + static_cast<std::size_t>(kLayers) * wgs;
  cl::Buffer ctl(device, ctl_ints * 4), spin_buf(device, 256);
  wbuf.Write(device, weights.data(), w_floats * 4);
  const std::vector<int> zeros(ctl_ints, 0);
  ctl.Write(device, zeros.data(), zeros.size() * 4);
  cl_command_queue q = device.queue();
  cl_mem m0 = buf0.mem(), m1 = buf1.mem(), mw = wbuf.mem(), mc = ctl.mem(), ms = spin_buf.mem();
  cl_kernel layer = plain.Kernel("proxy_layer"), chain = program.Kernel("proxy_chain"), spin = plain.Kernel("spin");
  const std::size_t local = 64, global = static_cast<std::size_t>(wgs) * 64;
  const std::size_t chain_global = global * kLayers, one = 1;
  const cl_int layers_arg = kLayers, wgs_arg = wgs, steps_arg = steps;
  cl::Check(clSetKernelArg(chain, 0, sizeof(cl_mem), &m0), "arg");
  cl::Check(clSetKernelArg(chain, 1, sizeof(cl_mem), &m1), "arg");
  cl::Check(clSetKernelArg(chain, 2, sizeof(cl_mem), &mw), "arg");
  cl::Check(clSetKernelArg(chain, 3, sizeof(cl_mem), &mc), "arg");
  cl::Check(clSetKernelArg(chain, 4, sizeof(cl_int), &steps_arg), "arg");
  cl::Check(clSetKernelArg(chain, 5, sizeof(cl_int), &wgs_arg), "arg");
  cl::Check(clSetKernelArg(chain, 6, sizeof(cl_int), &layers_arg), "arg");
  cl::Check(clSetKernelArg(chain, 7, sizeof(cl_int), &per_tile), "arg");
  // The per-layer launches read their layer's weights through a sub-buffer each (created once).
  std::vector<cl_mem> layer_w(kLayers);
  for (int l = 0; l < kLayers; ++l) {
    cl_buffer_region region{static_cast<std::size_t>(l) * wgs * steps * 512 * 4,
                            static_cast<std::size_t>(wgs) * steps * 512 * 4};
    cl_int err = CL_SUCCESS;
    layer_w[l] = clCreateSubBuffer(mw, CL_MEM_READ_ONLY, CL_BUFFER_CREATE_TYPE_REGION, &region, &err);
    cl::Check(err, "clCreateSubBuffer (weights per layer)");
  }
  auto enqueue_layers = [&](bool prefetch) {
    for (int l = 0; l < kLayers; ++l) {
      cl_mem in = (l & 1) ? m1 : m0, out = (l & 1) ? m0 : m1;
      cl::Check(clSetKernelArg(layer, 0, sizeof(cl_mem), &in), "arg");
      cl::Check(clSetKernelArg(layer, 1, sizeof(cl_mem), &layer_w[l]), "arg");
      cl::Check(clSetKernelArg(layer, 2, sizeof(cl_mem), &out), "arg");
      cl::Check(clSetKernelArg(layer, 3, sizeof(cl_int), &steps_arg), "arg");
      const bool next = prefetch && l + 1 < kLayers;
      const cl_int lines = next ? wgs * steps * 16 : 0;  // 512 floats per step and work-group, 32 per line
      cl::Check(clSetKernelArg(layer, 4, sizeof(cl_mem), next ? &layer_w[l + 1] : &layer_w[l]), "arg");
      cl::Check(clSetKernelArg(layer, 5, sizeof(cl_int), &lines), "arg");
      cl::Check(clEnqueueNDRangeKernel(q, layer, 1, nullptr, &global, &local, 0, nullptr, nullptr), "layer");
    }
  };
  auto enqueue_chain = [&] {
    cl::Check(clEnqueueNDRangeKernel(q, chain, 1, nullptr, &chain_global, &local, 0, nullptr, nullptr), "chain");
  };
  // Both forms from the same input must agree exactly (same arithmetic in the same order).
  std::vector<float> by_layer(act_floats), by_chain(act_floats);
  buf0.Write(device, input.data(), act_floats * 4);
  enqueue_layers(false);
  buf0.Read(device, by_layer.data(), act_floats * 4);
  buf0.Write(device, input.data(), act_floats * 4);
  if (chained) {
    enqueue_chain();
  } else {
    enqueue_layers(l2_prefetch);
  }
  buf0.Read(device, by_chain.data(), act_floats * 4);
  double max_diff = 0;
  for (std::size_t i = 0; i < act_floats; ++i) max_diff = std::max(max_diff, double(std::fabs(by_layer[i] - by_chain[i])));
  if (max_diff > 0) {
    state.SkipWithError(fmt::format("the chained or prefetching launches differ from the per-layer launches by {}",
                                    max_diff).c_str());
  }
  const cl_int spin_n = 1 << 19;  // ~1 ms on the H100: longer than the host takes to enqueue 32 layers
  cl::Check(clSetKernelArg(spin, 0, sizeof(cl_mem), &ms), "arg");
  cl::Check(clSetKernelArg(spin, 1, sizeof(cl_int), &spin_n), "arg");
  auto enqueue_spin = [&] {
    cl::Check(clEnqueueNDRangeKernel(q, spin, 1, nullptr, &one, &one, 0, nullptr, nullptr), "spin");
  };
  double spin_s = 1e30;
  for (int r = 0; r < 4; ++r) {
    const auto t0 = Clock::now();
    enqueue_spin();
    cl::Check(clFinish(q), "clFinish");
    if (r > 0) spin_s = std::min(spin_s, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  for (auto _ : state) {
    const auto t0 = Clock::now();
    enqueue_spin();
    if (chained) {
      enqueue_chain();
    } else {
      enqueue_layers(l2_prefetch);
    }
    cl::Check(clFinish(q), "clFinish");
    state.SetIterationTime(std::max(0.0, std::chrono::duration<double>(Clock::now() - t0).count() - spin_s));
  }
  for (cl_mem m : layer_w) clReleaseMemObject(m);
  state.counters["us_per_layer"] = benchmark::Counter(
      static_cast<double>(kLayers), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["spin_us"] = 1e6 * spin_s;
  state.SetLabel(fmt::format("{}, {} layers of {} work-groups x {} depth steps, {}", device.name(), kLayers, wgs,
                             steps, l2_prefetch ? "a launch per layer, next weights prefetched into L2"
                             : !chained ? "a launch per layer"
                             : per_tile ? "one chained launch, per-tile waits" : "one chained launch"));
}
BENCHMARK(BM_LayerChain)
    ->ArgsProduct({{0, 1, 2, 3}, {64, 224}, {1, 4, 16}})
    ->Unit(benchmark::kMicrosecond)
    ->UseManualTime();

}  // namespace
}  // namespace joulebench
