public import FerryCore
import FerryXML
public import Foundation
import NIOPosix

/// Turns accepted records into deliveries: routes each record, decides its release for each
/// destination (block, strip, or pass), writes each destination's batch in its format, signs it
/// and sends it to the destination's directory or endpoint.
///
/// Every decision is returned for the audit, with the fields removed by name only.
public struct Dispatcher: Sendable {
    /// One release decision, for the audit.
    public struct Decision: Sendable {
        public enum Outcome: Sendable, Equatable {
            /// The record goes without the fields named, as the record with id `releasedID`
            /// (the record's own id when nothing is removed).
            case released(removedFields: [String], releasedID: String)
            case blocked(reason: String)
            /// The destination's format cannot hold the record (a value the format requires is missing).
            case notWritable(reason: String)
            /// The configuration stops it at delivery (no route, no destination, a record the
            /// schemas in force cannot read): kept for an operator to have it decided again.
            case held(reason: String)
        }

        public let recordID: String
        public let destination: String
        public let outcome: Outcome
    }

    private let configuration: GatewayConfiguration
    private let router: RecordRouter
    private let release: RecordRelease
    private let mappings: [String: Mapping]
    private let keyring: Keyring
    private let dataDirectory: URL

    /// Creates a dispatcher.
    /// - Parameters:
    ///   - mappings: the mappings destinations' formats name, by name.
    ///   - dataDirectory: relative drop directories are under it.
    public init(
        configuration: GatewayConfiguration, schemas: [Schema], mappings: [Mapping], keyring: Keyring,
        dataDirectory: URL
    ) {
        self.configuration = configuration
        router = RecordRouter(configuration: configuration)
        release = RecordRelease(schemas: schemas)
        self.mappings = Dictionary(mappings.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.keyring = keyring
        self.dataDirectory = dataDirectory
    }

    /// The routing and release decisions for records from a sender: each record's destinations
    /// and, per destination, the fields its release removes or why it is blocked (a route to a
    /// system that is not a destination is blocked: fail closed), and the records no route
    /// matched.
    ///
    /// The released records themselves are built again at delivery.
    public func decisions(for records: [CanonicalRecord], from sender: String) -> (
        decisions: [Decision], unrouted: [String]
    ) {
        var decisions: [Decision] = []
        var unrouted: [String] = []
        for record in records {
            let destinations = router.destinations(of: record, from: sender)
            if destinations.isEmpty { unrouted.append(record.id) }
            for destination in destinations {
                guard let system = configuration.system(destination), system.role == .destination else {
                    decisions.append(
                        Decision(
                            recordID: record.id, destination: destination,
                            outcome: .blocked(reason: "unknown destination")))
                    continue
                }
                let outcome: Decision.Outcome =
                    switch release.decide(record, clearance: system.clearance) {
                    case .released(let released, let removed):
                        .released(removedFields: removed, releasedID: released.id)
                    case .blocked(let reason): .blocked(reason: reason)
                    }
                decisions.append(Decision(recordID: record.id, destination: destination, outcome: outcome))
            }
        }
        return (decisions, unrouted)
    }

    /// A destination's batch written in its format, ready to sign and send.
    public struct Rendered: Sendable {
        public let body: [UInt8]
        /// The file extension of the format: `ndjson` or `xml`.
        public let fileExtension: String
        public let contentType: String
        /// The records in the body, in order.
        public let recordIDs: [String]
        /// Records the destination's format could not hold, with the reason.
        public let notWritable: [Decision]
    }

    /// A delivered batch.
    public struct Delivery: Sendable {
        /// The dropped file's path, or the endpoint's URL.
        public let location: String
        public let recordIDs: [String]
        public let keyID: String
        /// Records the destination's format could not hold, with the reason.
        public let notWritable: [Decision]
    }

    /// Writes one destination's batch in its format.
    public func render(_ batch: [CanonicalRecord], for destination: String) throws -> Rendered {
        guard let format = configuration.system(destination)?.format else {
            throw DeliveryError(message: "\(destination) is not a destination with a format")
        }
        switch format {
        case .canonical:
            var body: [UInt8] = []
            for record in batch {
                record.write(into: &body)
                body.append(0x0A)
            }
            return Rendered(
                body: body, fileExtension: "ndjson", contentType: "application/x-ndjson",
                recordIDs: batch.map(\.id), notWritable: [])
        case .mapping(let mappingName):
            guard let mapping = mappings[mappingName] else {
                throw DeliveryError(message: "mapping \(mappingName) is not loaded")
            }
            let writer = XMLRecordWriter(mapping: mapping)
            var written: [String] = []
            var notWritable: [Decision] = []
            do {
                try writer.begin()
                for record in batch {
                    do {
                        try writer.write(record.data)
                        written.append(record.id)
                    } catch {
                        let reason = error.problems.map(\.description).joined(separator: "; ")
                        notWritable.append(
                            Decision(
                                recordID: record.id, destination: destination, outcome: .notWritable(reason: reason)))
                    }
                }
                try writer.finish()
            } catch {
                throw DeliveryError(message: "cannot write \(mappingName): \(error)")
            }
            return Rendered(
                body: writer.takeOutput(), fileExtension: "xml", contentType: "application/xml",
                recordIDs: written, notWritable: notWritable)
        }
    }

    /// The most records one delivery to a destination may carry: an HTTP delivery's record ids
    /// travel in a header, and all its headers stay within 8 KiB (``HTTPDelivery``).
    public func maximumRecordsPerDelivery(to destination: String) -> Int {
        if case .http? = configuration.system(destination)?.target { return HTTPDelivery.maximumRecords }
        return .max
    }

    /// Renders, signs and sends one destination's batch.
    ///
    /// The signature covers the ``DeliveryManifest``: the destination, the delivery, its time, the
    /// body's SHA-256 and the record ids.
    /// - Parameters:
    ///   - deliveryID: unique per delivery; it names the dropped file.
    ///   - time: the delivery's time, RFC 3339.
    public func deliver(_ batch: [CanonicalRecord], to destination: String, deliveryID: String, time: String)
        async throws
        -> Delivery
    {
        guard let target = configuration.system(destination)?.target else {
            throw DeliveryError(message: "\(destination) is not a destination with a delivery target")
        }
        let rendered = try render(batch, for: destination)
        guard !rendered.recordIDs.isEmpty else {
            return Delivery(location: "", recordIDs: [], keyID: "", notWritable: rendered.notWritable)
        }
        let keyID = try keyring.currentKeyID()
        let manifest = DeliveryManifest(
            destination: destination, deliveryID: deliveryID, time: time, body: rendered.body,
            recordIDs: rendered.recordIDs, keyID: keyID)
        let signature = try keyring.sign(manifest.signedBytes, keyID: keyID)
        let location: String
        switch target {
        case .directory(let drop):
            let directory =
                drop.hasPrefix("/") ? URL(fileURLWithPath: drop) : dataDirectory.appendingPathComponent(drop)
            let drop = DirectoryDrop(
                directory: directory, permissions: configuration.system(destination)?.dropPermissions ?? .init())
            // Writing, fsync and rename block a thread: not one of Swift's cooperative pool.
            location = try await NIOThreadPool.singleton.runIfActive {
                try drop.deliver(
                    rendered.body, name: "\(deliveryID).\(rendered.fileExtension)", manifest: manifest,
                    signature: signature.value
                ).path
            }
        case .http(let url, let timeout):
            try await HTTPDelivery(url: url, timeout: timeout)
                .post(
                    rendered.body, contentType: rendered.contentType,
                    headers: manifest.headers(signature: signature.value))
            location = url
        }
        return Delivery(
            location: location, recordIDs: rendered.recordIDs, keyID: keyID, notWritable: rendered.notWritable)
    }
}

/// A delivery that could not be made; the job is retried.
public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
