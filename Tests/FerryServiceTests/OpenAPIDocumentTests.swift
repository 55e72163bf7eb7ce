import FerryConvert
import FerryCore
import FerryGateway
import FerryService
import FerryStoreSQLite
import FerryTesting
import FerryYAML
import Foundation
import HTTPTypes
import Logging
import Testing

/// The OpenAPI document served at /openapi.yaml describes exactly the handlers: every path,
/// method and status the service answers with, and nothing else.
struct OpenAPIDocumentTests {
    func service() throws -> GatewayService {
        let path = FerryTesting.packageRoot.appendingPathComponent("examples/gateway/ferry.yaml").path
        var reader = ProjectLoader()
        let document = reader.document(at: path)
        let loaded = GatewayConfigurationCheck.load(path: path, document: try #require(document))
        let configuration = try #require(loaded.configuration)
        let (schemas, mappings) = (loaded.schemas, loaded.mappings)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-openapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let store = try SQLiteGatewayStore(path: data.appendingPathComponent("ferry.sqlite").path)
        let gateway = try Gateway(
            configuration: configuration, schemas: schemas, mappings: mappings, store: store, dataDirectory: data,
            patternCompiler: ProjectLoader.patternCompiler)
        return GatewayService(gateway: gateway, logger: Logger(label: "test"), metricsText: { [] })
    }

    @Test func documentsEveryEndpointWithItsStatusesAndNothingElse() throws {
        let service = try service()
        let openapi = try #require(
            try YAMLLoader.loadAll(Array(GatewayService.openAPIDocument.utf8), path: "openapi.yaml").first)
        #expect(openapi["openapi"]?.scalar == "3.1.0")
        let paths = try #require(openapi["paths"]?.pairs)
        var documented: Set<String> = []
        for path in paths {
            for operation in path.value.pairs ?? [] {
                let statuses = (operation.value["responses"]?.pairs ?? []).compactMap { $0.key.scalar }.sorted()
                documented.insert("\(operation.key.scalar?.uppercased() ?? "") \(path.key.scalar ?? "") \(statuses)")
            }
        }
        let served = Set(
            service.endpoints.map { "\($0.method.rawValue) \($0.path) \($0.statuses.map(String.init).sorted())" })
        #expect(
            documented == served,
            "documented only: \(documented.subtracting(served)); served only: \(served.subtracting(documented))")
    }
}
