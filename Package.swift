// swift-tools-version:6.2
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// Numeric kernels are compiled for a modern x86-64 so that fused multiply-add and AVX2 are
// single instructions; other architectures keep the compiler's default target.
let numericSettings: [SwiftSetting] =
    upcoming + [
        .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
        .unsafeFlags(["-Xcc", "-march=haswell", "-target-cpu", "haswell"], .when(platforms: [.linux])),
    ]

let package = Package(
    name: "Attune",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "attune", targets: ["attune"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .target(
            name: "AttuneCore",
            swiftSettings: upcoming
        ),
        .target(
            name: "AttuneStore",
            dependencies: [
                "AttuneCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "AttuneEngine",
            dependencies: [
                "AttuneCore",
                "AttuneStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
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
                "AttuneStore",
                "AttuneEngine",
                "AttuneServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "AttuneTestSupport",
            dependencies: ["AttuneCore"],
            path: "Tests/AttuneTestSupport",
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AttuneCoreTests",
            dependencies: ["AttuneCore", "AttuneTestSupport"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AttuneStoreTests",
            dependencies: ["AttuneCore", "AttuneStore", "AttuneTestSupport"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AttuneEngineTests",
            dependencies: ["AttuneCore", "AttuneStore", "AttuneEngine", "AttuneTestSupport"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "AttuneServerTests",
            dependencies: [
                "AttuneCore", "AttuneStore", "AttuneEngine", "AttuneServer", "AttuneTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
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
