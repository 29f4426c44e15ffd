// OpenCL C kernels of the baseline engine: one general, library-style kernel per operator family (broadcasting
// elementwise, im2col, direct grouped convolution, pooling, normalisations with work-group reductions, strided
// copies for layout ops). GEMMs go to CLBlast. Shapes and strides travel in a small "meta" buffer of longs.
#include "engines/opencl/baseline_kernels.h"

namespace joulebench {

const char* BaselineKernelSource() {
  return R"CL(
long offset_of(long i, int rank, __global const long* shape, __global const long* strides) {
  long off = 0;
  for (int d = rank - 1; d >= 0; --d) { long s = shape[d]; off += (i % s) * strides[d]; i /= s; }
  return off;
}

// meta: rank, shape[rank], a_strides[rank], b_strides[rank]
__kernel void binary_f(__global const float* a, __global const float* b, __global float* y,
                       __global const long* meta, long n, int op, float alpha) {
  long i = get_global_id(0);
  if (i >= n) return;
  int r = (int)meta[0];
  float x = a[offset_of(i, r, meta + 1, meta + 1 + r)];
  float z = b[offset_of(i, r, meta + 1, meta + 1 + 2 * r)];
  float v;
  switch (op) {
    case 0: v = x + z; break;
    case 1: v = x - z; break;
    case 2: v = x * z; break;
    case 3: v = x / z; break;
    case 4: v = pow(x, z); break;
    default: v = x + alpha * z; break;  // 5: scaled add (Gemm's beta * C)
  }
  y[i] = v;
}

__kernel void unary_f(__global const float* x, __global float* y, long n, int op, float alpha, float beta) {
  long i = get_global_id(0);
  if (i >= n) return;
  float v = x[i], r;
  switch (op) {
    case 0: r = fmax(v, 0.0f); break;
    case 1: r = 1.0f / (1.0f + exp(-v)); break;
    case 2: r = tanh(v); break;
    case 3: r = v >= 0.0f ? v : alpha * v; break;
    case 4: r = fmin(fmax(v, alpha), beta); break;
    case 5: r = fmin(fmax(alpha * v + beta, 0.0f), 1.0f); break;
    case 6: r = v * fmin(fmax(v / 6.0f + 0.5f, 0.0f), 1.0f); break;
    case 7: r = 0.5f * v * (1.0f + erf(v * 0.70710678118654752f)); break;
    case 8: r = 0.5f * v * (1.0f + tanh(0.7978845608028654f * (v + 0.044715f * v * v * v))); break;
    case 9: r = sqrt(v); break;
    case 10: r = erf(v); break;
    case 11: r = exp(v); break;
    case 12: r = -v; break;
    default: r = v; break;
  }
  y[i] = r;
}

// meta: rank, shape, cond strides, a strides, b strides
__kernel void where_any(__global const uchar* c, __global const uchar* a, __global const uchar* b,
                        __global uchar* y, __global const long* meta, long n, int esize) {
  long i = get_global_id(0);
  if (i >= n) return;
  int r = (int)meta[0];
  long oc = offset_of(i, r, meta + 1, meta + 1 + r);
  __global const uchar* src = c[oc] ? a : b;
  long o = offset_of(i, r, meta + 1, meta + 1 + (c[oc] ? 2 : 3) * r);
  for (int k = 0; k < esize; ++k) y[i * esize + k] = src[o * esize + k];
}

// type codes: 0 float, 1 long, 2 uchar (bool)
__kernel void cast_any(__global const uchar* src, int st, __global uchar* dst, int dt, long n) {
  long i = get_global_id(0);
  if (i >= n) return;
  double v = st == 0 ? (double)((__global const float*)src)[i]
           : st == 1 ? (double)((__global const long*)src)[i] : (double)src[i];
  if (dt == 0) ((__global float*)dst)[i] = (float)v;
  else if (dt == 1) ((__global long*)dst)[i] = (long)v;
  else dst[i] = v != 0.0;
}

// meta: rank, shape, src strides, dst strides (elements); copies shape-many elements
__kernel void strided_copy(__global const uchar* src, long src_off, __global uchar* dst, long dst_off,
                           __global const long* meta, long n, int esize) {
  long i = get_global_id(0);
  if (i >= n) return;
  int r = (int)meta[0];
  long s = src_off + offset_of(i, r, meta + 1, meta + 1 + r);
  long d = dst_off + offset_of(i, r, meta + 1, meta + 1 + 2 * r);
  for (int k = 0; k < esize; ++k) dst[d * esize + k] = src[s * esize + k];
}

__kernel void gather_any(__global const uchar* data, __global const long* idx, __global uchar* y, long dim,
                         long inner, long nidx, long n, int esize) {
  long i = get_global_id(0);
  if (i >= n) return;
  long in = i % inner, t = i / inner, j = t % nidx, o = t / nidx;
  long k = idx[j];
  if (k < 0) k += dim;
  k = clamp(k, 0L, dim - 1);
  long s = (o * dim + k) * inner + in;
  for (int b = 0; b < esize; ++b) y[i * esize + b] = data[s * esize + b];
}

// col[n][(c*kh+i)*kw+j][oy*ow+ox]
__kernel void im2col(__global const float* x, __global float* col, long C, long H, long W, long kh, long kw,
                     long sh, long sw, long pt, long pl, long dh, long dw, long oh, long ow, long total) {
  long e = get_global_id(0);
  if (e >= total) return;
  long p = e % (oh * ow), t = e / (oh * ow);
  long k = t % (C * kh * kw), n = t / (C * kh * kw);
  long j = k % kw, i = (k / kw) % kh, c = k / (kw * kh);
  long oy = p / ow, ox = p % ow;
  long iy = oy * sh - pt + i * dh, ix = ox * sw - pl + j * dw;
  col[e] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? x[((n * C + c) * H + iy) * W + ix] : 0.0f;
}

__kernel void conv_direct(__global const float* x, __global const float* w, __global const float* bias,
                          int has_bias, __global float* y, long C, long H, long W, long M, long groups, long kh,
                          long kw, long sh, long sw, long pt, long pl, long dh, long dw, long oh, long ow, long total) {
  long e = get_global_id(0);
  if (e >= total) return;
  long ox = e % ow, oy = (e / ow) % oh, m = (e / (ow * oh)) % M, n = e / (ow * oh * M);
  long cg = C / groups, g = m / (M / groups);
  float acc = has_bias ? bias[m] : 0.0f;
  for (long c = 0; c < cg; ++c) {
    __global const float* xc = x + ((n * C + g * cg + c) * H) * W;
    __global const float* wc = w + ((m * cg + c) * kh) * kw;
    for (long i = 0; i < kh; ++i) {
      long iy = oy * sh - pt + i * dh;
      if (iy < 0 || iy >= H) continue;
      for (long j = 0; j < kw; ++j) {
        long ix = ox * sw - pl + j * dw;
        if (ix >= 0 && ix < W) acc += xc[iy * W + ix] * wc[i * kw + j];
      }
    }
  }
  y[e] = acc;
}

__kernel void bias_channel(__global float* y, __global const float* bias, long C, long inner, long n) {
  long i = get_global_id(0);
  if (i >= n) return;
  y[i] += bias[(i / inner) % C];
}

__kernel void batchnorm(__global const float* x, __global float* y, __global const float* scale,
                        __global const float* bias, __global const float* mean, __global const float* var,
                        float eps, long C, long inner, long n) {
  long i = get_global_id(0);
  if (i >= n) return;
  long c = (i / inner) % C;
  y[i] = (x[i] - mean[c]) * (scale[c] / sqrt(var[c] + eps)) + bias[c];
}

__kernel void pool2d(__global const float* x, __global float* y, long H, long W, long oh, long ow, long kh, long kw,
                     long sh, long sw, long pt, long pl, long pb, long pr, long dh, long dw, int is_max,
                     int include_pad, long total) {
  long e = get_global_id(0);
  if (e >= total) return;
  long ox = e % ow, oy = (e / ow) % oh, nc = e / (ow * oh);
  __global const float* xc = x + nc * H * W;
  float acc = is_max ? -INFINITY : 0.0f;
  long count = 0, padded = 0;
  for (long i = 0; i < kh; ++i) {
    for (long j = 0; j < kw; ++j) {
      long iy = oy * sh - pt + i * dh, ix = ox * sw - pl + j * dw;
      if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
        padded += (iy >= -pt && iy < H + pb && ix >= -pl && ix < W + pr);
        continue;
      }
      float v = xc[iy * W + ix];
      acc = is_max ? fmax(acc, v) : acc + v;
      ++count;
    }
  }
  y[e] = is_max ? acc : acc / (float)(include_pad ? count + padded : max(count, 1L));
}

// One work-group per row: sum of `inner` values, local-memory tree reduction (local size a power of two).
float group_sum(float v, __local float* scratch) {
  int l = get_local_id(0), ls = get_local_size(0);
  scratch[l] = v;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = ls / 2; s > 0; s >>= 1) {
    if (l < s) scratch[l] += scratch[l + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  float r = scratch[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  return r;
}

float group_max(float v, __local float* scratch) {
  int l = get_local_id(0), ls = get_local_size(0);
  scratch[l] = v;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = ls / 2; s > 0; s >>= 1) {
    if (l < s) scratch[l] = fmax(scratch[l], scratch[l + s]);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  float r = scratch[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  return r;
}

__kernel void global_avg(__global const float* x, __global float* y, long hw, __local float* scratch) {
  long row = get_group_id(0);
  float s = 0.0f;
  for (long i = get_local_id(0); i < hw; i += get_local_size(0)) s += x[row * hw + i];
  s = group_sum(s, scratch);
  if (get_local_id(0) == 0) y[row] = s / (float)hw;
}

// rows = outer * stride; row r covers x[(r / stride) * len * stride + r % stride + k * stride], k < len
__kernel void softmax(__global const float* x, __global float* y, long len, long stride, __local float* scratch) {
  long r = get_group_id(0);
  long base = (r / stride) * len * stride + r % stride;
  float m = -INFINITY;
  for (long k = get_local_id(0); k < len; k += get_local_size(0)) m = fmax(m, x[base + k * stride]);
  m = group_max(m, scratch);
  float s = 0.0f;
  for (long k = get_local_id(0); k < len; k += get_local_size(0)) s += exp(x[base + k * stride] - m);
  s = group_sum(s, scratch);
  for (long k = get_local_id(0); k < len; k += get_local_size(0)) y[base + k * stride] = exp(x[base + k * stride] - m) / s;
}

__kernel void layernorm(__global const float* x, __global float* y, __global const float* scale,
                        __global const float* bias, int has_bias, long inner, float eps, __local float* scratch) {
  long row = get_group_id(0);
  __global const float* xr = x + row * inner;
  float s = 0.0f;
  for (long k = get_local_id(0); k < inner; k += get_local_size(0)) s += xr[k];
  float mean = group_sum(s, scratch) / (float)inner;
  float v = 0.0f;
  for (long k = get_local_id(0); k < inner; k += get_local_size(0)) v += (xr[k] - mean) * (xr[k] - mean);
  float inv = rsqrt(group_sum(v, scratch) / (float)inner + eps);
  for (long k = get_local_id(0); k < inner; k += get_local_size(0)) {
    y[row * inner + k] = (xr[k] - mean) * inv * scale[k] + (has_bias ? bias[k] : 0.0f);
  }
}

// meta: rank, out shape, kept-input strides (0 on reduced axes), reduced shape, input strides of reduced axes
__kernel void reduce_mean(__global const float* x, __global float* y, __global const long* meta, long n, long count) {
  long i = get_global_id(0);
  if (i >= n) return;
  int r = (int)meta[0];
  long base = offset_of(i, r, meta + 1, meta + 1 + r);
  float s = 0.0f;
  for (long k = 0; k < count; ++k) s += x[base + offset_of(k, r, meta + 1 + 2 * r, meta + 1 + 3 * r)];
  y[i] = s / (float)count;
}

// meta: rank, out shape, in shape, pads_begin, in strides; mode 0 constant, 1 edge, 2 reflect
__kernel void pad_f(__global const float* x, __global float* y, __global const long* meta, long n, int mode,
                    float value) {
  long i = get_global_id(0);
  if (i >= n) return;
  int r = (int)meta[0];
  long rem = i, src = 0;
  int outside = 0;
  for (int d = r - 1; d >= 0; --d) {
    long o = rem % meta[1 + d];
    rem /= meta[1 + d];
    long dim = meta[1 + r + d], p = o - meta[1 + 2 * r + d];
    if (p < 0 || p >= dim) {
      if (mode == 0) outside = 1;
      else if (mode == 1) p = clamp(p, 0L, dim - 1);
      else if (dim == 1) p = 0;
      else { while (p < 0 || p >= dim) p = p < 0 ? -p : 2 * (dim - 1) - p; }
    }
    src += p * meta[1 + 3 * r + d];
  }
  y[i] = outside ? value : x[src];
}
)CL";
}

}  // namespace joulebench
