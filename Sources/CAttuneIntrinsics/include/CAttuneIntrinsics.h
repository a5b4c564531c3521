#ifndef CATTUNE_INTRINSICS_H
#define CATTUNE_INTRINSICS_H

/// Hints that the cache line holding `address` will be read soon (prefetcht0 on x86-64, prfm
/// pldl1keep on arm64). Swift has no prefetch API; a static inline C function is the supported
/// way to reach the compiler builtin, and Swift inlines it like its own code.
static inline __attribute__((always_inline)) void attune_prefetch_read(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
