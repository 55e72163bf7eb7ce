public import FerryCore
public import FerryStore

/// The gateway's configuration: the systems it talks to, their credentials and clearances,
/// and the routes between them.
///
/// Loaded from YAML and checked completely before the gateway
/// serves anything (`docs/gateway.md`).
public struct GatewayConfiguration: Sendable {
    /// A system on either side of the gateway.
    public struct System: Sendable {
        /// What a system does.
        public enum Role: String, Sendable {
            /// Sends documents in.
            case sender
            /// Receives deliveries.
            case destination
            /// Reads documents and rejects, and manages dead letters and held deliveries.
            case `operator`
            /// Approves or rejects records that a route requires a person to check, within its clearance.
            case reviewer
        }

        public var id: String
        public var role: Role
        /// The highest marking the system may receive (destinations) or send (senders).
        public var clearance: Marking
        /// Salted hashes of the bearer tokens it authenticates with; several allow rotation.
        public var tokenHashes: [TokenHash]
        /// SHA-256 fingerprints (lowercase hex, of the DER bytes) of the client certificates it
        /// authenticates with over mutual TLS.
        public var certificateFingerprints: [String] = []
        /// Record types a sender may send.
        public var allowedTypes: [String]
        /// The mapping a sender's legacy exports are read with, when it sends XML.
        public var mapping: String?
        /// The `source` URIs a sender's records may carry (by default its mapping's): a record
        /// with another is rejected, so that no sender passes records off as another system's.
        public var sources: [String] = []
        /// How a destination receives records: canonical JSON, or a mapping's XML.
        public var format: DeliveryFormat?
        /// How a destination's deliveries reach it.
        public var target: DeliveryTarget?
        /// Who may read a directory destination's drops.
        public var dropPermissions = DropPermissions()
        /// A sender's own request limits, replacing the gateway's.
        public var limits: RequestLimits?
        /// A destination's default for its routes: whether two reviewers must approve each record
        /// before it is delivered.
        public var requiresReview = false
        public var location: DocumentLocation
    }

    /// Where a destination's deliveries go.
    public enum DeliveryTarget: Sendable, Equatable {
        /// Dropped into a directory (relative paths are under the data directory).
        case directory(String)
        /// POSTed to an HTTP(S) endpoint, with a timeout in seconds.
        case http(url: String, timeout: Double)
    }

    /// Who may read what a directory destination receives: the files' mode, the directories'
    /// mode (the file mode with search bits where it may read), and the group they are given.
    public struct DropPermissions: Sendable, Equatable {
        /// Default 0640: the gateway writes, the destination's group reads, nobody else.
        public var fileMode: UInt16 = 0o640
        /// A group name to give the files and directories (the gateway's user must be in it).
        public var group: String?

        /// The directories' mode: the file mode with a search bit wherever it may read (0750 for 0640).
        public var directoryMode: UInt16 { fileMode | ((fileMode & 0o444) >> 2) }

        /// The defaults.
        public init() {}
    }

    /// The HTTP server's limits on its connections.
    public struct ServerLimits: Sendable, Equatable {
        /// Seconds a connection may stay without a request.
        ///
        /// Default 60.
        public var idleTimeout = 60.0
        /// Seconds from a request's first byte to the end of its headers.
        ///
        /// Default 10.
        public var headerTimeout = 10.0
        /// Seconds for a TLS handshake.
        ///
        /// Default 10.
        public var tlsHandshakeTimeout = 10.0
        /// Connections served at once; more wait to be accepted.
        ///
        /// Default 1024.
        public var maximumConnections = 1024

        /// The defaults.
        public init() {}
    }

    /// The server's TLS: its certificate chain and key (PEM) and, for mutual TLS, the
    /// certificate authority whose client certificates are accepted.
    public struct TLSSettings: Sendable, Equatable {
        public var certificate: String
        public var key: String
        public var clientCA: String?
    }

    /// Limits on a sender's requests.
    public struct RequestLimits: Sendable, Equatable {
        /// The largest request body accepted (413 above it).
        ///
        /// Default 16 MiB.
        public var maximumBodyBytes = 16 << 20
        /// Requests per second allowed on average (429 above it).
        ///
        /// Default 50.
        public var requestsPerSecond = 50.0
        /// Requests allowed at once above the average.
        ///
        /// Default 100.
        public var burst = 100
        /// Records one document may hold (413 above it, before any is kept).
        ///
        /// Default 100,000.
        public var maximumRecords = 100_000

        /// The defaults.
        public init() {}
    }

    /// A destination's format.
    public enum DeliveryFormat: Sendable, Equatable {
        case canonical
        case mapping(String)
    }

    /// A route: records of a type (optionally from one sender, optionally with field values)
    /// go to a destination.
    public struct Route: Sendable {
        public var destination: String
        public var recordType: String
        public var sender: String?
        /// Field equalities on the record's top-level data, compared as text.
        public var conditions: [(field: String, value: String)]
        /// Whether records on this route need two reviewers' approval; nil: the destination's default.
        public var requiresReview: Bool?
        public var location: DocumentLocation

        /// Creates a route.
        public init(
            destination: String, recordType: String, sender: String?, conditions: [(field: String, value: String)],
            location: DocumentLocation
        ) {
            self.destination = destination
            self.recordType = recordType
            self.sender = sender
            self.conditions = conditions
            self.location = location
        }
    }

    /// Where the gateway listens.
    public var listen: String
    /// The data directory: the store, the audit checkpoints, the drops (relative paths are under it).
    public var dataDirectory: String
    /// The schema and mapping directories.
    public var schemasDirectory: String
    public var mappingsDirectory: String
    /// The directory of signing keys (relative paths are under the data directory).
    public var signingKey: String
    /// The store: the embedded SQLite database in the data directory (the default), or a
    /// PostgreSQL database that several gateway instances share.
    public var store: StoreLocation
    public var systems: [System]
    public var routes: [Route]
    /// TLS, when the gateway serves HTTPS (paths resolved against the configuration's directory).
    public var tls: TLSSettings?
    /// Request limits for senders that do not set their own.
    public var limits = RequestLimits()
    /// Requests without valid credentials allowed per client address and second (429 above
    /// it).
    ///
    /// Default 10.
    public var anonymousPerSecond = 10.0
    /// Such requests allowed at once above the average.
    ///
    /// Default 20.
    public var anonymousBurst = 20
    /// Address ranges of the proxies in front of the gateway whose `X-Forwarded-For` is
    /// believed; empty by default, so that a client's address is the connection's.
    public var trustedProxies: [NetworkAddress.Range] = []
    /// The HTTP server's connection limits.
    public var server = ServerLimits()
    /// Whether the gateway may listen off the loopback without TLS.
    ///
    /// Default false.
    public var allowsPlaintextListen = false
    /// Deliveries made at once by one instance, at most one per destination.
    ///
    /// Default 4.
    public var deliveryConcurrency = 4
    /// Retries of failed deliveries.
    public var retry = RetryPolicy()
    /// How long a worker holds a claimed delivery before another may take it, in seconds.
    public var leaseSeconds = 60.0
    /// Seconds after which record bodies and rejected inputs are removed (nil: kept).
    public var retentionSeconds: Double?
    /// Seconds between signed audit checkpoints.
    public var checkpointSeconds = 60.0
    /// Seconds after which an open review is listed as overdue (it is never released by time).
    public var reviewTimeoutSeconds = 72 * 3600.0
    /// Seconds a console session may stay unused before it ends.
    public var consoleIdleSeconds = 30 * 60.0
    /// The fingerprints (`sha256:<hex>` of the raw public key) of the keys trusted to sign audit
    /// checkpoints; empty when none is pinned.
    ///
    /// The gateway refuses to start with a signing key
    /// not among them, and `ferry audit verify --config` trusts no other.
    public var auditKeyFingerprints: [String] = []
    /// Free disk space below which the gateway stops accepting documents (503) and is not ready.
    public var minimumFreeBytes = 64 << 20

    /// The system with an id.
    public func system(_ id: String) -> System? { systems.first { $0.id == id } }

    /// The system a client certificate authenticates, by its SHA-256 fingerprint.
    public func system(presentingCertificate fingerprint: String) -> System? {
        systems.first { $0.certificateFingerprints.contains(fingerprint) }
    }

    /// The system a bearer token authenticates, in constant time per stored hash.
    public func system(presenting token: String) -> System? {
        var found: System?
        for system in systems {
            for hash in system.tokenHashes where hash.matches(token) && found == nil { found = system }
        }
        return found
    }
}

/// A bearer token stored as `sha256$<salt hex>$<digest hex>`: the digest is SHA-256 of the
/// salt bytes followed by the token's UTF-8 bytes.
///
/// Tokens never appear in the configuration.
public struct TokenHash: Sendable, Hashable {
    public let salt: [UInt8]
    public let digest: [UInt8]

    /// Parses the stored form.
    public init?(_ text: String) {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "sha256", let salt = Self.bytes(hex: parts[1]), salt.count >= 8,
            let digest = Self.bytes(hex: parts[2]), digest.count == 32
        else { return nil }
        self.salt = salt
        self.digest = digest
    }

    init(salt: [UInt8], digest: [UInt8]) {
        self.salt = salt
        self.digest = digest
    }

    /// The stored form.
    public var text: String { "sha256$\(salt.hexadecimal)$\(digest.hexadecimal)" }

    static func bytes(hex: Substring) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var result: [UInt8] = []
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
