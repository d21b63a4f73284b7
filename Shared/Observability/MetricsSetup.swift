import Metrics
import Prometheus

/// Installs the Prometheus backend for swift-metrics; `/metrics` renders `registry`.
public enum MetricsSetup {
    /// Bootstraps the process-wide metrics system once and returns the registry to expose.
    /// Tests that build several applications in one process share this registry.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        Bootstrapped.registry
    }

    private enum Bootstrapped {
        static let registry: PrometheusCollectorRegistry = {
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            return registry
        }()
    }
}
