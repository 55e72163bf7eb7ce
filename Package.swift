// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("NonisolatedNonsendingByDefault"),
]

let package = Package(
    name: "Ferry",
    products: [
        .executable(name: "ferry", targets: ["ferry"]),
        .library(name: "FerryCore", targets: ["FerryCore"]),
        .library(name: "FerryXML", targets: ["FerryXML"]),
        .library(name: "FerryYAML", targets: ["FerryYAML"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.20.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.24.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]
        ),
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        .target(
            name: "FerryCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "FerryXML", dependencies: ["FerryCore", "CLibXML2"]),
        .target(name: "FerryYAML", dependencies: ["FerryCore", "CLibYAML"]),
        .target(
            name: "FerryConvert",
            dependencies: [
                "FerryCore", "FerryXML", "FerryYAML",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .target(name: "FerryCheck", dependencies: ["FerryCore", "FerryXML", "FerryConvert"]),
        .target(name: "FerryStore", dependencies: ["FerryCore", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "FerryStoreSQLite",
            dependencies: ["FerryStore", "FerryCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "FerryStorePostgres",
            dependencies: [
                "FerryStore", "FerryCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "FerryGateway",
            dependencies: [
                "FerryCore", "FerryConvert", "FerryXML", "FerryStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "FerryService",
            dependencies: [
                "FerryCore", "FerryGateway", "FerryStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "ferry",
            dependencies: [
                "FerryCheck", "FerryConvert", "FerryGateway", "FerryService", "FerryStoreSQLite", "FerryStorePostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(name: "FerryTesting", dependencies: ["FerryCore"]),
        // Only the suites that run against PostgreSQL link its client.
        .target(
            name: "FerryTestingPostgres",
            dependencies: [
                "FerryStore", "FerryStoreSQLite", "FerryStorePostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "ferry-fuzz",
            dependencies: ["FerryCore", "FerryXML", "FerryYAML", "FerryConvert"]
        ),
        .testTarget(
            name: "FerryCoreTests",
            dependencies: ["FerryCore", "FerryYAML", "FerryTesting", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "FerryYAMLTests", dependencies: ["FerryYAML", "FerryTesting"]),
        .testTarget(name: "FerryXMLTests", dependencies: ["FerryXML", "FerryTesting", "CLibXML2"]),
        .testTarget(
            name: "FerryConvertTests", dependencies: ["FerryCheck", "FerryConvert", "FerryTesting", "CLibXML2"]),
        .testTarget(
            name: "FerryGatewayTests",
            dependencies: [
                "FerryGateway", "FerryStore", "FerryStoreSQLite", "FerryStorePostgres", "FerryTesting",
                "FerryTestingPostgres", .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(
            name: "FerryServiceTests",
            dependencies: [
                "FerryService", "FerryGateway", "FerryStore", "FerryStoreSQLite", "FerryConvert", "FerryYAML",
                "FerryTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "FerryStoreTests",
            dependencies: [
                "FerryStore", "FerryStoreSQLite", "FerryStorePostgres", "FerryCore", "FerryTesting",
                "FerryTestingPostgres",
            ]
        ),
        .testTarget(
            name: "FerryConformanceTests",
            dependencies: [
                "FerryCore", "FerryXML", "FerryYAML", "FerryTesting",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            // Read from the source tree by path, not bundled.
            exclude: ["yaml-known-failures.txt"]
        ),
        .testTarget(
            name: "FerryCLITests",
            dependencies: [
                "ferry", "ferry-fuzz", "FerryTesting", "FerryTestingPostgres", "FerryGateway", "FerryStore",
                "FerryStoreSQLite",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
