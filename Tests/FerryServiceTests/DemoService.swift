import FerryConvert
import FerryGateway
import FerryService
import FerryStoreSQLite
import FerryTesting
import Foundation
import Logging
import Testing

/// The service of the demo gateway (`examples/gateway/ferry.yaml`) over a fresh store in a
/// temporary data directory, with what a test changes in its configuration.
func demoService(_ adjust: (inout GatewayConfiguration) -> Void = { _ in }) throws -> GatewayService {
    let path = FerryTesting.packageRoot.appendingPathComponent("examples/gateway/ferry.yaml").path
    var reader = ProjectLoader()
    let document = reader.document(at: path)
    let loaded = GatewayConfigurationCheck.load(path: path, document: try #require(document))
    var configuration = try #require(loaded.configuration)
    adjust(&configuration)
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-service-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
    let store = try SQLiteGatewayStore(path: data.appendingPathComponent("ferry.sqlite").path)
    let gateway = try Gateway(
        configuration: configuration, schemas: loaded.schemas, mappings: loaded.mappings, store: store,
        dataDirectory: data, patternCompiler: ProjectLoader.patternCompiler)
    return GatewayService(gateway: gateway, logger: Logger(label: "test"), metricsText: { [] })
}
