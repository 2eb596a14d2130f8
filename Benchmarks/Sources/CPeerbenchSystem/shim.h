// zlib (sizes at level 6, like the reference's zlib.compress) and, on Linux, glibc's
// allocator statistics and version for the result file's machine block.
#include <zlib.h>
#if defined(__linux__)
#include <malloc.h>
#include <gnu/libc-version.h>
#endif
