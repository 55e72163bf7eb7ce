import ArgumentParser
import FerryCheck
import FerryConvert
import FerryCore
import FerryGateway
import FerryService
import FerryStore
import Foundation
import Logging
import Metrics
import Prometheus

/// `ferry serve`: the gateway between agencies.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway: receive documents over HTTP, convert, route, release and deliver them.",
        discussion: """
            The configuration is checked completely first, with the diagnostics of ferry check; the gateway \
            refuses to start on any error. SIGTERM or SIGINT stops it gracefully: no new documents, the \
            deliveries in hand finish, a last audit checkpoint is signed.
            Exit status: 0 stopped; 66 the configuration cannot be read; 69 the store (PostgreSQL) cannot be \
            reached; 78 the configuration has errors or no signing key.
            """)

    @Option(help: "The gateway configuration (YAML).")
    var config: String

    @Option(help: "HOST:PORT to listen on, replacing the configuration's (port 0 picks a free port).")
    var listen: String?

    @Option(help: "The data directory, replacing the configuration's.")
    var data: String?

    func run() async throws {
        var logger = Logger(label: "ferry")
        logger.logLevel =
            ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let loaded = try loadConfiguration()
        guard var configuration = loaded.configuration else { throw ExitCode(ExitStatus.configuration.rawValue) }
        if let data { configuration.dataDirectory = data }
        if let listen { configuration.listen = listen }
        if let problem = GatewayConfigurationLoader.plaintextListenProblem(configuration) {
            FileHandle.standardError.write(Data("ferry serve: error: \(problem)\n".utf8))
            throw ExitCode(ExitStatus.configuration.rawValue)
        }
        let (host, port) = try Self.address(configuration.listen)
        let dataDirectory = URL(fileURLWithPath: configuration.dataDirectory)
        try FileManager.default.createDirectory(
            at: dataDirectory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let store: any GatewayStore
        do {
            store = try StoreOpening.open(
                configuration.store, dataDirectory: dataDirectory, policy: configuration.retry, logger: logger)
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("ferry serve: error: \(error)\n".utf8))
            throw ExitCode(ExitStatus.unavailable.rawValue)
        }
        let gateway = try Gateway(
            configuration: configuration, schemas: loaded.schemas, mappings: loaded.mappings, store: store,
            dataDirectory: dataDirectory, patternCompiler: ProjectLoader.patternCompiler)
        do {
            _ = try gateway.keyring.sign([])
        } catch {
            FileHandle.standardError.write(
                Data(
                    "ferry serve: error: \(error)\n  make one with: ferry keys generate --directory \(gateway.keyring.directory.path)\n"
                        .utf8))
            throw ExitCode(ExitStatus.configuration.rawValue)
        }
        if !configuration.auditKeyFingerprints.isEmpty {
            // A pinned key: the gateway never signs with one an auditor would not trust.
            let current = try? gateway.keyring.currentKeyID()
            let fingerprint = current.flatMap { try? gateway.keyring.publicKeys()[$0] }.map(Keyring.fingerprint)
            guard let fingerprint, configuration.auditKeyFingerprints.contains(fingerprint) else {
                FileHandle.standardError.write(
                    Data(
                        ("ferry serve: error: the current signing key \(current ?? "?") "
                            + "(\(fingerprint ?? "no public key")) is not pinned in audit.key_fingerprint\n").utf8))
                throw ExitCode(ExitStatus.configuration.rawValue)
            }
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let service = GatewayService(gateway: gateway, logger: logger, metricsText: { registry.emitToBuffer() })
        let scheme = configuration.tls == nil ? "http" : "https"
        let storeLabel = StoreOpening.label(configuration.store, dataDirectory: dataDirectory)
        let configurationBytes = (try? Data(contentsOf: URL(fileURLWithPath: config))) ?? Data()
        let startupLogger = logger
        do {
            try await service.run(host: host, port: port) {
                // The store is ready: what a stopped process left is completed, and the
                // configuration in force is audited before the first document.
                let completed = try await gateway.completeInterruptedCheckpoints()
                if completed > 0 {
                    startupLogger.warning(
                        "completed audit checkpoints a stopped process left without their row",
                        metadata: ["count": "\(completed)"])
                }
                try await gateway.recordConfigurationLoaded(file: config, bytes: [UInt8](configurationBytes))
            } onListening: { port in
                FileHandle.standardError.write(
                    Data(
                        "ferry serve: listening on \(scheme)://\(host):\(port) (data \(dataDirectory.path), store \(storeLabel))\n"
                            .utf8))
            }
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("ferry serve: error: \(error)\n".utf8))
            throw ExitCode(ExitStatus.unavailable.rawValue)
        }
    }

    private func loadConfiguration() throws -> GatewayConfigurationCheck.Loaded {
        var reader = ProjectLoader()
        guard let document = reader.document(at: config) else {
            FileHandle.standardError.write(Data(reader.renderedDiagnostics().utf8))
            throw ExitCode(ExitStatus.noInput.rawValue)
        }
        let loaded = GatewayConfigurationCheck.load(path: config, document: document)
        if !loaded.diagnostics.isEmpty {
            FileHandle.standardError.write(
                Data(DiagnosticFormatter.format(loaded.diagnostics, as: .text, sources: loaded.sources).utf8))
        }
        if loaded.configuration == nil {
            FileHandle.standardError.write(Data("ferry serve: the configuration has errors; not starting\n".utf8))
        }
        return loaded
    }

    static func address(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw ValidationError("listen is HOST:PORT, not \(text)")
        }
        return (String(text[..<colon]), port)
    }
}
