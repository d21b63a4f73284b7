import Logging
import SundialConfig

/// Installs the process-wide log handler once, from the service's configuration.
public enum LoggingSetup {
    public static func bootstrap(service: String, level: LogLevelName, format: LogFormat) {
        let logLevel = Logger.Level(rawValue: level.rawValue) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler
            switch format {
            case .json: handler = JSONLogHandler(label: label, service: service)
            case .text: handler = StreamLogHandler.standardError(label: label)
            }
            handler.logLevel = logLevel
            return handler
        }
    }
}
