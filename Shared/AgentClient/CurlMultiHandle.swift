internal import CCurl

/// Owns the `CURLM *` that drives every transfer of one ``CurlHTTPClient``.
///
/// Used only on the event-loop thread; the single capability other threads
/// get is ``wakeup``. `deinit` calls `curl_multi_cleanup`, so the loop must
/// remove its easy handles first and stop handing out wakeups before the last
/// reference goes away.
final class CurlMultiHandle {
    private let multi: UnsafeMutableRawPointer

    init(configuration: CurlHTTPClient.Configuration) throws(HTTPClientError) {
        guard let multi = curl_multi_init() else {
            throw HTTPClientError(code: .transport, message: "curl_multi_init failed")
        }
        self.multi = multi
        if configuration.maxConnectionsPerHost > 0 {
            try check(
                sundial_curl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maxConnectionsPerHost),
                "curl_multi_setopt(CURLMOPT_MAX_HOST_CONNECTIONS)"
            )
        }
        if configuration.maxTotalConnections > 0 {
            try check(
                sundial_curl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, configuration.maxTotalConnections),
                "curl_multi_setopt(CURLMOPT_MAX_TOTAL_CONNECTIONS)"
            )
        }
    }

    deinit {
        curl_multi_cleanup(multi)
    }

    var wakeup: CurlWakeup {
        CurlWakeup(multi: multi)
    }

    func add(_ transfer: CurlTransfer) throws(HTTPClientError) {
        try check(curl_multi_add_handle(multi, transfer.handle), "curl_multi_add_handle")
    }

    func remove(_ transfer: CurlTransfer) throws(HTTPClientError) {
        try check(curl_multi_remove_handle(multi, transfer.handle), "curl_multi_remove_handle")
    }

    /// Moves every transfer forward as far as it can go without blocking.
    func perform() throws(HTTPClientError) {
        var running: Int32 = 0
        try check(curl_multi_perform(multi, &running), "curl_multi_perform")
    }

    /// The next finished transfer's easy handle and result, if any.
    func nextCompleted() -> (handle: UnsafeMutableRawPointer, code: CURLcode)? {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            return (handle, sundial_curl_msg_result(message))
        }
        return nil
    }

    /// Blocks the calling (event-loop) thread until a socket is ready,
    /// libcurl's own timer is due, `timeoutMilliseconds` pass, or another
    /// thread calls ``CurlWakeup/wake()``.
    func poll(timeoutMilliseconds: Int32) throws(HTTPClientError) {
        try check(curl_multi_poll(multi, nil, 0, timeoutMilliseconds, nil), "curl_multi_poll")
    }

    private func check(_ code: CURLMcode, _ call: String) throws(HTTPClientError) {
        guard code == CURLM_OK else {
            throw HTTPClientError(
                code: .transport,
                message: "\(call) failed: \(CurlLibrary.errorText(code))",
                curlCode: Int(code.rawValue)
            )
        }
    }
}

/// The one use of a `CURLM *` allowed off the event-loop thread.
///
/// `@unchecked Sendable` because libcurl documents `curl_multi_wakeup` as
/// callable from any thread, and ``CurlEventLoop`` calls it only while
/// holding its state lock in the `.running` state; the loop leaves `.running`
/// under that lock before the multi handle is cleaned up, so a wakeup never
/// reaches a freed handle.
struct CurlWakeup: @unchecked Sendable {
    fileprivate let multi: UnsafeMutableRawPointer

    /// Makes a `curl_multi_poll` in progress (or the next one) return at once.
    func wake() -> Bool {
        curl_multi_wakeup(multi) == CURLM_OK
    }
}
