// Weight gradient of a stride-1 "same" 2-D convolution (NHWC input, HWIO
// kernel, odd square kernel), as an XLA FFI handler for JAX on CPU.
//
//   dkernel[i, j, ci, co] = sum_{n, h, w} x[n, h + i - k/2, w + j - k/2, ci]
//                                         * dy[n, h, w, co]   (zero outside x)
//
// XLA:CPU computes this as a convolution whose feature dimension is the batch
// (4 for MIMO-UNet training), after transposing both operands; that runs at
// 57-121 GFLOP/s on a 2-core AVX-512 machine. Here it is a blocked outer-product
// GEMM over image rows: 8 input channels x 32 output channels held in 16
// AVX-512 registers, streamed over one image row at a time (which stays in
// L2 for all k*k taps), rows shared out to XLA's intra-op thread pool
// (row_parallel.h) with a private accumulator per thread. ~200 GFLOP/s on
// the same machine.
//
// Built by setup.py (optional); keras_mimo/kernels/conv.py loads it with
// ctypes, checks `keras_mimo_conv_kernels_supported()`, and falls back to
// XLA's own convolution when the library or AVX-512 is missing.

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "conv_common.h"
#include "row_parallel.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

// acc[(ci0 + r) * cout + co0 + v * 16 + lane] += sum_w a[w * a_stride + ci0 + r]
//                                                    * b[w * cout + co0 + ...]
template <int R, int V>
__attribute__((target("avx512f"))) void OuterProductRow(
    const float* a, int64_t a_stride, const float* b, int64_t cout, int64_t n,
    float* acc, int64_t ci0, int64_t co0) {
  __m512 c[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v)
      c[r][v] = _mm512_loadu_ps(acc + (ci0 + r) * cout + co0 + 16 * v);
  const float* ap = a + ci0;
  const float* bp = b + co0;
  for (int64_t w = 0; w < n; ++w) {
    __m512 bv[V];
    for (int v = 0; v < V; ++v) bv[v] = _mm512_loadu_ps(bp + 16 * v);
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_set1_ps(ap[r]);
      for (int v = 0; v < V; ++v) c[r][v] = _mm512_fmadd_ps(av, bv[v], c[r][v]);
    }
    ap += a_stride;
    bp += cout;
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v)
      _mm512_storeu_ps(acc + (ci0 + r) * cout + co0 + 16 * v, c[r][v]);
}

using Shape = keras_mimo::ConvShape;

// Adds the contribution of output rows [row0, row1) (row = n * H + h) to acc.
__attribute__((target("avx512f"))) void AccumulateRows(const Shape& s,
                                                       const float* x,
                                                       const float* dy,
                                                       float* acc, int64_t row0,
                                                       int64_t row1) {
  const int64_t pad = s.k / 2;
  for (int64_t row = row0; row < row1; ++row) {
    const int64_t n = row / s.h, h = row % s.h;
    const float* dy_row = dy + row * s.w * s.cout;
    for (int64_t i = 0; i < s.k; ++i) {
      const int64_t source = h + i - pad;
      if (source < 0 || source >= s.h) continue;
      const float* x_row = x + (n * s.h + source) * s.w * s.cin;
      for (int64_t j = 0; j < s.k; ++j) {
        const int64_t w0 = std::max<int64_t>(0, pad - j);
        const int64_t w1 = std::min<int64_t>(s.w, s.w + pad - j);
        if (w1 <= w0) continue;
        const float* a = x_row + (w0 + j - pad) * s.cin;
        const float* b = dy_row + w0 * s.cout;
        float* tap = acc + (i * s.k + j) * s.cin * s.cout;
        for (int64_t co = 0; co < s.cout; co += 32) {
          for (int64_t ci = 0; ci < s.cin; ci += 8) {
            const int rows = static_cast<int>(std::min<int64_t>(8, s.cin - ci));
            keras_mimo::WithBlockSize<8>(rows, [&](auto r) {
              if (s.cout - co >= 32) {
                OuterProductRow<r, 2>(a, s.cin, b, s.cout, w1 - w0, tap, ci, co);
              } else {
                OuterProductRow<r, 1>(a, s.cin, b, s.cout, w1 - w0, tap, ci, co);
              }
            });
          }
        }
      }
    }
  }
}

ffi::Error WeightGradImpl(ffi::ThreadPool pool, ffi::Buffer<ffi::F32> x,
                          ffi::Buffer<ffi::F32> dy,
                          ffi::ResultBuffer<ffi::F32> dkernel) {
  const auto xd = x.dimensions(), dd = dy.dimensions(), kd = dkernel->dimensions();
  if (xd.size() != 4 || dd.size() != 4 || kd.size() != 4)
    return ffi::Error::InvalidArgument("conv weight grad: rank-4 operands expected");
  const Shape s{xd[0], xd[1], xd[2], xd[3], dd[3], kd[0]};
  if (dd[0] != s.n || dd[1] != s.h || dd[2] != s.w || kd[1] != s.k ||
      kd[2] != s.cin || kd[3] != s.cout || s.k % 2 == 0 || s.cout % 16)
    return ffi::Error::InvalidArgument("conv weight grad: inconsistent shapes");

  const int64_t acc_size = s.k * s.k * s.cin * s.cout;
  std::vector<std::vector<float>> partial_sums(keras_mimo::Participants(pool));
  const float* xs = x.typed_data();
  const float* dys = dy.typed_data();
  const int used = keras_mimo::ForEachRowChunk(
      pool, s.n * s.h, [&](int slot, int64_t row0, int64_t row1) {
        auto& sums = partial_sums[slot];
        if (sums.empty()) sums.assign(acc_size, 0.0f);
        AccumulateRows(s, xs, dys, sums.data(), row0, row1);
      });

  float* out = dkernel->typed_data();
  std::memset(out, 0, acc_size * sizeof(float));
  for (int t = 0; t < used; ++t) {
    const float* sums = partial_sums[t].data();
    for (int64_t i = 0; i < acc_size; ++i) out[i] += sums[i];
  }
  return ffi::Error::Success();
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(KerasMimoConvWeightGrad, WeightGradImpl,
                              keras_mimo::TwoBuffersToOneBinding());

extern "C" int keras_mimo_conv_kernels_supported() {
  return __builtin_cpu_supports("avx512f") ? 1 : 0;
}
