#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "CFlameGraphCapture.h"

int fg_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int fg_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

/* Between fork and exec only async-signal-safe calls: we are a multithreaded process. */

static void reset_signals(void) {
    struct sigaction dfl;
    dfl.sa_handler = SIG_DFL;
    dfl.sa_flags = 0;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Closes every descriptor >= 3 except `keep`. */
static void close_others(int keep) {
    if (keep > 3) close_range(3, (unsigned)keep - 1, 0);
    close_range((unsigned)(keep < 3 ? 3 : keep + 1), ~0U, 0);
}

static void write_errno(int fd, int err) {
    while (write(fd, &err, sizeof err) < 0 && errno == EINTR) {}
}

static int start_watchdog(pid_t child, int new_group, pid_t *watchdog, int *watchdog_fd) {
    /* A socket pair, not a pipe: the word is sent with MSG_NOSIGNAL, so a dead watchdog is no SIGPIPE. */
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return errno;
    pid_t w = fork();
    if (w < 0) {
        int err = errno;
        close(fds[0]);
        close(fds[1]);
        return err;
    }
    if (w == 0) {
        /* The watchdog: deaf to the signals that stop the child, holding nothing of ours. */
        struct sigaction ign;
        ign.sa_handler = SIG_IGN;
        ign.sa_flags = 0;
        sigemptyset(&ign.sa_mask);
        sigaction(SIGINT, &ign, NULL);
        sigaction(SIGTERM, &ign, NULL);
        sigaction(SIGHUP, &ign, NULL);
        sigaction(SIGQUIT, &ign, NULL);
        sigaction(SIGPIPE, &ign, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        prctl(PR_SET_NAME, "fg-watchdog", 0, 0, 0); /* so that ps tells it from us */
        /* In the child's group: a kill of our own group (a CI timeout) must not take it first. */
        if (new_group) setpgid(0, child);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
        }
        close_others(fds[0]);
        char word;
        ssize_t n;
        while ((n = read(fds[0], &word, 1)) < 0 && errno == EINTR) {}
        if (n == 0) kill(new_group ? -child : child, SIGKILL); /* we died without a word */
        _exit(0);
    }
    close(fds[0]);
    *watchdog = w;
    *watchdog_fd = fds[1];
    return 0;
}

int fg_spawn(const char *path, char *const argv[], char *const envp[], int stdout_fd, int stderr_fd,
             int new_group, pid_t *child, pid_t *watchdog, int *watchdog_fd) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(report[0]);
        close(report[1]);
        return err;
    }
    if (pid == 0) {
        reset_signals();
        if (new_group && setpgid(0, 0) != 0) {
            write_errno(report[1], errno);
            _exit(127);
        }
        int null_in = open("/dev/null", O_RDONLY);
        if (null_in < 0 || dup2(null_in, 0) < 0) {
            write_errno(report[1], errno);
            _exit(127);
        }
        int out_ok;
        if (stdout_fd == FG_STDOUT_TO_STDERR) {
            out_ok = dup2(2, 1);
        } else if (stdout_fd == FG_STDOUT_DEVNULL) {
            int null_out = open("/dev/null", O_WRONLY);
            out_ok = null_out < 0 ? -1 : dup2(null_out, 1);
        } else {
            out_ok = dup2(stdout_fd, 1);
        }
        if (out_ok < 0 || dup2(stderr_fd, 2) < 0) {
            write_errno(report[1], errno);
            _exit(127);
        }
        close_others(report[1]);
        execve(path, argv, envp);
        write_errno(report[1], errno);
        _exit(127);
    }
    close(report[1]);
    if (new_group) setpgid(pid, pid); /* the group exists before the watchdog joins it */
    int err = 0;
    ssize_t n;
    while ((n = read(report[0], &err, sizeof err)) < 0 && errno == EINTR) {}
    close(report[0]);
    if (n > 0) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        return err ? err : EIO;
    }
    int werr = start_watchdog(pid, new_group, watchdog, watchdog_fd);
    if (werr != 0) {
        int status;
        kill(new_group ? -pid : pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        return werr;
    }
    *child = pid;
    return 0;
}

void fg_watchdog_disarm(pid_t watchdog, int watchdog_fd) {
    char word = 'd';
    while (send(watchdog_fd, &word, 1, MSG_NOSIGNAL) < 0 && errno == EINTR) {}
    close(watchdog_fd);
    int status;
    while (waitpid(watchdog, &status, 0) < 0 && errno == EINTR) {}
}
