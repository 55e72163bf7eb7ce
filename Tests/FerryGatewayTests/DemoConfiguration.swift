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
