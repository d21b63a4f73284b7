import Testing
@testable import SundialConfig

@Suite("Event relay configuration")
struct EventStreamConfigTests {
    @Test("defaults")
    func defaults() throws {
        let api = try APIConfig(environment: Environment([:]))
        #expect(api.eventRetentionDays == 7)
        #expect(api.events.pingIntervalSeconds == 30)
        #expect(api.events.queueSize == 1000)
        #expect(api.events.sendTimeoutSeconds == 10)
        #expect(api.events.gapGraceSeconds == 5)
        #expect(api.events.cleanupIntervalSeconds == 3600)
    }

    @Test("values are read with units")
    func reads() throws {
        let api = try APIConfig(environment: Environment([
            "SUNDIAL_WS_PING_INTERVAL": "10s", "SUNDIAL_WS_QUEUE_SIZE": "50", "SUNDIAL_WS_SEND_TIMEOUT": "3",
            "SUNDIAL_EVENT_GAP_GRACE": "500ms", "SUNDIAL_EVENT_CLEANUP_INTERVAL": "5m", "SUNDIAL_EVENT_RETENTION_DAYS": "30",
        ]))
        #expect(try api.events == EventStreamConfig(environment: Environment([
            "SUNDIAL_WS_PING_INTERVAL": "10", "SUNDIAL_WS_QUEUE_SIZE": "50", "SUNDIAL_WS_SEND_TIMEOUT": "3",
            "SUNDIAL_EVENT_GAP_GRACE": "0.5", "SUNDIAL_EVENT_CLEANUP_INTERVAL": "300",
        ])))
        #expect(api.events.gapGraceSeconds == 0.5 && api.events.cleanupIntervalSeconds == 300)
        #expect(api.eventRetentionDays == 30)
    }

    @Test("bad values name the variable", arguments: [
        ("SUNDIAL_WS_QUEUE_SIZE", "5", "SUNDIAL_WS_QUEUE_SIZE: expected an integer in 10...1000000, got \"5\""),
        ("SUNDIAL_WS_PING_INTERVAL", "0", "SUNDIAL_WS_PING_INTERVAL: expected a duration in seconds (e.g. 60, 500ms, 5m) between 1.0s and 3600.0s, got \"0\""),
        ("SUNDIAL_EVENT_GAP_GRACE", "fast", "SUNDIAL_EVENT_GAP_GRACE: expected a duration in seconds (e.g. 60, 500ms, 5m) between 0.05s and 300.0s, got \"fast\""),
        ("SUNDIAL_EVENT_RETENTION_DAYS", "0", "SUNDIAL_EVENT_RETENTION_DAYS: expected an integer in 1...3650, got \"0\""),
        ("SUNDIAL_WS_SEND_TIMEOUT", "1h", "SUNDIAL_WS_SEND_TIMEOUT: expected a duration in seconds (e.g. 60, 500ms, 5m) between 1.0s and 600.0s, got \"1h\""),
    ])
    func badValue(variable: String, value: String, message: String) {
        do {
            _ = try APIConfig(environment: Environment([variable: value]))
            Issue.record("\(variable)=\(value) was accepted")
        } catch {
            #expect(error.description == message)
        }
    }
}
