/* CPU-bound calibration workload for `ci/calibrate` (not the demo's): the same shape as workload.py.
   tokenize ~30 %, transform ~25 %, render ~20 %, checksum ~15 %, compress ~10 %; argv[1] = slowdown of
   tokenize (1.5 = 50 % slower). Built with frame pointers so `perf record -g` sees whole stacks. */
#include <stdlib.h>

static volatile unsigned sink;
static double slow = 1.0;

__attribute__((noinline)) static unsigned spin(long n) {
    unsigned acc = 0;
    for (long i = 0; i < n; i++) acc = (acc * 31u + (unsigned)i) & 0xFFFFu;
    sink = acc;
    return acc;
}
__attribute__((noinline)) static unsigned tokenize(long n) { return spin((long)(n * slow)); }
__attribute__((noinline)) static unsigned parse(long n) { return tokenize(n * 30) + spin(n * 2); }
__attribute__((noinline)) static unsigned transform(long n) { return spin(n * 25); }
__attribute__((noinline)) static unsigned format_row(long n) { return spin(n * 20); }
__attribute__((noinline)) static unsigned render(long n) { return format_row(n); }
__attribute__((noinline)) static unsigned checksum(long n) { return spin(n * 15); }
__attribute__((noinline)) static unsigned compress_block(long n) { return spin(n * 8); }
__attribute__((noinline)) static unsigned handle(long n) {
    return parse(n) + transform(n) + render(n) + checksum(n) + compress_block(n);
}

int main(int argc, char **argv) {
    if (argc > 1) slow = atof(argv[1]);
    unsigned total = 0;
    for (;;) total ^= handle(2000);
    return (int)total;
}
