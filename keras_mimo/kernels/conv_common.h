// Pieces both convolution kernels share: the problem shape, the FFI binding
// (two float32 buffers in, one out, XLA's intra-op thread pool) and a
// run-time to compile-time dispatch of a register-block size.

#ifndef KERAS_MIMO_KERNELS_CONV_COMMON_H_
#define KERAS_MIMO_KERNELS_CONV_COMMON_H_

#include <cstdint>
#include <type_traits>

#include "xla/ffi/api/ffi.h"

namespace keras_mimo {

// NHWC activations, (k, k, cin, cout) kernel, stride 1, "same" padding.
struct ConvShape {
  int64_t n, h, w, cin, cout, k;
};

inline auto TwoBuffersToOneBinding() {
  namespace ffi = xla::ffi;
  return ffi::Ffi::Bind()
      .Ctx<ffi::ThreadPool>()
      .Arg<ffi::Buffer<ffi::F32>>()
      .Arg<ffi::Buffer<ffi::F32>>()
      .Ret<ffi::Buffer<ffi::F32>>();
}

// Calls f(std::integral_constant<int, n>{}) for a run-time 1 <= n <= Max.
template <int Max, int N = 1, typename F>
void WithBlockSize(int n, F&& f) {
  if constexpr (N <= Max) {
    if (n == N) return f(std::integral_constant<int, N>{});
    WithBlockSize<Max, N + 1>(n, f);
  }
}

}  // namespace keras_mimo

#endif  // KERAS_MIMO_KERNELS_CONV_COMMON_H_
