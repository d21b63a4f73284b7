internal import CCurl

/// Process-wide libcurl state.
enum CurlLibrary {
    /// `curl_global_init` runs exactly once per process, on first use. Swift
    /// initialises a `static let` lazily under a once-guard, so concurrent
    /// first users wait for the same call.
    static let initialization: Result<Void, HTTPClientError> = {
        let code = sundial_curl_global_init()
        guard code == CURLE_OK else {
            return .failure(HTTPClientError(
                code: .transport,
                message: "curl_global_init failed: \(errorText(code))",
                curlCode: Int(code.rawValue)
            ))
        }
        return .success(())
    }()

    static func errorText(_ code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }

    static func errorText(_ code: CURLMcode) -> String {
        String(cString: curl_multi_strerror(code))
    }
}

extension Duration {
    /// Whole milliseconds for libcurl's `*_MS` options: never negative, a
    /// positive duration is at least 1 ms (0 would mean "no limit"), and a
    /// huge one saturates.
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return 1 }
        let (whole, overflow) = Int(clamping: seconds).multipliedReportingOverflow(by: 1000)
        if overflow { return Int.max }
        let total = whole + Int(attoseconds / 1_000_000_000_000_000)
        return max(total, 1)
    }
}
