#ifndef TESSERA_SUPPORT_H
#define TESSERA_SUPPORT_H

/// Asks the CPU to start loading the cache line at `address` for reading, without waiting
/// for it (and without faulting: a prefetch of any address is harmless). Swift has no
/// prefetch of its own; this inlines to one instruction.
static inline __attribute__((always_inline)) void tessera_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
