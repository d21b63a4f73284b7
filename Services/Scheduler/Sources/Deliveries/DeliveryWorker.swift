import Domain
import Foundation
import Logging
import Metrics
import Postgres
import ServiceLifecycle
import SundialConfig

/// Sends what the `deliveries` outbox holds: notifications of finished runs and agents'
/// answers to their destinations. Woken by `NOTIFY deliveries_pending` (and by polling as a
/// safety net, and when the next retry is due), it claims due rows with `FOR UPDATE SKIP
/// LOCKED`, posts each signed JSON body, records every attempt, and backs off exponentially
/// (`SUNDIAL_DELIVERY_RETRY_BASE` · 2^(n-1), at most `SUNDIAL_DELIVERY_MAX_ATTEMPTS` tries).
/// Executions are never touched: a delivery that fails stays a failed delivery.
struct DeliveryWorker: Service {
    let store: DeliveryStore
    let feed: NotificationFeed
    let transport: any DeliveryTransport
    let config: DeliveryConfig
    let workerID: String
    let logger: Logger
    var now: @Sendable () -> Date = Date.init

    func run() async throws {
        let wake = WakeFlag()
        let notifications = feed.subscribe()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in notifications {
                    switch event {
                    case .notification(let note) where note.channel == DeliveryStore.channel: wake.signal()
                    case .reconnected, .listening: wake.signal()
                    default: continue
                    }
                }
            }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    await withTaskCancellationHandler { await loop(wake: wake) } onCancel: { wake.signal() }
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func loop(wake: WakeFlag) async {
        let poll = Duration.milliseconds(Int64(config.pollIntervalSeconds * 1000))
        while !Task.isCancelled {
            var sent = 0
            do {
                sent = try await sendDueBatch()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("could not claim deliveries", metadata: ["error": "\(error)"])
            }
            if sent > 0 { continue }  // there may be more due right away
            var wait = poll
            if let due = try? await store.nextDue() {
                let untilDue = Duration.milliseconds(Int64(max(0, due.timeIntervalSince(now())) * 1000) + 5)
                wait = min(wait, untilDue)
            }
            await wake.wait(timeout: wait)
        }
    }

    /// Claims and sends one batch concurrently; returns how many were sent.
    func sendDueBatch() async throws -> Int {
        let lease = config.timeoutSeconds * 2 + 30
        let batch = try await store.claimDue(workerID: workerID, limit: config.concurrency, lease: lease)
        guard !batch.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            for delivery in batch {
                group.addTask { await send(delivery) }
            }
        }
        return batch.count
    }

    private func send(_ delivery: DeliveryStore.Claimed) async {
        let started = now()
        let clock = ContinuousClock.now
        let outcome = await attempt(delivery)
        let elapsed = ContinuousClock.now - clock
        let durationMs = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        Counter(label: "sundial_deliveries_total", dimensions: [("kind", delivery.kind), ("outcome", Self.label(outcome))]).increment()
        let metadata: Logger.Metadata = [
            "delivery_id": "\(delivery.id.uuidString.lowercased())", "execution_id": "\(delivery.executionID)", "agent": "\(delivery.agentName)",
            "kind": "\(delivery.kind)", "attempt": "\(delivery.attempt)", "outcome": "\(Self.label(outcome))",
        ]
        switch outcome {
        case .delivered: logger.info("delivery sent", metadata: metadata)
        case .retry(_, let error, let after): logger.info("delivery failed; will retry", metadata: metadata.merging(["error": "\(error)", "retry_in": "\(after)s"]) { $1 })
        case .failed(_, let error): logger.warning("delivery given up", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
        for retry in 1...3 {
            do {
                try await store.record(delivery, workerID: workerID, startedAt: started, durationMs: durationMs, outcome: outcome)
                return
            } catch {
                logger.warning("could not record a delivery attempt", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                try? await Task.sleep(for: .seconds(retry))
            }
        }
    }

    /// One HTTP attempt and what it means: 2xx delivered; 408, 425, 429, 5xx and transport
    /// errors retried while attempts remain; other 4xx given up at once (the receiver refuses it).
    func attempt(_ delivery: DeliveryStore.Claimed) async -> DeliveryStore.Outcome {
        let url: String
        switch (delivery.target, delivery.url) {
        case ("gateway", _):
            guard let gateway = config.gatewayURL else {
                return .failed(statusCode: nil, error: "no chat gateway configured (set SUNDIAL_GATEWAY_URL on the scheduler)")
            }
            url = gateway
        case (_, let target?):
            url = target
        default:
            return .failed(statusCode: nil, error: "delivery has no URL")
        }
        let body = Self.body(delivery)
        var headers: [(String, String)] = [
            ("Content-Type", "application/json"), ("User-Agent", "sundial-webhook"),
            ("X-Sundial-Delivery", delivery.id.uuidString.lowercased()), ("X-Sundial-Event", Self.eventType(delivery)),
            ("X-Sundial-Attempt", "\(delivery.attempt)"),
        ]
        if let secret = delivery.ownerSecret ?? config.webhookSecret {
            let timestamp = Int(now().timeIntervalSince1970)
            headers.append((WebhookSignature.timestampHeader, "\(timestamp)"))
            headers.append((WebhookSignature.signatureHeader, WebhookSignature.sign(body: body, timestamp: timestamp, secret: secret)))
        }
        let failure: (code: Int?, error: String)
        do {
            let answer = try await transport.post(
                url: url, headers: headers, body: body, timeout: .milliseconds(Int64(config.timeoutSeconds * 1000)))
            if (200..<300).contains(answer.status) { return .delivered(statusCode: answer.status) }
            let detail = answer.body.isEmpty ? "" : ": \(answer.body.prefix(200))"
            failure = (answer.status, "receiver answered HTTP \(answer.status)\(detail)")
            if (400..<500).contains(answer.status), ![408, 425, 429].contains(answer.status) {
                return .failed(statusCode: answer.status, error: failure.error)
            }
        } catch is CancellationError {
            return .retry(statusCode: nil, error: "scheduler shutting down", after: 0)
        } catch {
            failure = (nil, "\(error)")
        }
        guard delivery.attempt < config.maxAttempts else {
            return .failed(statusCode: failure.code, error: "\(failure.error) (gave up after \(delivery.attempt) attempts)")
        }
        return .retry(statusCode: failure.code, error: failure.error, after: config.retryDelay(afterAttempt: delivery.attempt))
    }

    /// The stored payload plus `delivery_id`, as compact JSON with sorted keys.
    static func body(_ delivery: DeliveryStore.Claimed) -> [UInt8] {
        var payload = delivery.payload
        if case .object(var members) = payload {
            members["delivery_id"] = .string(delivery.id.uuidString.lowercased())
            payload = .object(members)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(payload)) ?? Data("{}".utf8))
    }

    static func eventType(_ delivery: DeliveryStore.Claimed) -> String {
        if case .object(let members) = delivery.payload, let type = members["type"]?.stringValue { return type }
        return delivery.kind
    }

    static func label(_ outcome: DeliveryStore.Outcome) -> String {
        switch outcome {
        case .delivered: "delivered"
        case .retry: "retry"
        case .failed: "failed"
        }
    }
}
