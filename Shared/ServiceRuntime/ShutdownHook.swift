import ServiceLifecycle

/// Runs `action` once graceful shutdown reaches it. In a service group it is stopped in
/// reverse registration order, so register it before the services that use what it closes.
public struct ShutdownHook: Service {
    let action: @Sendable () async -> Void

    public init(_ action: @escaping @Sendable () async -> Void) {
        self.action = action
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await action()
    }
}
