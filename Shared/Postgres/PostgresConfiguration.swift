import CLibPQ

/// Where and how to connect. The URL (`postgres://user@host:port/db?…`) or
/// key/value conninfo string is parsed by libpq; `init` rejects one it cannot parse.
public struct PostgresConfiguration: Sendable {
    /// The connection URL or conninfo string, as given.
    public var url: String
    /// Reported in `pg_stat_activity.application_name`.
    public var applicationName: String
    /// Overrides the URL's database name when set.
    public var database: String?
    /// Seconds libpq waits for a connection before giving up.
    public var connectTimeoutSeconds: Int

    public init(
        url: String, applicationName: String = "sundial", database: String? = nil, connectTimeoutSeconds: Int = 10
    ) throws(PostgresError) {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &error) else {
            let message = error.map { String(cString: $0) } ?? "out of memory"
            if let error { PQfreemem(error) }
            throw PostgresError(
                .connectionFailed, message: "invalid Postgres URL: \(message.trimmingTrailingWhitespace())")
        }
        PQconninfoFree(options)
        self.url = url
        self.applicationName = applicationName
        self.database = database
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    /// Keyword/value pairs for `PQconnectdbParams` with `expand_dbname = 1`:
    /// the first `dbname` is the URL, later keywords override what it says.
    var connectParameters: [(String, String)] {
        var parameters = [
            ("dbname", url),
            ("application_name", applicationName),
            ("connect_timeout", String(connectTimeoutSeconds)),
            ("client_encoding", "UTF8"),
        ]
        if let database { parameters.append(("dbname", database)) }
        return parameters
    }

    /// The URL without its password, for logs.
    public var redactedURL: String {
        guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].firstIndex(of: "@") else {
            return url.contains("password") ? "<conninfo>" : url
        }
        let userInfo = url[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var copy = self
        while let last = copy.last, last.isWhitespace { copy.removeLast() }
        return copy
    }
}
