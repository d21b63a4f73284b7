import Foundation
import Hummingbird
import Prometheus

/// `/health` (liveness), `/ready` (dependencies) and `/metrics` (Prometheus), identical on every service.
public enum OperationalRoutes {
    public static func add<Context: RequestContext>(
        to router: Router<Context>,
        service: String,
        registry: PrometheusCollectorRegistry,
        checks: [ReadinessCheck]
    ) {
        router.get("/health") { _, _ -> Response in
            jsonResponse(.ok, ["status": "ok", "service": service])
        }
        router.head("/health") { _, _ -> HTTPResponse.Status in .ok }
        router.get("/ready") { _, _ -> Response in
            let report = await ReadinessReport.run(checks)
            var body: [String: Any] = ["status": report.ready ? "ready" : "unavailable", "service": service]
            var deps: [String: Any] = [:]
            for entry in report.entries {
                var item: [String: Any] = ["ok": entry.ok]
                if let error = entry.error { item["error"] = error }
                deps[entry.name] = item
            }
            body["checks"] = deps
            if !report.ready {
                let down = report.entries.filter { !$0.ok }.map(\.name).joined(separator: ", ")
                body["detail"] = "unavailable: \(down)"
                body["code"] = "dependency_unavailable"
                var response = jsonResponse(.serviceUnavailable, body)
                response.headers[.retryAfter] = "5"
                return response
            }
            return jsonResponse(.ok, body)
        }
        router.get("/metrics") { _, _ -> Response in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
    }

    static func jsonResponse(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
