import FerryConvert
public import FerryCore
public import FerryStore
public import Foundation
import Synchronization

/// The gateway without its transport: it takes a sender's document, converts and checks its
/// records, routes them, decides their release per destination and commits everything —
/// records, rejects, delivery jobs and audit entries — in one store transaction.
///
/// The HTTP service, the delivery workers and the operator commands all compose this.
public final class Gateway: Sendable {
    public let configuration: GatewayConfiguration
    public let store: any GatewayStore
    public let dispatcher: Dispatcher
    public let keyring: Keyring
    /// The data directory, with relative paths of the configuration resolved against it.
    public let dataDirectory: URL
    let converters: [String: RecordConverter]
    let envelopeChecker: EnvelopeChecker
    let router: RecordRouter
    let release: RecordRelease

    /// Prepares a gateway over a loaded configuration and its schemas and mappings.
    /// - Parameter patternCompiler: compiles the schemas' patterns (the one the schemas were
    ///   loaded with, so a pattern means the same when loaded and when checked).
    public init(
        configuration: GatewayConfiguration, schemas: [Schema], mappings: [Mapping], store: any GatewayStore,
        dataDirectory: URL, patternCompiler: any PatternCompiler
    ) throws {
        self.configuration = configuration
        self.store = store
        self.dataDirectory = dataDirectory
        let keys = configuration.signingKey
        keyring = Keyring(
            directory: keys.hasPrefix("/") ? URL(fileURLWithPath: keys) : dataDirectory.appendingPathComponent(keys))
        dispatcher = Dispatcher(
            configuration: configuration, schemas: schemas, mappings: mappings, keyring: keyring,
            dataDirectory: dataDirectory)
        var converters: [String: RecordConverter] = [:]
        for mapping in mappings where mapping.direction.reads {
            converters[mapping.name] = try RecordConverter(mapping: mapping, patternCompiler: patternCompiler)
        }
        self.converters = converters
        var validators: [RecordValidator] = []
        for schema in schemas {
            validators.append(try RecordValidator(schema: schema, patternCompiler: patternCompiler))
        }
        envelopeChecker = EnvelopeChecker(validators: validators)
        router = RecordRouter(configuration: configuration)
        release = RecordRelease(schemas: schemas)
    }

    /// What the last checkpoint run saw: the newest checkpoint, the chain's head, and when.
    struct CheckpointObservation {
        var newest: AuditCheckpoint?
        var head: Int
        var at: Date
    }

    let checkpointObservation = Mutex<CheckpointObservation?>(nil)

    /// The last periodic check of the audit chain (``checkRecentChain(now:)``).
    let chainCheckResult = Mutex<ChainCheck?>(nil)

    // MARK: Helpers

    /// RFC 3339 UTC with milliseconds.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
