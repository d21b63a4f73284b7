import Logging
import Postgres
import Synchronization

/// One `LISTEN` connection fanned out to any number of subscribers. `run()` pumps the
/// listener's events until cancelled; a reconnect is passed on as `.reconnected` so
/// subscribers resynchronise (notifications sent while disconnected are lost).
final class NotificationFeed: Sendable {
    let listener: PostgresListener
    private let subscribers = Mutex<[Int: AsyncStream<PostgresListener.Event>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)

    init(configuration: PostgresConfiguration, channels: [String], logger: Logger) {
        listener = PostgresListener(configuration: configuration, channels: channels, logger: logger)
    }

    func subscribe() -> AsyncStream<PostgresListener.Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: PostgresListener.Event.self, bufferingPolicy: .bufferingNewest(10_000))
        let id = nextID.add(1, ordering: .relaxed).newValue
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    /// Runs the listener and forwards its events until the task is cancelled.
    func run() async {
        listener.start()
        await withTaskCancellationHandler {
            for await event in listener.events {
                for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(event) }
            }
        } onCancel: {
            Task { await self.listener.stop() }
        }
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.finish() }
    }
}
