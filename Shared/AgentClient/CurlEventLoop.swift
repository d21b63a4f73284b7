internal import CCurl
internal import Foundation
import Logging
import Synchronization

/// The dedicated thread behind a ``CurlHTTPClient`` and the mailbox other
/// threads use to reach it.
///
/// The thread owns the multi handle and every easy handle; Swift tasks never
/// touch libcurl. They put requests and cancellations into `state` and wake
/// the thread with `curl_multi_wakeup`; the thread resumes their
/// continuations when transfers finish. Whoever removes a continuation from
/// `state.waiting` resumes it, exactly once.
final class CurlEventLoop: Sendable {
    typealias Continuation = CheckedContinuation<HTTPResponse, any Error>

    private struct State {
        enum Lifecycle {
            /// The thread has not created its multi handle yet; requests queue up.
            case starting
            case running(CurlWakeup)
            /// Shutdown requested; the thread is tearing down.
            case stopping
            case stopped
        }

        var lifecycle = Lifecycle.starting
        var submitted: [(id: UInt64, request: HTTPRequest)] = []
        var cancelled: [UInt64] = []
        var waiting: [UInt64: Continuation] = [:]
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
        /// Why the thread could not start, for requests that arrive later.
        var startupFailure: HTTPClientError?

        /// Returns false when libcurl could not wake the thread (it then
        /// notices the work at its next poll timeout).
        func wake() -> Bool {
            guard case .running(let wakeup) = lifecycle else { return true }
            return wakeup.wake()
        }
    }

    private enum Work {
        case run(submitted: [(id: UInt64, request: HTTPRequest)], cancelled: [UInt64])
        case stop
    }

    /// Upper bound on one `curl_multi_poll`; wakeups normally end it sooner.
    private static let pollTimeoutMilliseconds: Int32 = 1000

    private let state = Mutex(State())
    private let nextID = Atomic<UInt64>(1)
    private let configuration: CurlHTTPClient.Configuration
    private let logger: Logger

    init(configuration: CurlHTTPClient.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = configuration.threadName
        thread.start()
    }

    // MARK: Called from any thread

    func makeID() -> UInt64 {
        nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    var inFlightCount: Int {
        state.withLock { $0.waiting.count }
    }

    func submit(id: UInt64, request: HTTPRequest, continuation: Continuation) {
        let (rejection, woke): ((any Error)?, Bool) = state.withLock { state in
            switch state.lifecycle {
            case .stopping, .stopped:
                return (state.startupFailure ?? Self.shutdownError, true)
            case .starting, .running:
                break
            }
            // The task's cancelled flag is set before its cancellation handler
            // runs, so a cancel that found nothing to remove is caught here.
            if Task.isCancelled {
                return (CancellationError(), true)
            }
            state.waiting[id] = continuation
            state.submitted.append((id, request))
            return (nil, state.wake())
        }
        if let rejection {
            continuation.resume(throwing: rejection)
        }
        if !woke {
            logger.warning("curl_multi_wakeup failed; request waits for the next poll")
        }
    }

    func cancel(id: UInt64) {
        let continuation: Continuation? = state.withLock { state in
            guard let continuation = state.waiting.removeValue(forKey: id) else { return nil }
            if let index = state.submitted.firstIndex(where: { $0.id == id }) {
                state.submitted.remove(at: index)
            } else {
                state.cancelled.append(id)
                _ = state.wake()
            }
            return continuation
        }
        continuation?.resume(throwing: CancellationError())
    }

    /// Fails pending requests, stops the thread and waits until it has freed
    /// every libcurl handle. Idempotent.
    func stop() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let (failed, alreadyStopped) = state.withLock { state in
                if case .stopped = state.lifecycle {
                    return ([Continuation](), true)
                }
                state.stopWaiters.append(waiter)
                return (Self.beginStopping(&state), false)
            }
            for continuation in failed {
                continuation.resume(throwing: Self.shutdownError)
            }
            if alreadyStopped {
                waiter.resume()
            }
        }
    }

    /// Like ``stop()`` without waiting for the thread; for `deinit`.
    func requestStop() {
        let failed = state.withLock { state -> [Continuation] in
            if case .stopped = state.lifecycle { return [] }
            return Self.beginStopping(&state)
        }
        for continuation in failed {
            continuation.resume(throwing: Self.shutdownError)
        }
    }

    private static func beginStopping(_ state: inout State) -> [Continuation] {
        _ = state.wake()
        state.lifecycle = .stopping
        let failed = Array(state.waiting.values)
        state.waiting.removeAll()
        state.submitted.removeAll()
        state.cancelled.removeAll()
        return failed
    }

    private static var shutdownError: HTTPClientError {
        HTTPClientError(code: .shutdown, message: "HTTP client was shut down")
    }

    // MARK: The event-loop thread

    private func run() {
        if sundial_curl_block_sigpipe_on_current_thread() != 0 {
            logger.warning("could not block SIGPIPE on the curl thread")
        }
        if case .failure(let error) = CurlLibrary.initialization {
            finish(startupFailure: error)
            return
        }
        let multi: CurlMultiHandle
        do {
            multi = try CurlMultiHandle(configuration: configuration)
        } catch {
            finish(startupFailure: error)
            return
        }
        // `multi` must outlive `finish`, which stops other threads from
        // waking it before `curl_multi_cleanup` runs in its deinit.
        withExtendedLifetime(multi) {
            let started = state.withLock { state in
                guard case .starting = state.lifecycle else { return false }
                state.lifecycle = .running(multi.wakeup)
                return true
            }
            if started {
                logger.debug("curl event loop started", metadata: ["thread": "\(configuration.threadName)"])
                drive(multi)
            }
            finish(startupFailure: nil)
        }
        logger.debug("curl event loop stopped", metadata: ["thread": "\(configuration.threadName)"])
    }

    private func drive(_ multi: CurlMultiHandle) {
        var transfers: [UInt64: CurlTransfer] = [:]
        var idsByHandle: [UnsafeMutableRawPointer: UInt64] = [:]

        func detach(_ id: UInt64) -> CurlTransfer? {
            guard let transfer = transfers.removeValue(forKey: id) else { return nil }
            idsByHandle[transfer.handle] = nil
            do {
                try multi.remove(transfer)
            } catch {
                logger.error("removing a transfer failed", metadata: ["error": "\(error.message)"])
            }
            return transfer
        }

        while true {
            let work = state.withLock { state -> Work in
                if case .stopping = state.lifecycle { return .stop }
                let work = Work.run(submitted: state.submitted, cancelled: state.cancelled)
                state.submitted.removeAll()
                state.cancelled.removeAll()
                return work
            }
            guard case .run(let submitted, let cancelled) = work else { break }

            for id in cancelled {
                _ = detach(id)  // dropping the transfer frees its easy handle
            }
            for (id, request) in submitted {
                do {
                    let transfer = try startTransfer(request, on: multi)
                    transfers[id] = transfer
                    idsByHandle[transfer.handle] = id
                } catch {
                    complete(id, with: .failure(error))
                }
            }

            do {
                try multi.perform()
            } catch {
                logger.error("libcurl event loop error", metadata: ["error": "\(error.message)"])
            }
            while let (handle, code) = multi.nextCompleted() {
                guard let id = idsByHandle[handle], let transfer = detach(id) else { continue }
                complete(id, with: transfer.finish(code))
            }

            do {
                try multi.poll(timeoutMilliseconds: Self.pollTimeoutMilliseconds)
            } catch {
                logger.error("libcurl event loop error", metadata: ["error": "\(error.message)"])
                Thread.sleep(forTimeInterval: 0.01)  // never spin on a persistent error
            }
        }

        for id in Array(transfers.keys) {
            _ = detach(id)
        }
    }

    private func startTransfer(_ request: HTTPRequest, on multi: CurlMultiHandle) throws(HTTPClientError) -> CurlTransfer {
        guard let transfer = CurlTransfer(url: request.url, maxBodyBytes: configuration.maxResponseBodyBytes) else {
            throw HTTPClientError(code: .transport, message: "curl_easy_init failed")
        }
        try transfer.configure(request, configuration: configuration)
        try multi.add(transfer)
        return transfer
    }

    private func complete(_ id: UInt64, with result: Result<HTTPResponse, HTTPClientError>) {
        // nil: the request was cancelled meanwhile and its caller already answered.
        let continuation = state.withLock { $0.waiting.removeValue(forKey: id) }
        switch result {
        case .success(let response):
            continuation?.resume(returning: response)
        case .failure(let error):
            continuation?.resume(throwing: error)
        }
    }

    /// Leaves `.running` for good and answers everyone still waiting.
    private func finish(startupFailure: HTTPClientError?) {
        let (failed, stopWaiters) = state.withLock { state in
            state.lifecycle = .stopped
            if let startupFailure {
                state.startupFailure = startupFailure
            }
            let failed = Array(state.waiting.values)
            let stopWaiters = state.stopWaiters
            state.waiting.removeAll()
            state.submitted.removeAll()
            state.cancelled.removeAll()
            state.stopWaiters.removeAll()
            return (failed, stopWaiters)
        }
        if let startupFailure {
            logger.error("curl event loop could not start", metadata: ["error": "\(startupFailure.message)"])
        }
        let error = startupFailure ?? Self.shutdownError
        for continuation in failed {
            continuation.resume(throwing: error)
        }
        for waiter in stopWaiters {
            waiter.resume()
        }
    }
}
