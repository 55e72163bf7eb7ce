public import FerryCore
import FerryXML
public import Foundation

/// Turns accepted records into deliveries: routes each record, decides its release for each
/// destination (block, strip, or pass), writes each destination's batch in its format, signs it
/// and drops it in the destination's directory.
///
/// Every decision is returned for the audit, with the fields removed by name only.
public struct Dispatcher {
    /// One release decision, for the audit.
    public struct Decision: Sendable {
        public enum Outcome: Sendable, Equatable {
            case released(removedFields: [String])
            case blocked(reason: String)
            /// The destination's format cannot hold the record (a value the format requires is missing).
            case notWritable(reason: String)
        }

        public let recordID: String
        public let destination: String
        public let outcome: Outcome
    }

    /// Routed, released records per destination, with every decision and the unrouted records.
    public struct Plan: Sendable {
        public var batches: [String: [CanonicalRecord]] = [:]
        public var decisions: [Decision] = []
        public var unrouted: [String] = []
    }

    private let configuration: GatewayConfiguration
    private let router: Router
    private let release: RecordRelease
    private let mappings: [String: Mapping]
    private let keyring: Keyring
    private let dataDirectory: URL

    /// Creates a dispatcher.
    /// - Parameters:
    ///   - mappings: the mappings destinations' formats name, by name.
    ///   - dataDirectory: relative drop directories are under it.
    public init(configuration: GatewayConfiguration, schemas: [Schema], mappings: [Mapping], keyring: Keyring, dataDirectory: URL) {
        self.configuration = configuration
        router = Router(configuration: configuration)
        release = RecordRelease(schemas: schemas)
        self.mappings = Dictionary(mappings.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.keyring = keyring
        self.dataDirectory = dataDirectory
    }

    /// Routes and releases records from a sender.
    public func plan(_ records: [CanonicalRecord], from sender: String) -> Plan {
        var plan = Plan()
        for record in records {
            let destinations = router.destinations(of: record, from: sender)
            if destinations.isEmpty { plan.unrouted.append(record.id) }
            for destination in destinations {
                // Fail closed: a destination the configuration does not describe receives nothing.
                guard let system = configuration.system(destination), system.role == .destination else {
                    plan.decisions.append(Decision(recordID: record.id, destination: destination,
                                                   outcome: .blocked(reason: "unknown destination")))
                    continue
                }
                switch release.decide(record, clearance: system.clearance) {
                case .blocked(let reason):
                    plan.decisions.append(Decision(recordID: record.id, destination: destination, outcome: .blocked(reason: reason)))
                case .released(let released, let removed):
                    plan.decisions.append(Decision(recordID: record.id, destination: destination,
                                                   outcome: .released(removedFields: removed)))
                    plan.batches[destination, default: []].append(released)
                }
            }
        }
        return plan
    }

    /// A delivered batch.
    public struct Delivery: Sendable {
        public let file: URL
        public let recordIDs: [String]
        /// Records the destination's format could not hold, with the reason.
        public let notWritable: [Decision]
    }

    /// Writes one destination's batch in its format, signed, into its drop directory.
    /// - Parameter deliveryID: unique per delivery; it names the file.
    public func deliver(_ batch: [CanonicalRecord], to destination: String, deliveryID: String) throws -> Delivery {
        guard let system = configuration.system(destination), let format = system.format, let drop = system.dropDirectory else {
            throw DirectoryDrop.DropError(message: "\(destination) is not a destination with a format and a directory")
        }
        var body: [UInt8] = []
        var delivered: [String] = []
        var notWritable: [Decision] = []
        let name: String
        switch format {
        case .canonical:
            let writer = JSONWriter()
            for record in batch {
                writer.write(record.jsonValue, into: &body)
                body.append(0x0A)
                delivered.append(record.id)
            }
            name = "\(deliveryID).ndjson"
        case .mapping(let mappingName):
            guard let mapping = mappings[mappingName] else {
                throw DirectoryDrop.DropError(message: "mapping \(mappingName) is not loaded")
            }
            let writer = XMLRecordWriter(mapping: mapping)
            do {
                try writer.begin()
                for record in batch {
                    do {
                        try writer.write(record.data)
                        delivered.append(record.id)
                    } catch {
                        notWritable.append(Decision(recordID: record.id, destination: destination,
                                                    outcome: .notWritable(reason: error.problems.map(\.description).joined(separator: "; "))))
                    }
                }
                try writer.finish()
            } catch {
                throw DirectoryDrop.DropError(message: "cannot write \(mappingName): \(error)")
            }
            body = writer.takeOutput()
            name = "\(deliveryID).xml"
        }
        let directory = drop.hasPrefix("/") ? URL(fileURLWithPath: drop) : dataDirectory.appendingPathComponent(drop)
        let file = try DirectoryDrop(directory: directory).deliver(body, name: name, signature: try keyring.sign(body),
                                                                  recordIDs: delivered)
        return Delivery(file: file, recordIDs: delivered, notWritable: notWritable)
    }
}
