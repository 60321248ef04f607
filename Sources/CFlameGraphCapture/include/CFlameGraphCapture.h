#ifndef C_FLAME_GRAPH_CAPTURE_H
#define C_FLAME_GRAPH_CAPTURE_H

#include <spawn.h>
#include <sys/types.h>

/* Glibc calls that Swift's Glibc module does not declare (they need _GNU_SOURCE). */

/* pipe2(fds, O_CLOEXEC): both ends close-on-exec, atomically. */
int fg_pipe_cloexec(int fds[2]);

/* posix_spawn_file_actions_addclosefrom_np(actions, from): the child closes every descriptor >= from. */
int fg_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from);

/* Standard output of a spawned child: a descriptor, or one of these. */
#define FG_STDOUT_DEVNULL (-1)
#define FG_STDOUT_TO_STDERR (-2)

/*
 * Spawns `path` (argv, envp: NULL-terminated) with standard input from /dev/null, standard output to
 * `stdout_fd` (or FG_STDOUT_*), standard error to `stderr_fd`, every other descriptor closed, an
 * empty signal mask, every signal at its default action, and — when `new_group` — its own process
 * group. Also starts a watchdog process that kills the child (its group, when `new_group`) with
 * SIGKILL the moment our end of the watchdog's pipe closes without a word: that is, when we die in
 * any way, SIGKILL included. `fg_watchdog_disarm` sends the word and reaps the watchdog.
 *
 * Returns 0 and fills `child`, `watchdog` and `watchdog_fd` (ours, close-on-exec); else an errno value
 * (the exec's own failure included: the child is reaped and no watchdog is left).
 */
int fg_spawn(const char *path, char *const argv[], char *const envp[], int stdout_fd, int stderr_fd,
             int new_group, pid_t *child, pid_t *watchdog, int *watchdog_fd);

/* Tells the watchdog its child ended normally, closes `watchdog_fd` and reaps the watchdog. */
void fg_watchdog_disarm(pid_t watchdog, int watchdog_fd);

#endif
