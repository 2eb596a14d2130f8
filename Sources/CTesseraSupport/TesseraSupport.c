// The target's one function is inline in include/TesseraSupport.h; a C target needs a source file.
#include "TesseraSupport.h"
