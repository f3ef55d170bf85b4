// Runs a per-row kernel over XLA's intra-op thread pool.
//
// Rows are claimed in chunks by the calling thread and by pool tasks alike;
// each participant gets a slot index on its first chunk, so kernels can keep
// per-thread scratch or partial sums. The caller works too and then waits
// only for chunks already claimed (never for tasks still queued), so two
// custom calls running side by side on a two-thread pool cannot deadlock.
// State is held by shared_ptr: a task that starts after the call returned
// finds no chunk left and touches nothing that was freed.

#ifndef KERAS_MIMO_KERNELS_ROW_PARALLEL_H_
#define KERAS_MIMO_KERNELS_ROW_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "xla/ffi/api/ffi.h"

namespace keras_mimo {

// fn(slot, row0, row1) processes rows [row0, row1) as participant `slot`.
using RowChunkFn = std::function<void(int slot, int64_t row0, int64_t row1)>;

// Number of participants (and so of slots) `ForEachRowChunk` may use.
inline int64_t Participants(xla::ffi::ThreadPool& pool) {
  return std::max<int64_t>(1, pool.num_threads());
}

// Returns the number of slots that were used (each used slot's first call
// came before any of its later ones).
inline int ForEachRowChunk(xla::ffi::ThreadPool& pool, int64_t rows,
                           RowChunkFn fn) {
  struct Job {
    RowChunkFn fn;
    int64_t rows, chunk_rows, num_chunks;
    std::atomic<int64_t> next_chunk{0};
    std::atomic<int> next_slot{0};
    std::atomic<int> active{0};

    void Participate() {
      active.fetch_add(1);
      int slot = -1;
      for (int64_t c; (c = next_chunk.fetch_add(1)) < num_chunks;) {
        if (slot < 0) slot = next_slot.fetch_add(1);
        const int64_t row0 = c * chunk_rows;
        fn(slot, row0, std::min(row0 + chunk_rows, rows));
      }
      active.fetch_sub(1);
    }
  };
  if (rows <= 0) return 0;
  const int64_t participants = Participants(pool);
  auto job = std::make_shared<Job>();
  job->fn = std::move(fn);
  job->rows = rows;
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(rows, 8 * participants));
  job->chunk_rows = (rows + chunks - 1) / chunks;
  job->num_chunks = (rows + job->chunk_rows - 1) / job->chunk_rows;
  for (int64_t t = 1; t < participants; ++t) pool.Schedule([job] { job->Participate(); });
  job->Participate();
  while (job->active.load() > 0) std::this_thread::yield();
  return std::min<int>(job->next_slot.load(), static_cast<int>(participants));
}

}  // namespace keras_mimo

#endif  // KERAS_MIMO_KERNELS_ROW_PARALLEL_H_
