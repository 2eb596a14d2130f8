#ifndef TESSERA_CZLIB_SHIM_H
#define TESSERA_CZLIB_SHIM_H
#include <zlib.h>

/// Asks the CPU to start loading the cache line at `address` for reading, without waiting
/// for it (and without faulting: a prefetch of any address is harmless). Swift has no
/// prefetch of its own; this inlines to one instruction. It lives in this shim because
/// CZlib is the one C module TesseraCore may import (DESIGN.md §1).
static inline __attribute__((always_inline)) void tessera_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
