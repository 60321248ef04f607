#ifndef FLAME_GRAPH_CLIBGIT2_SHIM_H
#define FLAME_GRAPH_CLIBGIT2_SHIM_H

#include <git2.h>

#endif
