#ifndef C_FLAME_GRAPH_CAPTURE_H
#define C_FLAME_GRAPH_CAPTURE_H

#include <spawn.h>

/* Glibc calls that Swift's Glibc module does not declare (they need _GNU_SOURCE). */

/* pipe2(fds, O_CLOEXEC): both ends close-on-exec, atomically. */
int fg_pipe_cloexec(int fds[2]);

/* posix_spawn_file_actions_addclosefrom_np(actions, from): the child closes every descriptor >= from. */
int fg_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);

#endif
