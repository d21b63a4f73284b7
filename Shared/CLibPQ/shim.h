#ifndef SUNDIAL_CLIBPQ_SHIM_H
#define SUNDIAL_CLIBPQ_SHIM_H

#include <libpq-fe.h>
#include <poll.h>
#include <errno.h>

/// Waits until `socket` is readable, or `timeout_ms` elapses.
/// Returns 1 when readable (or in error/hang-up state, which a read will report),
/// 0 on timeout, -1 on failure (errno set; EINTR is reported as 0).
static inline int sundial_pq_wait_readable(int socket, int timeout_ms) {
    struct pollfd fd;
    fd.fd = socket;
    fd.events = POLLIN;
    fd.revents = 0;
    int rc = poll(&fd, 1, timeout_ms);
    if (rc < 0) {
        return errno == EINTR ? 0 : -1;
    }
    return rc > 0 ? 1 : 0;
}

/// A notice processor that drops server notices (NOTICE/WARNING from DDL such as
/// `CREATE TABLE IF NOT EXISTS`) instead of libpq's default of printing to stderr.
static void sundial_pq_ignore_notice(void *arg, const char *message) {
    (void)arg;
    (void)message;
}

static inline void sundial_pq_silence_notices(PGconn *conn) {
    PQsetNoticeProcessor(conn, sundial_pq_ignore_notice, 0);
}

#endif
