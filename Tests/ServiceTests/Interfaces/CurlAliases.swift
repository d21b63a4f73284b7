import AgentClient

/// The libcurl client's request and response types, by names no other imported module uses
/// (HTTPTypes and the MCP SDK have their own `HTTPRequest`/`HTTPResponse`).
typealias CurlRequest = HTTPRequest
typealias CurlResponse = HTTPResponse
