#ifndef CATTUNE_INTRINSICS_H
#define CATTUNE_INTRINSICS_H

/// Hints that the cache line holding `address` will be read soon (prefetcht0 on x86-64, prfm
/// pldl1keep on arm64). Swift has no prefetch API; a static inline C function is the supported
/// way to reach the compiler builtin, and Swift inlines it like its own code.
static inline __attribute__((always_inline)) void attune_prefetch_read(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// Eight floats, imported into Swift as `SIMD8<Float>`.
typedef float attune_float8 __attribute__((ext_vector_type(8)));

/// Bit `i` set when lane `i` of `values` is at least `threshold`; a NaN lane compares false.
/// Swift lowers a comparison of `SIMD8<Float>` lane by lane through memory; this is one vector
/// compare and a move of the sign bits on AVX.
static inline __attribute__((always_inline)) unsigned attune_lanes_at_least(attune_float8 values, float threshold) {
#if defined(__AVX__)
    typedef float attune_v8sf __attribute__((vector_size(32)));
    attune_v8sf t = {threshold, threshold, threshold, threshold, threshold, threshold, threshold, threshold};
    // 0x1D: _CMP_GE_OQ (greater or equal, ordered, quiet).
    return (unsigned)__builtin_ia32_movmskps256(__builtin_ia32_cmpps256((attune_v8sf)values, t, 0x1D));
#else
    unsigned mask = 0;
    for (int i = 0; i < 8; i++) mask |= (unsigned)(values[i] >= threshold) << i;
    return mask;
#endif
}

/// Eight bytes at `address` (8-byte aligned) read as one relaxed atomic load, then an acquire
/// fence: for memory another process writes (SQLite's wal-index), which Swift has no atomic view
/// of, the load is neither torn nor moved after the reads that follow it.
static inline __attribute__((always_inline)) unsigned long long attune_load_shared_u64(const void *address) {
    unsigned long long value = __atomic_load_n((const unsigned long long *)address, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return value;
}

/// Fills `count` bytes at `buffer` from the system's secure generator: `getrandom` on Linux
/// (glibc 2.25 and later; Swift's Glibc module does not import <sys/random.h>), `arc4random_buf`
/// elsewhere. Returns 0, or -1 when the kernel cannot give randomness (no getrandom).
#if defined(__linux__)
#include <errno.h>
#include <sys/random.h>
static inline int attune_random_fill(void *buffer, unsigned long count) {
    unsigned char *at = (unsigned char *)buffer;
    while (count > 0) {
        long got = getrandom(at, count, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        at += got;
        count -= (unsigned long)got;
    }
    return 0;
}
#else
#include <stdlib.h>
static inline int attune_random_fill(void *buffer, unsigned long count) {
    arc4random_buf(buffer, count);
    return 0;
}
#endif

#endif
