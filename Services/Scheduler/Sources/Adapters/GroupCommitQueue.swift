import Synchronization

/// Group commit: requests that arrive while a batch is being written are collected and written
/// together as the next batch, in one transaction. A lone request starts at once (no added
/// latency); under load the batch grows, so the number of transactions (and of round trips to
/// the database) grows far slower than the number of requests.
///
/// `execute` answers every request of a batch in order. When it throws, the batch is written
/// again one request at a time, so one bad request cannot fail the others; each of those
/// failures goes back to its own caller.
final class GroupCommitQueue<Request: Sendable, Response: Sendable>: Sendable {
    typealias Execute = @Sendable ([Request]) async throws -> [Response]

    private struct Waiting {
        var request: Request
        var continuation: CheckedContinuation<Response, any Error>
    }

    private struct State {
        var queue: [Waiting] = []
        var writers = 0
    }

    private let state = Mutex(State())
    private let maxBatch: Int
    private let maxWriters: Int
    private let execute: Execute

    /// - Parameters:
    ///   - maxBatch: most requests in one transaction.
    ///   - maxWriters: batches written at the same time (each holds one pooled connection).
    init(maxBatch: Int, maxWriters: Int, execute: @escaping Execute) {
        self.maxBatch = max(1, maxBatch)
        self.maxWriters = max(1, maxWriters)
        self.execute = execute
    }

    func submit(_ request: Request) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            let startWriter = state.withLock { state -> Bool in
                state.queue.append(Waiting(request: request, continuation: continuation))
                guard state.writers < maxWriters else { return false }
                state.writers += 1
                return true
            }
            if startWriter { Task { await self.write() } }
        }
    }

    /// Writes batches until the queue is empty.
    private func write() async {
        while true {
            let batch = state.withLock { state -> [Waiting]? in
                guard !state.queue.isEmpty else {
                    state.writers -= 1
                    return nil
                }
                let count = min(maxBatch, state.queue.count)
                let batch = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
                return batch
            }
            guard let batch else { return }
            await write(batch)
        }
    }

    private func write(_ batch: [Waiting]) async {
        do {
            let responses = try await execute(batch.map(\.request))
            precondition(responses.count == batch.count, "a batch must answer every request")
            for (waiting, response) in zip(batch, responses) { waiting.continuation.resume(returning: response) }
        } catch {
            guard batch.count > 1 else {
                batch[0].continuation.resume(throwing: error)
                return
            }
            for waiting in batch {
                do {
                    let response = try await execute([waiting.request])
                    waiting.continuation.resume(returning: response[0])
                } catch {
                    waiting.continuation.resume(throwing: error)
                }
            }
        }
    }
}
