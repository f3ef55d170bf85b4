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
// L2 for all k*k taps), rows shared out to XLA's intra-op thread pool with a
// private accumulator per thread. ~200 GFLOP/s on the same machine.
//
// Built by setup.py (optional); keras_mimo/kernels/conv.py loads it with
// ctypes, checks `keras_mimo_conv_kernels_supported()`, and falls back to
// XLA's own convolution when the library or AVX-512 is missing.

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

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

template <int V>
__attribute__((target("avx512f"))) void OuterProductRows(
    int rows, const float* a, int64_t a_stride, const float* b, int64_t cout,
    int64_t n, float* acc, int64_t ci0, int64_t co0) {
  switch (rows) {
#define KERAS_MIMO_CASE(R) \
  case R:                  \
    return OuterProductRow<R, V>(a, a_stride, b, cout, n, acc, ci0, co0);
    KERAS_MIMO_CASE(1)
    KERAS_MIMO_CASE(2)
    KERAS_MIMO_CASE(3)
    KERAS_MIMO_CASE(4)
    KERAS_MIMO_CASE(5)
    KERAS_MIMO_CASE(6)
    KERAS_MIMO_CASE(7)
    KERAS_MIMO_CASE(8)
#undef KERAS_MIMO_CASE
  }
}

struct Shape {
  int64_t n, h, w, cin, cout, k;
};

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
            if (s.cout - co >= 32) {
              OuterProductRows<2>(rows, a, s.cin, b, s.cout, w1 - w0, tap, ci, co);
            } else {
              OuterProductRows<1>(rows, a, s.cin, b, s.cout, w1 - w0, tap, ci, co);
            }
          }
        }
      }
    }
  }
}

// Work shared between the calling thread and pool tasks. Rows are claimed in
// chunks; each participant sums into its own accumulator. Held by shared_ptr
// so a pool task that starts after the work is done touches nothing freed.
struct Job {
  Shape shape;
  const float* x;
  const float* dy;
  int64_t chunk_rows, num_chunks, acc_size;
  std::atomic<int64_t> next_chunk{0};
  std::atomic<int> next_slot{0};
  std::atomic<int> active{0};
  std::vector<std::vector<float>> slots;

  void Participate() {
    active.fetch_add(1);
    int slot = -1;
    for (int64_t c; (c = next_chunk.fetch_add(1)) < num_chunks;) {
      if (slot < 0) {
        slot = next_slot.fetch_add(1);
        slots[slot].assign(acc_size, 0.0f);
      }
      const int64_t row0 = c * chunk_rows;
      const int64_t row1 = std::min(row0 + chunk_rows, shape.n * shape.h);
      AccumulateRows(shape, x, dy, slots[slot].data(), row0, row1);
    }
    active.fetch_sub(1);
  }
};

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

  auto job = std::make_shared<Job>();
  job->shape = s;
  job->x = x.typed_data();
  job->dy = dy.typed_data();
  job->acc_size = s.k * s.k * s.cin * s.cout;
  const int64_t rows = s.n * s.h;
  const int64_t helpers = std::max<int64_t>(0, pool.num_threads() - 1);
  const int64_t participants = helpers + 1;
  job->num_chunks = std::min<int64_t>(rows, 8 * participants);
  job->chunk_rows = (rows + job->num_chunks - 1) / job->num_chunks;
  job->num_chunks = (rows + job->chunk_rows - 1) / job->chunk_rows;
  job->slots.resize(participants);
  for (int64_t t = 0; t < helpers; ++t) pool.Schedule([job] { job->Participate(); });
  job->Participate();
  while (job->active.load() > 0) std::this_thread::yield();

  float* out = dkernel->typed_data();
  std::memset(out, 0, job->acc_size * sizeof(float));
  const int used = std::min<int>(job->next_slot.load(), participants);
  for (int t = 0; t < used; ++t) {
    const float* slot = job->slots[t].data();
    for (int64_t i = 0; i < job->acc_size; ++i) out[i] += slot[i];
  }
  return ffi::Error::Success();
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(KerasMimoConvWeightGrad, WeightGradImpl,
                              ffi::Ffi::Bind()
                                  .Ctx<ffi::ThreadPool>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Arg<ffi::Buffer<ffi::F32>>()
                                  .Ret<ffi::Buffer<ffi::F32>>());

extern "C" int keras_mimo_conv_kernels_supported() {
  return __builtin_cpu_supports("avx512f") ? 1 : 0;
}
