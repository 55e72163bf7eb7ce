import FerryConvert
import FerryCore
import FerryGateway
import FerryTesting
import Foundation
import Testing

/// The demo configuration `examples/gateway/ferry.yaml` with the schemas and mappings it names,
/// loaded the way `ferry serve` loads it; it must load without errors.
func loadDemoConfiguration() throws -> (configuration: GatewayConfiguration, loaded: GatewayConfigurationCheck.Loaded) {
    let path = FerryTesting.packageRoot.appendingPathComponent("examples/gateway/ferry.yaml").path
    var reader = ProjectLoader()
    let read = reader.document(at: path)
    let loaded = GatewayConfigurationCheck.load(path: path, document: try #require(read))
    return (try #require(loaded.configuration, "\(loaded.diagnostics)"), loaded)
}

/// Receives a legacy export from a sender of the configuration, read with the sender's mapping;
/// the export must be accepted.
func receiveExport(_ gateway: Gateway, from sender: String, _ body: [UInt8]) async throws {
    let system = try #require(gateway.configuration.system(sender))
    guard
        case .accepted = try await gateway.receive(
            .init(sender: system, body: body, content: .legacy(mapping: nil), idempotencyKey: nil))
    else {
        Issue.record("the export from \(sender) was not accepted")
        return
    }
}
