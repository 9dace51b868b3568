// The one waiting policy of every wait on an MPI request. MPI_Wait busy-polls, and with more busy
// threads than cores that starves the very rank we wait for; sleeping between polls gives it the
// core, but every sleep also delays noticing that the request completed.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

namespace mpinapi {

using Clock = std::chrono::steady_clock;

// A wait's first polls are back to back: a running peer answers within microseconds, and a
// sched_yield between polls costs about 1 µs here (bench/mpi: 8 B ping-pong 2.9 to 1.8 µs).
constexpr std::chrono::microseconds kBusy{20};

// The pause between two polls: none for the first kBusy (or `spin`, if shorter), a yield until
// `spin` (most small collectives complete within it), then a sleep of a 16th of the time waited
// so far, at most max, so a rank notices completion at most ~6% late. A zero max never sleeps.
class Backoff {
 public:
  Backoff(std::chrono::nanoseconds spin, std::chrono::nanoseconds max)
      : started_(Clock::now()), spin_(spin), max_(max) {}

  void Pause() {
    const auto waited = Clock::now() - started_;
    if (waited < std::min<std::chrono::nanoseconds>(kBusy, spin_)) return;
    if (max_.count() == 0 || waited < spin_) {
      std::this_thread::yield();
      return;
    }
    // mpi4py's futures double their sleeps up to the bound instead; that reaches it within a
    // millisecond, and waits of a few ms (MPICH at 8 ranks on 2 cores) then took ten times longer.
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(max_, waited / 16));
  }

 private:
  Clock::time_point started_;
  std::chrono::nanoseconds spin_;
  std::chrono::nanoseconds max_;
};

}  // namespace mpinapi
