#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
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

/* Where our command line lives (/proc/self/stat fields 48 and 49), read before fork: the watchdog
 * overwrites it, so that `ps` and `pkill -f flame-graph` tell the watchdog from us. */
static void command_line_area(unsigned long *start, unsigned long *end) {
    *start = *end = 0;
    char buf[4096];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p) return;
    /* Field 3 (state) follows ")"; arg_start is field 48. */
    int field = 2;
    unsigned long values[2] = {0, 0};
    char *save = NULL;
    for (char *tok = strtok_r(p + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        field++;
        if (field == 48) values[0] = strtoul(tok, NULL, 10);
        if (field == 49) {
            values[1] = strtoul(tok, NULL, 10);
            break;
        }
    }
    if (values[0] && values[1] > values[0]) {
        *start = values[0];
        *end = values[1];
    }
}

static int start_watchdog(pid_t child, int new_group, pid_t *watchdog, int *watchdog_fd) {
    unsigned long arg_start, arg_end;
    command_line_area(&arg_start, &arg_end);
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
        if (arg_end > arg_start) {
            static const char name[] = "fg-watchdog";
            unsigned long size = arg_end - arg_start;
            memset((void *)arg_start, 0, size);
            memcpy((void *)arg_start, name, size < sizeof name ? size - 1 : sizeof name);
        }
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
