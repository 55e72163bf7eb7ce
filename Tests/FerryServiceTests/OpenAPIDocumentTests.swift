import FerryCore
import FerryService
import FerryTesting
import FerryYAML
import Foundation
import HTTPTypes
import Testing

/// The OpenAPI document served at /openapi.yaml describes exactly the handlers: every path,
/// method and status the service answers with, and nothing else.
struct OpenAPIDocumentTests {
    @Test func documentsEveryEndpointWithItsStatusesAndNothingElse() throws {
        let service = try demoService()
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
