#ifndef SUNDIAL_CCURL_SHIM_H
#define SUNDIAL_CCURL_SHIM_H

// libcurl 7.88 (Debian libcurl4-openssl-dev). curl_easy_setopt,
// curl_multi_setopt and curl_easy_getinfo are variadic, which Swift cannot
// call, so each argument type gets a typed wrapper here. Nothing else lives in
// this header: ownership and threading are the Swift side's job.
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

// MARK: Library

static inline CURLcode sundial_curl_global_init(void) {
    return curl_global_init(CURL_GLOBAL_ALL);
}

// MARK: curl_easy_setopt

static inline CURLcode sundial_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode sundial_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

// libcurl copies string options (CURLOPT_URL, CURLOPT_CUSTOMREQUEST, ...)
// except CURLOPT_POSTFIELDS, which must be passed as a pointer that outlives
// the transfer (see sundial_curl_easy_setopt_pointer).
static inline CURLcode sundial_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode sundial_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode sundial_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION share this prototype.
static inline CURLcode sundial_curl_easy_setopt_writefunction(CURL *handle, CURLoption option, curl_write_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode sundial_curl_easy_setopt_prereqfunction(CURL *handle, curl_prereq_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_PREREQFUNCTION, callback);
}

// MARK: curl_easy_getinfo

static inline CURLcode sundial_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode sundial_curl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode sundial_curl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode sundial_curl_easy_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

// MARK: curl_multi_setopt

static inline CURLMcode sundial_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

// MARK: CURLMsg

// `data` is a union; read the result member explicitly.
static inline CURLcode sundial_curl_msg_result(const CURLMsg *message) {
    return message->data.result;
}

// MARK: Threads

// libcurl is told CURLOPT_NOSIGNAL and sends with MSG_NOSIGNAL, but a write
// through a TLS library can still raise SIGPIPE in the writing thread.
// Blocking it on the thread that drives libcurl turns that into EPIPE without
// touching process-wide signal state.
static inline int sundial_curl_block_sigpipe_on_current_thread(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

#endif
