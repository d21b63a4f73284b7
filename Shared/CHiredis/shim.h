#ifndef SUNDIAL_CHIREDIS_SHIM_H
#define SUNDIAL_CHIREDIS_SHIM_H

// hiredis 0.14 (Debian libhiredis-dev). Only the synchronous API is used; the
// Swift side runs every blocking call on its own threads.
#include <hiredis/hiredis.h>
#include <signal.h>
#include <pthread.h>
#include <poll.h>
#include <errno.h>

// `errstr` is a fixed-size char array, which Swift imports as a 128-tuple.
static inline const char *sundial_redis_errstr(const redisContext *c) {
    return c->errstr;
}

static inline int sundial_redis_err(const redisContext *c) {
    return c->err;
}

static inline int sundial_redis_fd(const redisContext *c) {
    return c->fd;
}

// Element `index` of an array reply (`element` is `redisReply **`).
static inline redisReply *sundial_redis_reply_element(const redisReply *r, size_t index) {
    return r->element[index];
}

// hiredis writes with write(2), so a peer that has gone away raises SIGPIPE in
// the writing thread. Blocking it on the threads that own hiredis contexts
// turns that into an EPIPE error without touching process-wide signal state.
static inline int sundial_redis_block_sigpipe_on_current_thread(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

// Waits until `fd` is readable or `wake_fd` (may be -1) is readable.
// Returns 1 when fd is ready (readable, hung up or in error), 2 when wake_fd is
// readable, 0 on timeout, -1 on error (errno set; EINTR is retried by caller).
static inline int sundial_redis_poll_readable(int fd, int wake_fd, int timeout_ms) {
    struct pollfd fds[2];
    nfds_t count = 1;
    fds[0].fd = fd;
    fds[0].events = POLLIN;
    fds[0].revents = 0;
    if (wake_fd >= 0) {
        fds[1].fd = wake_fd;
        fds[1].events = POLLIN;
        fds[1].revents = 0;
        count = 2;
    }
    int rc = poll(fds, count, timeout_ms);
    if (rc <= 0) {
        return rc;
    }
    if (wake_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
        return 2;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
        return 1;
    }
    return 0;
}

static inline int sundial_redis_errno(void) {
    return errno;
}

#endif
