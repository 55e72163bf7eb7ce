import FerryCore
import Foundation

/// Where the gateway keeps its store: the embedded SQLite database in its data directory, or a
/// PostgreSQL database shared by any number of gateway instances.
///
/// Written in the configuration as `store: sqlite` or `store: postgres://user[:password]@host[:port]/database`
/// with the optional query parameters `sslmode` (`disable`, `prefer`, `require`, `verify-full`),
/// `host` (a Unix socket directory, instead of TCP) and `pool_size` (connections per instance).
/// Without `sslmode`, a server on the loopback or a Unix socket is `prefer` and any other is
/// `verify-full`: across a network the certificate is checked unless the URL says otherwise.
/// A password may also come from the `PGPASSWORD` environment variable, which keeps it out of the file.
public enum StoreLocation: Sendable, Equatable {
    case sqlite
    case postgres(PostgresLocation)

    /// The PostgreSQL server, database and connection settings of a `postgres://` URL.
    public struct PostgresLocation: Sendable, Equatable {
        /// How the connection uses TLS, with libpq's names.
        public enum TLSMode: String, Sendable, CaseIterable {
            /// Plain TCP (loopback, or a network that is already encrypted).
            case disable
            /// TLS when the server offers it, without checking its certificate.
            case prefer
            /// TLS or no connection, without checking the certificate.
            case require
            /// TLS with the server's certificate checked against the system's CAs and the host name.
            case verifyFull = "verify-full"
        }

        public var host: String
        public var port: Int
        /// A directory holding the server's Unix socket, used instead of `host` and `port`.
        public var socketDirectory: String?
        public var user: String
        public var password: String?
        public var database: String
        public var tlsMode: TLSMode
        /// Connections one gateway instance keeps open at most.
        public var poolSize: Int

        /// The URL without its password, for logs and diagnostics.
        public var redacted: String {
            var text = "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(tlsMode.rawValue)"
            if let socketDirectory { text += "&host=\(socketDirectory)" }
            return text
        }
    }

    /// Reads the configuration's `store` value; the error says what is wrong with it.
    /// - Parameter environment: where `PGPASSWORD` is looked up (the process's environment when nil).
    public init(_ text: String, environment: [String: String]? = nil) throws(StoreLocationError) {
        if text == "sqlite" {
            self = .sqlite
            return
        }
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            throw StoreLocationError(
                message: "store is sqlite (the embedded store in the data directory) or a postgres:// URL")
        }
        // Characters outside printable ASCII (a password in Cyrillic, say) are percent-encoded
        // first, as a URL needs; what is already percent-encoded stays as it is.
        let printableASCII = CharacterSet(charactersIn: Unicode.Scalar(0x21)...Unicode.Scalar(0x7E))
        guard let encoded = text.addingPercentEncoding(withAllowedCharacters: printableASCII),
            let components = URLComponents(string: encoded)
        else {
            throw StoreLocationError(
                message: "the store URL is not a URL (characters such as @ or / in the password are written %40, %2F)")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard ["sslmode", "host", "pool_size"].contains(item.name) else {
                throw StoreLocationError(
                    message: "the store URL has an unknown parameter \(item.name) (known: sslmode, host, pool_size)")
            }
            query[item.name] = item.value ?? ""
        }
        guard let user = components.user, !user.isEmpty else {
            throw StoreLocationError(message: "the store URL names no user (postgres://USER@HOST/DATABASE)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreLocationError(message: "the store URL names no database (postgres://USER@HOST/DATABASE)")
        }
        // Off the loopback, the database's certificate is checked unless the URL says otherwise.
        let socketDirectory = query["host"].flatMap { $0.isEmpty ? nil : $0 }
        let onThisMachine = socketDirectory != nil || NetworkAddress.isLoopback(components.host ?? "")
        var tlsMode = onThisMachine ? PostgresLocation.TLSMode.prefer : .verifyFull
        if let mode = query["sslmode"] {
            guard let known = PostgresLocation.TLSMode(rawValue: mode) else {
                let modes = PostgresLocation.TLSMode.allCases.map(\.rawValue)
                throw StoreLocationError(message: "sslmode is one of \(modes.joined(separator: ", ")), not \(mode)")
            }
            tlsMode = known
        }
        var poolSize = 16
        if let size = query["pool_size"] {
            guard let value = Int(size), (1...500).contains(value) else {
                throw StoreLocationError(message: "pool_size is a number of connections from 1 to 500, not \(size)")
            }
            poolSize = value
        }
        guard socketDirectory != nil || !(components.host ?? "").isEmpty else {
            throw StoreLocationError(
                message: "the store URL names no host (postgres://USER@HOST/DATABASE, or ?host=SOCKET-DIRECTORY)")
        }
        self = .postgres(
            PostgresLocation(
                host: components.host ?? "localhost", port: components.port ?? 5432, socketDirectory: socketDirectory,
                user: user,
                password: components.password ?? (environment ?? ProcessInfo.processInfo.environment)["PGPASSWORD"],
                database: database,
                tlsMode: tlsMode, poolSize: poolSize))
    }
}

/// A `store` value that names no store Ferry can open.
public struct StoreLocationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
