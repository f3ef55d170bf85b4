// Stride-1 "same" 2-D convolution (NHWC input, HWIO kernel, odd square
// kernel, zero padding) as an XLA FFI handler for JAX on CPU. The input
// gradient of such a convolution is one too (of the output gradient, with the
// kernel flipped and its channel axes swapped), so this one kernel serves the
// forward pass and the input gradient.
//
//   y[n, h, w, co] = sum_{i, j, ci} x[n, h + i - k/2, w + j - k/2, ci]
//                                   * kernel[i, j, ci, co]   (zero outside x)
//
// A register-blocked GEMM per output row: 8 output pixels x 32 output
// channels in 16 AVX-512 accumulators, reduced over (i, j, ci). The k input
// rows an output row needs are kept zero-padded in a small per-thread ring
// buffer (each copied once per row chunk), so the inner loop has no bounds
// checks. Rows are shared out to XLA's intra-op thread pool (row_parallel.h).

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "conv_common.h"
#include "row_parallel.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

using Shape = keras_mimo::ConvShape;

// out[r * cout + co0 + ...] = sum over taps of padded_rows[i][(w0 + r + j) * cin + ci]
//                                             * kernel[i, j, ci, co0 + ...]
template <int R, int V>
__attribute__((target("avx512f"))) void OutputPixels(const Shape& s,
                                                     const float* const* padded_rows,
                                                     const float* kernel, int64_t w0,
                                                     int64_t co0, float* out) {
  __m512 c[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) c[r][v] = _mm512_setzero_ps();
  for (int64_t i = 0; i < s.k; ++i) {
    const float* row = padded_rows[i];
    if (row == nullptr) continue;  // a tap row above or below the image
    for (int64_t j = 0; j < s.k; ++j) {
      const float* a = row + (w0 + j) * s.cin;
      const float* b = kernel + (i * s.k + j) * s.cin * s.cout + co0;
      for (int64_t ci = 0; ci < s.cin; ++ci) {
        __m512 bv[V];
        for (int v = 0; v < V; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
        for (int r = 0; r < R; ++r) {
          const __m512 av = _mm512_set1_ps(a[r * s.cin + ci]);
          for (int v = 0; v < V; ++v) c[r][v] = _mm512_fmadd_ps(av, bv[v], c[r][v]);
        }
        b += s.cout;
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) _mm512_storeu_ps(out + r * s.cout + co0 + 16 * v, c[r][v]);
}

// k zero-padded input rows, reused across consecutive output rows.
class PaddedRows {
 public:
  explicit PaddedRows(const Shape& s)
      : s_(s),
        stride_((s.w + 2 * (s.k / 2)) * s.cin),
        data_(s.k * stride_, 0.0f),
        source_(s.k, -1) {}

  // The padded copy of image row `row` (= n * H + h) of x.
  const float* Get(const float* x, int64_t row) {
    const int64_t slot = (row % s_.h) % s_.k;
    float* buffer = data_.data() + slot * stride_;
    if (source_[slot] != row) {
      std::memcpy(buffer + (s_.k / 2) * s_.cin, x + row * s_.w * s_.cin,
                  s_.w * s_.cin * sizeof(float));
      source_[slot] = row;
    }
    return buffer;
  }

 private:
  Shape s_;
  int64_t stride_;
  std::vector<float> data_;
  std::vector<int64_t> source_;
};

__attribute__((target("avx512f"))) void ConvolveRows(const Shape& s, const float* x,
                                                     const float* kernel, float* y,
                                                     PaddedRows& padded, int64_t row0,
                                                     int64_t row1) {
  const int64_t pad = s.k / 2;
  std::vector<const float*> rows(s.k);
  for (int64_t row = row0; row < row1; ++row) {
    const int64_t n = row / s.h, h = row % s.h;
    for (int64_t i = 0; i < s.k; ++i) {
      const int64_t source = h + i - pad;
      rows[i] = (source < 0 || source >= s.h) ? nullptr : padded.Get(x, n * s.h + source);
    }
    float* out_row = y + row * s.w * s.cout;
    for (int64_t co = 0; co < s.cout; co += 32) {
      const bool wide = s.cout - co >= 32;
      for (int64_t w = 0; w < s.w; w += 8) {
        float* out = out_row + w * s.cout;
        const int pixels = static_cast<int>(std::min<int64_t>(8, s.w - w));
        keras_mimo::WithBlockSize<8>(pixels, [&](auto r) {
          if (wide) {
            OutputPixels<r, 2>(s, rows.data(), kernel, w, co, out);
          } else {
            OutputPixels<r, 1>(s, rows.data(), kernel, w, co, out);
          }
        });
      }
    }
  }
}

ffi::Error SameConvImpl(ffi::ThreadPool pool, ffi::Buffer<ffi::F32> x,
                        ffi::Buffer<ffi::F32> kernel, ffi::ResultBuffer<ffi::F32> y) {
  const auto xd = x.dimensions(), kd = kernel.dimensions(), yd = y->dimensions();
  if (xd.size() != 4 || kd.size() != 4 || yd.size() != 4)
    return ffi::Error::InvalidArgument("same conv: rank-4 operands expected");
  const Shape s{xd[0], xd[1], xd[2], xd[3], kd[3], kd[0]};
  if (kd[1] != s.k || kd[2] != s.cin || s.k % 2 == 0 || s.cout % 16 ||
      yd[0] != s.n || yd[1] != s.h || yd[2] != s.w || yd[3] != s.cout)
    return ffi::Error::InvalidArgument("same conv: inconsistent shapes");
  std::vector<std::unique_ptr<PaddedRows>> scratch(keras_mimo::Participants(pool));
  const float* xs = x.typed_data();
  const float* ks = kernel.typed_data();
  float* ys = y->typed_data();
  keras_mimo::ForEachRowChunk(pool, s.n * s.h, [&](int slot, int64_t row0, int64_t row1) {
    if (!scratch[slot]) scratch[slot] = std::make_unique<PaddedRows>(s);
    ConvolveRows(s, xs, ks, ys, *scratch[slot], row0, row1);
  });
  return ffi::Error::Success();
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(KerasMimoSameConv, SameConvImpl,
                              keras_mimo::TwoBuffersToOneBinding());
