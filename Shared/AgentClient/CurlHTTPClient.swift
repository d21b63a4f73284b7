import Logging

/// An HTTP client on libcurl's multi interface.
///
/// One dedicated thread owns a `CURLM *` and drives every transfer with
/// `curl_multi_perform` and `curl_multi_poll`; many requests run at once and
/// no Swift task ever blocks in libcurl. Cancelling the calling task removes
/// its transfer and throws `CancellationError`.
///
/// Call ``shutdown()`` when done; dropping the last reference also stops the
/// thread, without waiting for it.
public final class CurlHTTPClient: Sendable {
    public struct Configuration: Sendable {
        /// A response body beyond this many bytes aborts the transfer with
        /// ``HTTPClientError/Code/bodyTooLarge``.
        public var maxResponseBodyBytes: Int
        /// Connections per host (`CURLMOPT_MAX_HOST_CONNECTIONS`); 0 means no limit.
        public var maxConnectionsPerHost: Int
        /// Connections overall (`CURLMOPT_MAX_TOTAL_CONNECTIONS`); 0 means no limit.
        public var maxTotalConnections: Int
        /// Sent as `User-Agent` unless a request sets its own; empty sends none.
        public var userAgent: String
        /// Whether `http_proxy`/`https_proxy`/`no_proxy` apply. Off by default:
        /// agents are usually on the same network as the scheduler.
        public var useProxyFromEnvironment: Bool
        /// Name of the event-loop thread, for debuggers and `top -H`.
        public var threadName: String

        public init(
            maxResponseBodyBytes: Int = 1 << 20,
            maxConnectionsPerHost: Int = 0,
            maxTotalConnections: Int = 0,
            userAgent: String = "sundial",
            useProxyFromEnvironment: Bool = false,
            threadName: String = "sundial-curl"
        ) {
            self.maxResponseBodyBytes = maxResponseBodyBytes
            self.maxConnectionsPerHost = maxConnectionsPerHost
            self.maxTotalConnections = maxTotalConnections
            self.userAgent = userAgent
            self.useProxyFromEnvironment = useProxyFromEnvironment
            self.threadName = threadName
        }
    }

    public let configuration: Configuration
    private let loop: CurlEventLoop

    /// Starts the event-loop thread. If libcurl cannot initialise, every
    /// request fails with a ``HTTPClientError/Code/transport`` error that
    /// says why.
    public init(
        configuration: Configuration = Configuration(),
        logger: Logger = Logger(label: "sundial.http-client")
    ) {
        self.configuration = configuration
        loop = CurlEventLoop(configuration: configuration, logger: logger)
        loop.start()
    }

    deinit {
        loop.requestStop()
    }

    /// Sends `request` and returns the response, whatever its status.
    ///
    /// - Throws: ``HTTPClientError`` when there is no response (timeout,
    ///   refused, body too large, shut down, ...); `CancellationError` when
    ///   the calling task is cancelled, which also aborts the transfer.
    public func execute(_ request: HTTPRequest) async throws -> HTTPResponse {
        let id = loop.makeID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                loop.submit(id: id, request: request, continuation: continuation)
            }
        } onCancel: {
            loop.cancel(id: id)
        }
    }

    /// Fails every pending request with ``HTTPClientError/Code/shutdown``,
    /// stops the event-loop thread and returns once it has freed its libcurl
    /// handles. Later requests fail at once. Safe to call more than once.
    public func shutdown() async {
        await loop.stop()
    }

    /// Requests submitted and not yet answered.
    public var inFlightCount: Int {
        loop.inFlightCount
    }
}
