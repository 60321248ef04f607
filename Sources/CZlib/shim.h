// System zlib, for gzip-compressed inputs (pprof files are gzipped protobuf).
#include <zlib.h>
