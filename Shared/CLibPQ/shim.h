#ifndef SUNDIAL_CLIBPQ_SHIM_H
#define SUNDIAL_CLIBPQ_SHIM_H

#include <libpq-fe.h>
#include <poll.h>
#include <errno.h>
#include <string.h>

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

/// Notice receiver installed on every connection. Besides dropping ordinary
/// notices (instead of libpq's default of printing them to stderr), it records
/// in `*arg` that the server sent an error while the connection was idle: a
/// terminated or shutting-down backend sends FATAL just before closing the
/// socket, and libpq hands such an out-of-band error to the notice receiver.
static void sundial_pq_record_fatal(void *arg, const PGresult *result) {
    const char *severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity == NULL) {
        severity = PQresultErrorField(result, PG_DIAG_SEVERITY);
    }
    if (severity != NULL && arg != NULL &&
        (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0 || strcmp(severity, "ERROR") == 0)) {
        *(int *)arg = 1;
    }
}

static inline void sundial_pq_watch_for_fatal(PGconn *conn, int *flag) {
    PQsetNoticeReceiver(conn, sundial_pq_record_fatal, flag);
}

#endif
