// swift-tools-version:6.2
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// The numeric module is built for the machine's vector unit: on baseline x86-64 (SSE2) fused
// multiply-add and SIMD8 arithmetic become library calls per lane, two orders of magnitude slower.
// `-Ounchecked` drops the bounds checks that the hot loops already guarantee by construction.
var numericSettings: [SwiftSetting] = upcoming + [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
#if arch(x86_64)
numericSettings.append(.unsafeFlags(["-Xcc", "-march=haswell", "-target-cpu", "haswell"]))
#endif

let package = Package(
    name: "Attune",
    // iOS: only the AttuneClient library is meant for it (Duration needs iOS 16).
    platforms: [.macOS(.v15), .iOS(.v16)],
    products: [
        .executable(name: "attune", targets: ["attune"]),
        // For Swift apps and servers that send events; Foundation only.
        .library(name: "AttuneClient", targets: ["AttuneClient"]),
    ],
    // `--store postgres://` in the `attune` commands. On by default; `--disable-default-traits`
    // builds an SQLite-only binary without postgres-nio (about half of a cold build).
    traits: [
        .trait(name: "PostgreSQL", description: "The PostgreSQL store for several processes sharing one database."),
        .default(enabledTraits: ["PostgreSQL"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-numerics.git", from: "1.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.30.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(
            name: "AttuneCore",
            dependencies: ["CAttuneIntrinsics"],
            swiftSettings: upcoming
        ),
        .target(name: "CAttuneIntrinsics"),
        .target(
            name: "AttuneML",
            dependencies: ["CAttuneIntrinsics", .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: numericSettings,
            // squareRoot/exp lower to libm calls in unoptimised builds; Linux does not link it implicitly.
            linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]
        ),
        .target(
            name: "AttuneExperiments",
            dependencies: [.product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: upcoming
        ),
        .target(
            name: "AttuneStore",
            dependencies: [
                "AttuneCore",
                "CAttuneIntrinsics",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        // Its own target so that the PostgreSQL client stays out of the engine's and server's
        // build until a command needs it.
        .target(
            name: "AttunePostgres",
            dependencies: [
                "AttuneCore",
                "AttuneStore",
                // The PostgreSQL implementations of the engine's coordination protocols (leader election)
                // and the model snapshots it serves.
                "AttuneEngine",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "AttuneEngine",
            dependencies: [
                "AttuneCore",
                "AttuneML",
                "AttuneExperiments",
                "AttuneStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "AttuneServer",
            dependencies: [
                "AttuneCore",
                "AttuneStore",
                "AttuneEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "attune",
            dependencies: [
                "AttuneCore",
                "AttuneML",
                "AttuneStore",
                "AttuneEngine",
                "AttuneServer",
                .target(name: "AttunePostgres", condition: .when(traits: ["PostgreSQL"])),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "AttuneClient",
            swiftSettings: upcoming
        ),
        .target(
            name: "AttuneTestSupport",
            dependencies: ["AttuneCore"],
            path: "Tests/AttuneTestSupport",
            swiftSettings: upcoming
        ),
        // Checks written once against the storage protocols, run by every backend's tests.
        .target(
            name: "AttuneStoreTestSupport",
            dependencies: ["AttuneCore", "AttuneStore", "AttuneTestSupport"],
            path: "Tests/AttuneStoreTestSupport",
            swiftSettings: upcoming
        ),
        // Checks written once against the engine's protocols (leader election), run by every implementation's tests.
        .target(
            name: "AttuneEngineTestSupport",
            dependencies: ["AttuneCore", "AttuneEngine"],
            path: "Tests/AttuneEngineTestSupport",
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AttuneMLTests",
            dependencies: ["AttuneML"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AttuneExperimentsTests",
            dependencies: ["AttuneExperiments", .product(name: "RealModule", package: "swift-numerics")],
            resources: [.copy("Resources")],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AttuneCoreTests",
            dependencies: ["AttuneCore", "AttuneTestSupport"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AttuneStoreTests",
            dependencies: [
                "AttuneCore", "AttuneStore", "AttuneTestSupport", "AttuneStoreTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AttunePostgresTests",
            dependencies: [
                "AttuneCore", "AttuneStore", "AttunePostgres", "AttuneTestSupport", "AttuneStoreTestSupport",
                "AttuneEngine", "AttuneEngineTestSupport",
                // Built for the tests that run `attune serve` and `attune worker` on one database.
                "attune",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AttuneEngineTests",
            dependencies: [
                "AttuneCore", "AttuneStore", "AttuneEngine", "AttuneExperiments", "AttuneTestSupport", "AttuneEngineTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AttuneServerTests",
            dependencies: [
                "AttuneCore", "AttuneML", "AttuneStore", "AttuneEngine", "AttuneServer", "AttuneTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AttuneClientTests",
            dependencies: [
                "AttuneClient", "AttuneCore", "AttuneStore", "AttuneEngine", "AttuneServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AttuneCLITests",
            dependencies: ["attune", "AttuneCore", "AttuneStore", "AttuneTestSupport"],
            swiftSettings: upcoming
        ),
    ]
)
