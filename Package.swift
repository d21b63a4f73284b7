// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let log = Target.Dependency.product(name: "Logging", package: "swift-log")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let httpTypes = Target.Dependency.product(name: "HTTPTypes", package: "swift-http-types")
let hummingbirdTesting = Target.Dependency.product(name: "HummingbirdTesting", package: "hummingbird")
let hummingbirdCore = Target.Dependency.product(name: "HummingbirdCore", package: "hummingbird")
let hummingbirdWebSocket = Target.Dependency.product(name: "HummingbirdWebSocket", package: "hummingbird-websocket")
let wsClient = Target.Dependency.product(name: "WSClient", package: "swift-websocket")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioWebSocket = Target.Dependency.product(name: "NIOWebSocket", package: "swift-nio")
let nioHTTP1 = Target.Dependency.product(name: "NIOHTTP1", package: "swift-nio")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let mcp = Target.Dependency.product(name: "MCP", package: "swift-sdk")

let package = Package(
    name: "sundial",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sundial-api", targets: ["sundial-api"]),
        .executable(name: "sundial-scheduler", targets: ["sundial-scheduler"]),
        .executable(name: "sundial-agent-stub", targets: ["sundial-agent-stub"]),
        .executable(name: "sundial-events", targets: ["sundial-events"]),
        .executable(name: "sundial-bench-cron", targets: ["sundial-bench-cron"]),
        .executable(name: "sundial-bench-ws", targets: ["sundial-bench-ws"]),
        .executable(name: "sundial-mcp", targets: ["sundial-mcp"]),
        .executable(name: "sundial", targets: ["sundial"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
        // Tests only: FileDescriptor for the MCP SDK's stdio transport (already a dependency of the SDK).
        .package(url: "https://github.com/apple/swift-system.git", from: "1.4.0"),
    ],
    targets: [
        // MARK: C libraries (Debian: libpq-dev, libhiredis-dev, libcurl4-openssl-dev)
        .systemLibrary(name: "CLibPQ", path: "Shared/CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // No pkgConfig: hiredis.pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM refuses with a warning;
        // the shim includes <hiredis/hiredis.h> from the default include path instead.
        .systemLibrary(name: "CHiredis", path: "Shared/CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CCurl", path: "Shared/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // MARK: Pure modules
        .target(name: "Cron", path: "Shared/Cron", swiftSettings: swiftSettings),
        .target(name: "Domain", dependencies: ["Cron"], path: "Shared/Domain", swiftSettings: swiftSettings),

        // MARK: Adapters
        .target(
            name: "Postgres", dependencies: ["CLibPQ", log],
            path: "Shared/Postgres", resources: [.copy("Migrations")], swiftSettings: swiftSettings
        ),
        .target(name: "Redis", dependencies: ["CHiredis", log], path: "Shared/Redis", swiftSettings: swiftSettings),
        .target(name: "SundialEvents", dependencies: ["Cron", "Domain", "Postgres", "Redis", log], path: "Shared/Events", swiftSettings: swiftSettings),
        .target(name: "AgentClient", dependencies: ["CCurl", "Domain", log], path: "Shared/AgentClient", swiftSettings: swiftSettings),

        // MARK: Service support (configuration, logging, metrics, health endpoints)
        .target(name: "SundialConfig", path: "Shared/SundialConfig", swiftSettings: swiftSettings),
        .target(
            name: "Observability",
            dependencies: [log, metrics, .product(name: "Prometheus", package: "swift-prometheus"), hummingbird, "SundialConfig"],
            path: "Shared/Observability", swiftSettings: swiftSettings
        ),

        .target(
            name: "ServiceRuntime",
            dependencies: ["Postgres", "Redis", "Observability", "SundialConfig", lifecycle, log],
            path: "Shared/ServiceRuntime", swiftSettings: swiftSettings
        ),

        // MARK: Event stream client (WebSocket listener with resume), used by the CLI listener and tests
        .target(name: "EventStreamClient", dependencies: [wsClient, nioCore, nioWebSocket, log], path: "Shared/EventStreamClient", swiftSettings: swiftSettings),

        // MARK: Services
        .target(
            name: "APISupport",
            dependencies: ["Domain", hummingbird, httpTypes, log],
            path: "Services/API/Support", swiftSettings: swiftSettings
        ),
        .target(
            name: "APIAuth",
            dependencies: [
                "APISupport", "Cron", "Domain", "Postgres", hummingbird, httpTypes, log,
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            path: "Services/API/Auth", swiftSettings: swiftSettings
        ),
        .target(name: "SchedulerCore", dependencies: ["Cron", "Domain"], path: "Services/Scheduler/Core", swiftSettings: swiftSettings),
        .target(
            name: "SundialAPI",
            dependencies: [
                "Cron", "Domain", "APISupport", "APIAuth", "Postgres", "Redis", "SundialEvents", "ServiceRuntime", "SundialConfig", "Observability",
                hummingbird, hummingbirdCore, hummingbirdWebSocket, nioCore, nioHTTP1, nioWebSocket, httpTypes, lifecycle, log, metrics,
            ],
            path: "Services/API/Sources", resources: [.copy("Resources/openapi.json")], swiftSettings: swiftSettings
        ),
        .executableTarget(name: "sundial-api", dependencies: ["SundialAPI", "SundialConfig"], path: "Services/API/Main", swiftSettings: swiftSettings),
        .target(
            name: "SundialScheduler",
            dependencies: [
                "Cron", "Domain", "SchedulerCore", "Postgres", "Redis", "AgentClient", "ServiceRuntime", "SundialConfig", "Observability",
                hummingbird, lifecycle, log, metrics, .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/Scheduler/Sources", swiftSettings: swiftSettings
        ),
        .executableTarget(name: "sundial-scheduler", dependencies: ["SundialScheduler", "SundialConfig"], path: "Services/Scheduler/Main", swiftSettings: swiftSettings),
        .target(
            name: "AgentStub",
            dependencies: ["SundialConfig", "Observability", hummingbird, lifecycle, log],
            path: "Services/AgentStub/Sources", swiftSettings: swiftSettings
        ),
        .executableTarget(name: "sundial-agent-stub", dependencies: ["AgentStub", "SundialConfig"], path: "Services/AgentStub/Main", swiftSettings: swiftSettings),

        .executableTarget(name: "sundial-events", dependencies: ["EventStreamClient", log], path: "Services/EventsCLI", swiftSettings: swiftSettings),
        // MARK: Clients of the public API: typed REST client, MCP server for agents, `sundial` CLI
        .target(
            name: "SundialClient",
            dependencies: ["AgentClient", "Domain", log, .product(name: "WSClient", package: "swift-websocket")],
            path: "Shared/SundialClient", swiftSettings: swiftSettings
        ),
        .target(
            name: "SundialMCP",
            dependencies: ["SundialClient", "Cron", "Domain", "SundialConfig", "Observability", hummingbird, lifecycle, log, mcp],
            path: "Services/MCP/Sources", swiftSettings: swiftSettings
        ),
        .executableTarget(name: "sundial-mcp", dependencies: ["SundialMCP", "SundialConfig", "Observability", log], path: "Services/MCP/Main", swiftSettings: swiftSettings),
        .target(
            name: "SundialCLI",
            dependencies: ["SundialClient", "Cron", "Domain", log, argumentParser],
            path: "Clients/CLI/Sources", swiftSettings: swiftSettings
        ),
        .executableTarget(name: "sundial", dependencies: ["SundialCLI"], path: "Clients/CLI/Main", swiftSettings: swiftSettings),

        // MARK: Benchmarks
        .executableTarget(name: "sundial-bench-cron", dependencies: ["Cron"], path: "Benchmarks/CronBench", swiftSettings: swiftSettings),
        .executableTarget(
            name: "sundial-bench-ws", dependencies: ["EventStreamClient", "Postgres", "Redis", "Domain", wsClient, log],
            path: "Benchmarks/WSBench", swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .testTarget(name: "CronTests", dependencies: ["Cron"], path: "Tests/CronTests", swiftSettings: swiftSettings),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres"], path: "Tests/PostgresTests", swiftSettings: swiftSettings),
        .testTarget(name: "RedisTests", dependencies: ["Redis"], path: "Tests/RedisTests", swiftSettings: swiftSettings),
        .testTarget(name: "AgentClientTests", dependencies: ["AgentClient", "Domain"], path: "Tests/AgentClientTests", swiftSettings: swiftSettings),
        .testTarget(name: "DomainTests", dependencies: ["Domain", "Cron"], path: "Tests/DomainTests", swiftSettings: swiftSettings),
        .testTarget(name: "SchedulerCoreTests", dependencies: ["SchedulerCore", "Cron", "Domain"], path: "Tests/SchedulerCoreTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "APIAuthTests",
            dependencies: ["APIAuth", "APISupport", "Domain", "Postgres", hummingbirdTesting, .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/APIAuthTests", swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OpenAPITests",
            dependencies: ["SundialAPI", "APIAuth", "APISupport", "ServiceRuntime", "SundialConfig", "Postgres", hummingbirdTesting],
            path: "Tests/OpenAPITests", swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ClientTests",
            dependencies: [
                "SundialClient", "SundialCLI", "SundialMCP", "Cron", "Domain", mcp, hummingbird, hummingbirdTesting,
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            ],
            path: "Tests/ClientTests", swiftSettings: swiftSettings
        ),
        .testTarget(name: "ConfigTests", dependencies: ["SundialConfig"], path: "Tests/ConfigTests", swiftSettings: swiftSettings),
        .testTarget(
            name: "ServiceTests",
            dependencies: [
                "SundialAPI", "SundialScheduler", "AgentStub", "ServiceRuntime", "Postgres", "Redis", "Cron", "EventStreamClient", wsClient, nioWebSocket,
                hummingbirdTesting, "SundialClient", "SundialMCP", "SundialConfig", "AgentClient", mcp,
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/ServiceTests", swiftSettings: swiftSettings
        ),
    ]
)
