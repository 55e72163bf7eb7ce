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
        .target(name: "FerryQueue", dependencies: ["FerryCore", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "FerryQueueSQLite",
            dependencies: ["FerryQueue", "FerryCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "FerryGateway",
            dependencies: ["FerryCore", "FerryConvert", "FerryQueue", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .executableTarget(
            name: "ferry",
            dependencies: [
                "FerryConvert", "FerryGateway", "FerryQueueSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "FerryTesting",
            dependencies: ["FerryCore"],
            path: "Sources/FerryTesting"
        ),
        .executableTarget(
            name: "ferry-fuzz",
            dependencies: ["FerryCore", "FerryXML", "FerryYAML", "FerryConvert"]
        ),
        .testTarget(
            name: "FerryCoreTests",
            dependencies: ["FerryCore", "FerryTesting", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "FerryYAMLTests", dependencies: ["FerryYAML", "FerryTesting"]),
        .testTarget(name: "FerryXMLTests", dependencies: ["FerryXML", "FerryTesting"]),
        .testTarget(name: "FerryConvertTests", dependencies: ["FerryConvert", "FerryTesting"]),
        .testTarget(name: "FerryGatewayTests", dependencies: ["FerryGateway", "FerryQueue", "FerryTesting"]),
        .testTarget(name: "FerryQueueTests", dependencies: ["FerryQueue", "FerryQueueSQLite", "FerryCore"]),
        .testTarget(
            name: "FerryConformanceTests",
            dependencies: [
                "FerryCore", "FerryXML", "FerryYAML", "FerryTesting",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .testTarget(
            name: "FerryCLITests",
            dependencies: [
                "ferry", "ferry-fuzz", "FerryTesting", "FerryGateway", "FerryQueueSQLite",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + swiftSettings
}
