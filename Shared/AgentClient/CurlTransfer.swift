internal import CCurl

/// One request in flight: its libcurl easy handle and everything libcurl
/// points into while it runs (header list, request body, error buffer), plus
/// what the callbacks collect.
///
/// Created, driven and dropped on the event-loop thread only; never shared.
/// `deinit` frees the easy handle and the memory it pointed into, so the
/// owner must remove it from the multi handle before letting it go.
final class CurlTransfer {
    let handle: UnsafeMutableRawPointer
    let url: String

    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var requestBody: UnsafeMutableBufferPointer<UInt8>?
    private let maxBodyBytes: Int

    private var responseBody: [UInt8] = []
    private var responseHeaders: [(String, String)] = []
    private var bodyTooLarge = false
    /// Set by the pre-request callback: a connection was established or
    /// reused, so a timeout after this point is not a connect timeout.
    private var connected = false

    /// `nil` when libcurl cannot allocate an easy handle.
    init?(url: String, maxBodyBytes: Int) {
        guard let handle = curl_easy_init() else { return nil }
        self.handle = handle
        self.url = url
        self.maxBodyBytes = maxBodyBytes
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        requestBody?.deallocate()
        errorBuffer.deallocate()
    }

    // MARK: Setup

    func configure(_ request: HTTPRequest, configuration: CurlHTTPClient.Configuration) throws(HTTPClientError) {
        let this = Unmanaged.passUnretained(self).toOpaque()

        try setString(CURLOPT_URL, request.url, "CURLOPT_URL")
        try setString(CURLOPT_PROTOCOLS_STR, "http,https", "CURLOPT_PROTOCOLS_STR")
        try setLong(CURLOPT_NOSIGNAL, 1, "CURLOPT_NOSIGNAL")
        try check(sundial_curl_easy_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
        if !configuration.useProxyFromEnvironment {
            // An empty proxy string turns proxies off even when http_proxy is set.
            try setString(CURLOPT_PROXY, "", "CURLOPT_PROXY")
        }
        try setLong(CURLOPT_TIMEOUT_MS, request.timeout.curlMilliseconds, "CURLOPT_TIMEOUT_MS")
        try setLong(CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeout.curlMilliseconds, "CURLOPT_CONNECTTIMEOUT_MS")
        // Agent calls can sit idle for many minutes while the agent works.
        try setLong(CURLOPT_TCP_KEEPALIVE, 1, "CURLOPT_TCP_KEEPALIVE")
        try setLong(CURLOPT_TCP_KEEPIDLE, 60, "CURLOPT_TCP_KEEPIDLE")
        try setLong(CURLOPT_TCP_KEEPINTVL, 30, "CURLOPT_TCP_KEEPINTVL")
        // Lets libcurl refuse an oversized body up front when Content-Length says so;
        // the write callback enforces the same cap on bodies of unknown length.
        try check(
            sundial_curl_easy_setopt_off_t(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(maxBodyBytes)),
            "CURLOPT_MAXFILESIZE_LARGE"
        )
        if !configuration.userAgent.isEmpty {
            try setString(CURLOPT_USERAGENT, configuration.userAgent, "CURLOPT_USERAGENT")
        }

        try check(
            sundial_curl_easy_setopt_writefunction(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
                guard let context else { return 0 }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                return transfer.receiveBody(data, size * count)
            },
            "CURLOPT_WRITEFUNCTION"
        )
        try check(sundial_curl_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, this), "CURLOPT_WRITEDATA")
        try check(
            sundial_curl_easy_setopt_writefunction(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
                guard let context else { return 0 }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
                return transfer.receiveHeaderLine(data, size * count)
            },
            "CURLOPT_HEADERFUNCTION"
        )
        try check(sundial_curl_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, this), "CURLOPT_HEADERDATA")
        try check(
            sundial_curl_easy_setopt_prereqfunction(handle) { context, _, _, _, _ in
                if let context {
                    Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue().connected = true
                }
                return CURL_PREREQFUNC_OK
            },
            "CURLOPT_PREREQFUNCTION"
        )
        try check(sundial_curl_easy_setopt_pointer(handle, CURLOPT_PREREQDATA, this), "CURLOPT_PREREQDATA")

        try configureMethodAndBody(request)
        try configureHeaders(request.headers, hasBody: requestBody != nil)
    }

    private func configureMethodAndBody(_ request: HTTPRequest) throws(HTTPClientError) {
        let method = request.method.uppercased()
        if request.body != nil || method == "POST" {
            // POSTFIELDS is not copied: the buffer lives as long as this object.
            // A POST always gets one, even empty, or libcurl would read stdin.
            let bytes = request.body ?? []
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
            _ = buffer.initialize(from: bytes)
            requestBody = buffer
            try check(
                sundial_curl_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)),
                "CURLOPT_POSTFIELDSIZE_LARGE"
            )
            try check(sundial_curl_easy_setopt_pointer(handle, CURLOPT_POSTFIELDS, buffer.baseAddress), "CURLOPT_POSTFIELDS")
            if method != "POST" {
                try setString(CURLOPT_CUSTOMREQUEST, request.method, "CURLOPT_CUSTOMREQUEST")
            }
            return
        }
        switch method {
        case "GET":
            try setLong(CURLOPT_HTTPGET, 1, "CURLOPT_HTTPGET")
        case "HEAD":
            try setLong(CURLOPT_NOBODY, 1, "CURLOPT_NOBODY")
        default:
            try setString(CURLOPT_CUSTOMREQUEST, request.method, "CURLOPT_CUSTOMREQUEST")
        }
    }

    private func configureHeaders(_ headers: [(String, String)], hasBody: Bool) throws(HTTPClientError) {
        var lines = headers.map { "\($0.0): \($0.1)" }
        if hasBody, !headers.contains(where: { $0.0.lowercased() == "expect" }) {
            // No `Expect: 100-continue` round trip before sending a body.
            lines.append("Expect:")
        }
        guard !lines.isEmpty else { return }
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else {
                throw HTTPClientError(code: .transport, message: "curl_slist_append failed (out of memory)")
            }
            headerList = appended
        }
        try check(sundial_curl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList), "CURLOPT_HTTPHEADER")
    }

    private func setLong(_ option: CURLoption, _ value: Int, _ name: String) throws(HTTPClientError) {
        try check(sundial_curl_easy_setopt_long(handle, option, value), name)
    }

    private func setString(_ option: CURLoption, _ value: String, _ name: String) throws(HTTPClientError) {
        // libcurl copies string options (all but CURLOPT_POSTFIELDS).
        try check(sundial_curl_easy_setopt_string(handle, option, value), name)
    }

    private func check(_ code: CURLcode, _ name: String) throws(HTTPClientError) {
        guard code == CURLE_OK else {
            throw HTTPClientError(
                code: .transport,
                message: "curl_easy_setopt(\(name)) failed: \(CurlLibrary.errorText(code))",
                curlCode: Int(code.rawValue)
            )
        }
    }

    // MARK: Callbacks (event-loop thread, inside curl_multi_perform)

    private func receiveBody(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard count > 0, let data else { return count }
        guard responseBody.count + count <= maxBodyBytes else {
            bodyTooLarge = true
            return 0  // anything but `count` aborts the transfer with CURLE_WRITE_ERROR
        }
        responseBody.append(contentsOf: UnsafeRawBufferPointer(start: data, count: count))
        return count
    }

    /// libcurl passes one complete header line per call, status lines included.
    private func receiveHeaderLine(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard count > 0, let data else { return count }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new response starts (after a 100 Continue, say): keep only the final one's headers.
            responseHeaders.removeAll()
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingHTTPWhitespace()
            let value = line[line.index(after: colon)...].trimmingHTTPWhitespace()
            if !name.isEmpty {
                responseHeaders.append((name, value))
            }
        }
        return count
    }

    // MARK: Completion

    /// Turns the transfer's `CURLcode` into a response or a classified error.
    func finish(_ code: CURLcode) -> Result<HTTPResponse, HTTPClientError> {
        guard code == CURLE_OK else { return .failure(error(for: code)) }
        var status = 0
        let statusCode = sundial_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        guard statusCode == CURLE_OK else { return .failure(error(for: statusCode)) }
        var micros: curl_off_t = 0
        let timeCode = sundial_curl_easy_getinfo_off_t(handle, CURLINFO_TOTAL_TIME_T, &micros)
        guard timeCode == CURLE_OK else { return .failure(error(for: timeCode)) }
        return .success(HTTPResponse(
            status: status,
            headers: responseHeaders,
            body: responseBody,
            totalTime: .microseconds(Int64(micros))
        ))
    }

    private func error(for code: CURLcode) -> HTTPClientError {
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : CurlLibrary.errorText(code)
        let classified: HTTPClientError.Code
        var message = "\(detail) (\(url))"
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            classified = connected ? .timeout : .connectTimeout
        case CURLE_COULDNT_RESOLVE_HOST:
            classified = .couldNotResolveHost
        case CURLE_COULDNT_CONNECT:
            var osErrno = 0
            let infoCode = sundial_curl_easy_getinfo_long(handle, CURLINFO_OS_ERRNO, &osErrno)
            let refused = infoCode == CURLE_OK && osErrno == Int(ECONNREFUSED)
            classified = refused ? .connectionRefused : .couldNotConnect
            if !refused, infoCode == CURLE_OK, osErrno != 0, let reason = strerror(Int32(clamping: osErrno)) {
                message = "\(detail) [\(String(cString: reason))] (\(url))"
            }
        case CURLE_FILESIZE_EXCEEDED:
            classified = .bodyTooLarge
            message = "response body exceeds the \(maxBodyBytes)-byte limit (\(url))"
        case CURLE_WRITE_ERROR where bodyTooLarge:
            classified = .bodyTooLarge
            message = "response body exceeds the \(maxBodyBytes)-byte limit (\(url))"
        default:
            classified = .transport
        }
        return HTTPClientError(code: classified, message: message, curlCode: Int(code.rawValue))
    }
}

extension StringProtocol {
    /// Drops spaces, tabs, CR and LF at both ends.
    func trimmingHTTPWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
