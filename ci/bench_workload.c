/* The program ci/bench profiles: a recursive-descent parser's shape without the parser. It walks a
 * fixed set of "documents", each a nesting of rules whose depth is mostly tens to hundreds of levels
 * and for a few thousands (two frames per level), doing a little work at every level and more at the
 * bottom. So `perf record -g` sees what a real deep program gives: stacks that repeat, share long
 * prefixes and are up to ~6,000 frames deep. Built with frame pointers so perf can unwind it.
 * Usage: bench_workload CPU_SECONDS */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

enum { DOCUMENTS = 48 };
static volatile uint64_t sink;
static uint64_t seed = 0x9E3779B97F4A7C15ull;
static int depth_of[DOCUMENTS];

static uint64_t next_random(void) {
  seed ^= seed << 13;
  seed ^= seed >> 7;
  seed ^= seed << 17;
  return seed;
}

/* The rule used at `level` of document `doc`: fixed, so every walk of a document has the same stacks. */
static unsigned rule_at(int doc, int level) {
  uint64_t h = (uint64_t)doc * 0x9E3779B97F4A7C15ull ^ (uint64_t)level * 0xC2B2AE3D27D4EB4Full;
  h ^= h >> 29;
  return (unsigned)(h * 0xBF58476D1CE4E5B9ull >> 61) & 3;
}

__attribute__((noinline)) static void tokenizer_scan_literal(int n) {
  for (int i = 0; i < n; i++) sink += (uint64_t)i * 7;
}

__attribute__((noinline)) static void document_parse_value(int doc, int level);
__attribute__((noinline)) static void document_parse_array(int doc, int level);
__attribute__((noinline)) static void document_parse_object(int doc, int level);
__attribute__((noinline)) static void document_parse_member(int doc, int level);

__attribute__((noinline)) static void descend(int doc, int level) {
  tokenizer_scan_literal(40);
  if (level >= depth_of[doc]) {
    tokenizer_scan_literal(20000);
    return;
  }
  switch (rule_at(doc, level)) {
  case 0: document_parse_value(doc, level + 1); break;
  case 1: document_parse_array(doc, level + 1); break;
  case 2: document_parse_object(doc, level + 1); break;
  default: document_parse_member(doc, level + 1); break;
  }
  sink++;
}

__attribute__((noinline)) static void document_parse_value(int doc, int level) { descend(doc, level); sink += 1; }
__attribute__((noinline)) static void document_parse_array(int doc, int level) { descend(doc, level); sink += 2; }
__attribute__((noinline)) static void document_parse_object(int doc, int level) { descend(doc, level); sink += 3; }
__attribute__((noinline)) static void document_parse_member(int doc, int level) { descend(doc, level); sink += 4; }

static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 2.0;
  /* Depths: most documents are shallow-ish (20-400 levels), every eighth is deep (up to 3,000). */
  for (int d = 0; d < DOCUMENTS; d++)
    depth_of[d] = d % 8 == 7 ? 1000 + (int)(next_random() % 2000) : 20 + (int)(next_random() % 380);
  double start = cpu_seconds();
  while (cpu_seconds() - start < seconds) {
    /* Earlier documents are walked more often, as hot paths are. */
    int doc = (int)(next_random() % DOCUMENTS);
    doc = (int)(next_random() % (uint64_t)(doc + 1));
    descend(doc, 0);
  }
  return 0;
}
