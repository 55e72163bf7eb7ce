public import FerryCore
import FerryStore
import Foundation

/// Reads a gateway configuration's ``DocumentNode``, reporting every problem with its
/// `path:line:column`, as `ferry check` does for schemas and mappings.
///
/// It also warns about a route that tests a field above its destination's clearance: the
/// destination learns that field's value by receiving (or not receiving) the record.
public struct GatewayConfigurationLoader {
    static let topKeys = [
        "ferry_gateway", "listen", "data_directory", "schemas", "mappings", "signing_key", "store", "systems",
        "routes", "limits", "delivery", "retention", "audit", "minimum_free_space", "tls", "trusted_proxies",
        "server", "allow_plaintext_listen", "review", "console",
    ]
    static let systemKeys = [
        "role", "clearance", "tokens", "sends", "mapping", "sources", "format", "deliver", "description", "limits",
        "certificates", "review",
    ]
    static let routeKeys = ["to", "type", "from", "when", "description", "review"]

    /// The record types the gateway knows, by type.
    private let schemas: [String: Schema]
    /// Mappings by name, for senders' legacy formats and destinations' XML formats.
    private let mappings: [String: Mapping]

    /// Creates a loader that checks names against the loaded schemas and mappings.
    public init(schemas: [Schema], mappings: [Mapping]) {
        self.schemas = Dictionary(schemas.map { ($0.recordType, $0) }, uniquingKeysWith: { first, _ in first })
        self.mappings = Dictionary(mappings.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The directories and key a configuration names, read before the schemas and mappings load.
    public static func paths(in document: DocumentNode) -> (schemas: String, mappings: String) {
        (document["schemas"]?.scalar ?? "schemas", document["mappings"]?.scalar ?? "mappings")
    }

    /// Loads a configuration.
    /// - Returns: the configuration, or nil when an error was reported.
    public func load(_ document: DocumentNode, diagnostics: inout DiagnosticList) -> GatewayConfiguration? {
        var local = DiagnosticList()
        let top = NodeReader(document, context: "the gateway configuration", allowed: Self.topKeys, diagnostics: &local)
        if let version = top.require("ferry_gateway", diagnostics: &local), version.scalar != "1" {
            local.error("gateway.version", "this Ferry reads gateway configuration version 1", at: version.location)
        }
        var systems: [GatewayConfiguration.System] = []
        if let systemsNode = top.require("systems", diagnostics: &local) {
            let reader = NodeReader(systemsNode, context: "systems", allowed: [], diagnostics: &local)
            for id in reader.orderedKeys {
                if let node = reader[id], let system = loadSystem(id, node, diagnostics: &local) {
                    systems.append(system)
                }
            }
        }
        var routes: [GatewayConfiguration.Route] = []
        if let routesNode = top["routes"] {
            if let items = routesNode.items {
                routes = items.compactMap { loadRoute($0, systems: systems, diagnostics: &local) }
            } else {
                local.error("yaml.kind", "routes must be a list", at: routesNode.location)
            }
        }
        var configuration = GatewayConfiguration(
            listen: top.string("listen", diagnostics: &local) ?? "127.0.0.1:8080",
            dataDirectory: top.string("data_directory", diagnostics: &local) ?? ".ferry",
            schemasDirectory: top.string("schemas", diagnostics: &local) ?? "schemas",
            mappingsDirectory: top.string("mappings", diagnostics: &local) ?? "mappings",
            signingKey: top.string("signing_key", diagnostics: &local) ?? "keys",
            store: .sqlite, systems: systems, routes: routes)
        if let storeNode = top["store"], let store = NodeReader.string(storeNode, what: "store", diagnostics: &local) {
            do {
                configuration.store = try StoreLocation(store)
            } catch {
                local.error("gateway.store", error.message, at: storeNode.location)
            }
        }
        if let node = top["limits"] {
            configuration.limits = loadLimits(
                node, context: "limits", otherKeys: Self.anonymousLimitKeys, diagnostics: &local)
            var reported = DiagnosticList()  // unknown keys are reported by loadLimits already
            let reader = NodeReader(node, context: "limits", allowed: [], diagnostics: &reported)
            if let rate = reader.decimal("anonymous_per_second", diagnostics: &local).flatMap({ Double($0.text) }) {
                configuration.anonymousPerSecond = max(0.001, rate)
            }
            if let burst = reader.integer("anonymous_burst", diagnostics: &local) {
                configuration.anonymousBurst = max(1, burst)
            }
        }
        for proxyNode in top["trusted_proxies"]?.items ?? [] {
            guard let range = proxyNode.scalar.flatMap(NetworkAddress.Range.init) else {
                local.error(
                    "gateway.trusted-proxy",
                    "a trusted proxy is an address or a CIDR range, such as 10.0.0.0/8 or 2001:db8::/32",
                    at: proxyNode.location)
                continue
            }
            configuration.trustedProxies.append(range)
        }
        if let node = top["server"] {
            let reader = NodeReader(
                node, context: "server",
                allowed: [
                    "idle_timeout", "header_timeout", "tls_handshake_timeout",
                    "max_connections",
                ], diagnostics: &local)
            if let seconds = Self.duration(reader["idle_timeout"], diagnostics: &local) {
                configuration.server.idleTimeout = seconds
            }
            if let seconds = Self.duration(reader["header_timeout"], diagnostics: &local) {
                configuration.server.headerTimeout = seconds
            }
            if let seconds = Self.duration(reader["tls_handshake_timeout"], diagnostics: &local) {
                configuration.server.tlsHandshakeTimeout = seconds
            }
            if let count = reader.integer("max_connections", diagnostics: &local) {
                configuration.server.maximumConnections = max(1, count)
            }
        }
        configuration.allowsPlaintextListen = top.bool("allow_plaintext_listen", diagnostics: &local) ?? false
        if let node = top["delivery"] {
            let reader = NodeReader(
                node, context: "delivery",
                allowed: ["attempts", "initial_delay", "maximum_delay", "jitter", "lease", "concurrency"],
                diagnostics: &local)
            if let concurrency = reader.integer("concurrency", diagnostics: &local) {
                configuration.deliveryConcurrency = min(64, max(1, concurrency))
            }
            if let attempts = reader.integer("attempts", diagnostics: &local) {
                configuration.retry.maximumAttempts = max(1, attempts)
            }
            if let delay = Self.duration(reader["initial_delay"], diagnostics: &local) {
                configuration.retry.initialDelay = delay
            }
            if let delay = Self.duration(reader["maximum_delay"], diagnostics: &local) {
                configuration.retry.maximumDelay = delay
            }
            if let jitter = reader.decimal("jitter", diagnostics: &local).flatMap({ Double($0.text) }) {
                configuration.retry.jitter = min(1, max(0, jitter))
            }
            if let lease = Self.duration(reader["lease"], diagnostics: &local) { configuration.leaseSeconds = lease }
        }
        if let node = top["review"] {
            let reader = NodeReader(node, context: "review", allowed: ["timeout"], diagnostics: &local)
            if let timeout = Self.duration(reader["timeout"], diagnostics: &local) {
                configuration.reviewTimeoutSeconds = timeout
            }
        }
        if let node = top["console"] {
            let reader = NodeReader(node, context: "console", allowed: ["idle_timeout"], diagnostics: &local)
            if let idle = Self.duration(reader["idle_timeout"], diagnostics: &local) {
                configuration.consoleIdleSeconds = max(1, idle)
            }
        }
        // Review needs two different reviewers: with fewer, a reviewed record never leaves.
        let reviewers = configuration.systems.filter { $0.role == .reviewer }
        for route in configuration.routes {
            let destination = configuration.system(route.destination)
            guard route.requiresReview ?? destination?.requiresReview ?? false else { continue }
            let cleared = reviewers.filter { $0.clearance >= (destination?.clearance ?? .secret) }
            if cleared.count < 2 {
                local.warning(
                    "gateway.reviewers",
                    "records to \(route.destination) need two reviewers' approval, and \(cleared.count) "
                        + "reviewer(s) are cleared for what it may receive: they wait until two are",
                    at: route.location)
            }
        }
        // Two senders with one source can each pass records off as the other's.
        var senderOfSource: [String: String] = [:]
        for system in configuration.systems where system.role == .sender {
            for source in system.sources {
                if let other = senderOfSource[source] {
                    local.warning(
                        "gateway.shared-source",
                        "senders \(other) and \(system.id) both send as \(source): a destination cannot tell their records apart",
                        at: system.location)
                } else {
                    senderOfSource[source] = system.id
                }
            }
        }
        // A lease that can run out while a delivery is still waiting for its destination lets a
        // second worker deliver the same records at the same time.
        for system in configuration.systems {
            if case .http(_, let timeout) = system.target, timeout >= configuration.leaseSeconds {
                local.warning(
                    "gateway.lease",
                    "delivery lease (\(configuration.leaseSeconds) s) is not longer than the timeout of \(system.id) "
                        + "(\(timeout) s): a delivery still in progress could be taken over by another worker",
                    at: top["delivery"]?.location ?? system.location)
            }
        }
        if let node = top["retention"] {
            let reader = NodeReader(node, context: "retention", allowed: ["record_bodies"], diagnostics: &local)
            configuration.retentionSeconds = Self.duration(reader["record_bodies"], diagnostics: &local)
        }
        if let node = top["audit"] {
            let reader = NodeReader(
                node, context: "audit", allowed: ["checkpoint_interval", "key_fingerprint"], diagnostics: &local)
            if let interval = Self.duration(reader["checkpoint_interval"], diagnostics: &local) {
                configuration.checkpointSeconds = interval
            }
            if let pinned = reader["key_fingerprint"] {
                // One fingerprint, or a list of them while a key is being rotated.
                for fingerprintNode in pinned.items ?? [pinned] {
                    guard let text = fingerprintNode.scalar, Self.isFingerprint(text) else {
                        local.error(
                            "gateway.key-fingerprint",
                            "a key fingerprint is sha256:<64 lowercase hex digits> "
                                + "(ferry keys list prints them)", at: fingerprintNode.location)
                        continue
                    }
                    configuration.auditKeyFingerprints.append(text)
                }
            }
        }
        if let bytes = Self.size(top["minimum_free_space"], diagnostics: &local) {
            configuration.minimumFreeBytes = bytes
        }
        if let node = top["tls"] {
            let reader = NodeReader(
                node, context: "tls", allowed: ["certificate", "key", "client_ca"], diagnostics: &local)
            if let certificate = reader.require("certificate", diagnostics: &local)?.scalar,
                let key = reader.require("key", diagnostics: &local)?.scalar
            {
                configuration.tls = .init(
                    certificate: certificate, key: key, clientCA: reader.string("client_ca", diagnostics: &local))
            }
        }
        // Transport that is safe by default: plaintext only on the loopback unless said, and
        // client certificates only with a CA that vouches for them.
        if let problem = Self.plaintextListenProblem(configuration) {
            local.error("gateway.plaintext-listen", problem, at: top["listen"]?.location ?? document.location)
        }
        if configuration.tls?.clientCA == nil {
            for system in configuration.systems where !system.certificateFingerprints.isEmpty {
                local.error(
                    "gateway.client-ca",
                    "\(system.id) names client certificates, but tls has no client_ca to verify them",
                    at: system.location)
            }
        }
        diagnostics.append(contentsOf: local)
        guard !local.hasErrors else { return nil }
        return configuration
    }

    /// Why the gateway may not listen where the configuration says, or nil: an address off the
    /// loopback without TLS needs `allow_plaintext_listen: true`.
    public static func plaintextListenProblem(_ configuration: GatewayConfiguration) -> String? {
        guard configuration.tls == nil, !configuration.allowsPlaintextListen else { return nil }
        let host =
            configuration.listen.lastIndex(of: ":").map { String(configuration.listen[..<$0]) } ?? configuration.listen
        guard !NetworkAddress.isLoopback(host) else { return nil }
        return
            "listening on \(configuration.listen) without tls would carry tokens and records in the clear; configure tls, "
            + "or set allow_plaintext_listen: true (behind a proxy that terminates TLS)"
    }

    static let limitKeys = ["max_body", "requests_per_second", "burst", "max_records"]
    static let anonymousLimitKeys = ["anonymous_per_second", "anonymous_burst"]

    /// Whether text is a key fingerprint: `sha256:` and 64 lowercase hex digits.
    package static func isFingerprint(_ text: String) -> Bool {
        let digits = text.hasPrefix("sha256:") ? text.dropFirst(7) : ""
        return digits.count == 64 && digits.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    private func loadLimits(
        _ node: DocumentNode, context: String, otherKeys: [String] = [],
        diagnostics: inout DiagnosticList
    ) -> GatewayConfiguration.RequestLimits {
        var limits = GatewayConfiguration.RequestLimits()
        let reader = NodeReader(node, context: context, allowed: Self.limitKeys + otherKeys, diagnostics: &diagnostics)
        if let bytes = Self.size(reader["max_body"], diagnostics: &diagnostics) { limits.maximumBodyBytes = bytes }
        if let rate = reader.decimal("requests_per_second", diagnostics: &diagnostics).flatMap({ Double($0.text) }) {
            limits.requestsPerSecond = max(0.001, rate)
        }
        if let burst = reader.integer("burst", diagnostics: &diagnostics) { limits.burst = max(1, burst) }
        if let records = reader.integer("max_records", diagnostics: &diagnostics) {
            limits.maximumRecords = max(1, records)
        }
        return limits
    }

    /// A duration: a number of seconds, or a number with `ms`, `s`, `m`, `h` or `d`.
    static func duration(_ node: DocumentNode?, diagnostics: inout DiagnosticList) -> Double? {
        guard let node else { return nil }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400), ("", 1)]
        if let text = node.scalar {
            for (suffix, factor) in units where text.hasSuffix(suffix) {
                if let value = Double(text.dropLast(suffix.count)), value >= 0 { return value * factor }
            }
        }
        diagnostics.error(
            "gateway.duration", "a duration is a number with ms, s, m, h or d (e.g. 30s, 90d)", at: node.location)
        return nil
    }

    /// A size: a number of bytes, or a number with `KiB`, `MiB` or `GiB`.
    static func size(_ node: DocumentNode?, diagnostics: inout DiagnosticList) -> Int? {
        guard let node else { return nil }
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("", 1)]
        if let text = node.scalar {
            for (suffix, factor) in units where text.hasSuffix(suffix) {
                if let value = Int(text.dropLast(suffix.count)), value >= 0 { return value * factor }
            }
        }
        diagnostics.error(
            "gateway.size", "a size is a number of bytes, or a number with KiB, MiB or GiB", at: node.location)
        return nil
    }

    private func loadSystem(_ id: String, _ node: DocumentNode, diagnostics: inout DiagnosticList)
        -> GatewayConfiguration.System?
    {
        let reader = NodeReader(node, context: "system \(id)", allowed: Self.systemKeys, diagnostics: &diagnostics)
        guard node.pairs != nil else { return nil }
        guard let roleNode = reader.require("role", diagnostics: &diagnostics),
            let role = roleNode.scalar.flatMap(GatewayConfiguration.System.Role.init(rawValue:))
        else {
            if let roleNode = reader["role"] {
                diagnostics.error(
                    "gateway.role", "role is sender, destination, operator or reviewer", at: roleNode.location)
            }
            return nil
        }
        var clearance = Marking.public
        if let clearanceNode = reader.require("clearance", diagnostics: &diagnostics) {
            if let marking = clearanceNode.scalar.flatMap(Marking.init(rawValue:)) {
                clearance = marking
            } else {
                diagnostics.error(
                    "gateway.clearance", "clearance is public, internal, restricted or secret",
                    at: clearanceNode.location)
            }
        }
        var system = GatewayConfiguration.System(
            id: id, role: role, clearance: clearance, tokenHashes: [], allowedTypes: [],
            mapping: nil, format: nil, target: nil, limits: nil, location: node.location)
        for certificateNode in reader["certificates"]?.items ?? [] {
            let text = certificateNode.scalar ?? ""
            guard Self.isFingerprint(text) else {
                diagnostics.error(
                    "gateway.certificate",
                    "a client certificate is named by sha256:<64 lowercase hex digits> of its DER bytes",
                    at: certificateNode.location)
                continue
            }
            system.certificateFingerprints.append(String(text.dropFirst("sha256:".count)))
        }
        for tokenNode in reader["tokens"]?.items ?? [] {
            guard let hash = tokenNode.scalar.flatMap(TokenHash.init) else {
                diagnostics.error(
                    "gateway.token", "a token is stored as sha256$<salt hex>$<digest hex> (see ferry token hash)",
                    at: tokenNode.location)
                continue
            }
            system.tokenHashes.append(hash)
        }
        switch role {
        case .operator, .reviewer:
            if system.tokenHashes.isEmpty && system.certificateFingerprints.isEmpty {
                diagnostics.error(
                    "gateway.token", "\(role.rawValue) \(id) needs at least one token or certificate",
                    at: node.location)
            }
        case .sender:
            if system.tokenHashes.isEmpty && system.certificateFingerprints.isEmpty {
                diagnostics.error(
                    "gateway.token", "sender \(id) needs at least one token or certificate", at: node.location)
            }
            if let limitsNode = reader["limits"] {
                system.limits = loadLimits(limitsNode, context: "limits of \(id)", diagnostics: &diagnostics)
            }
            for typeNode in reader.require("sends", diagnostics: &diagnostics)?.items ?? [] {
                guard let type = typeNode.scalar, schemas[type] != nil else {
                    unknownType(typeNode, diagnostics: &diagnostics)
                    continue
                }
                system.allowedTypes.append(type)
            }
            if let mappingNode = reader["mapping"], let name = mappingNode.scalar {
                if let mapping = mappings[name], mapping.direction.reads {
                    system.mapping = name
                } else {
                    diagnostics.error(
                        "gateway.mapping", "no mapping \(name) that reads exports", at: mappingNode.location)
                }
            }
            if let sourcesNode = reader["sources"] {
                guard let items = sourcesNode.items else {
                    diagnostics.error("yaml.kind", "sources of \(id) must be a list of URIs", at: sourcesNode.location)
                    return system
                }
                for sourceNode in items {
                    guard let source = sourceNode.scalar, source.contains(":"), !source.contains(where: \.isWhitespace)
                    else {
                        diagnostics.error(
                            "gateway.source", "a source is a URI, such as urn:ferry:system:kadry",
                            at: sourceNode.location)
                        continue
                    }
                    system.sources.append(source)
                }
            } else if let source = system.mapping.flatMap({ mappings[$0] })?.source {
                system.sources = [source]
            } else {
                diagnostics.error(
                    "gateway.source",
                    "sender \(id) names neither sources nor a mapping: none of its records could be "
                        + "accepted (give sources: [URI, …])", at: node.location)
            }
        case .destination:
            system.requiresReview = Self.review(reader["review"], diagnostics: &diagnostics) ?? false
            if let formatNode = reader.require("format", diagnostics: &diagnostics), let format = formatNode.scalar {
                if format == "canonical" {
                    system.format = .canonical
                } else if let mapping = mappings[format], mapping.direction.writes {
                    system.format = .mapping(format)
                } else {
                    diagnostics.error(
                        "gateway.format",
                        "format is canonical or the name of a mapping that writes; \(format) is neither",
                        at: formatNode.location)
                }
            }
            if let deliverNode = reader.require("deliver", diagnostics: &diagnostics) {
                let deliver = NodeReader(
                    deliverNode, context: "deliver of \(id)",
                    allowed: ["directory", "url", "timeout", "allow_plaintext", "drop_mode", "drop_group"],
                    diagnostics: &diagnostics)
                if let directory = deliver.string("directory", diagnostics: &diagnostics) {
                    system.target = .directory(directory)
                    if let modeNode = deliver["drop_mode"] {
                        // An octal mode the gateway can still write and that gives nothing to others.
                        if let text = modeNode.scalar, let mode = UInt16(text, radix: 8), mode & 0o7177 == 0,
                            mode & 0o600 == 0o600
                        {
                            system.dropPermissions.fileMode = mode
                        } else {
                            diagnostics.error(
                                "gateway.drop-mode",
                                "drop_mode is an octal file mode with owner read and write and "
                                    + "no permission for others, such as 0640 or 0600", at: modeNode.location)
                        }
                    }
                    system.dropPermissions.group = deliver.string("drop_group", diagnostics: &diagnostics)
                } else if let url = deliver.string("url", diagnostics: &diagnostics) {
                    if url.hasPrefix("http://") || url.hasPrefix("https://") {
                        let timeout = Self.duration(deliver["timeout"], diagnostics: &diagnostics) ?? 10
                        system.target = .http(url: url, timeout: timeout)
                        let host = URLComponents(string: url)?.host ?? ""
                        if url.hasPrefix("http://"), !NetworkAddress.isLoopback(host),
                            deliver.bool("allow_plaintext", diagnostics: &diagnostics) != true
                        {
                            diagnostics.error(
                                "gateway.plaintext-url",
                                "\(id) would receive records in the clear over \(url); use "
                                    + "https://, or set allow_plaintext: true in its deliver",
                                at: deliver["url"]?.location)
                        }
                    } else {
                        diagnostics.error(
                            "gateway.url", "a delivery url starts with http:// or https://",
                            at: deliver["url"]?.location)
                    }
                } else if deliverNode.pairs != nil {
                    diagnostics.error(
                        "yaml.missing-key", "deliver of \(id) needs 'directory' or 'url'", at: deliverNode.location)
                }
            }
        }
        return system
    }

    private func loadRoute(
        _ node: DocumentNode, systems: [GatewayConfiguration.System], diagnostics: inout DiagnosticList
    ) -> GatewayConfiguration.Route? {
        let reader = NodeReader(node, context: "a route", allowed: Self.routeKeys, diagnostics: &diagnostics)
        guard let toNode = reader.require("to", diagnostics: &diagnostics),
            let typeNode = reader.require("type", diagnostics: &diagnostics),
            let destinationID = toNode.scalar, let type = typeNode.scalar
        else { return nil }
        guard let destination = systems.first(where: { $0.id == destinationID && $0.role == .destination }) else {
            var message = "route to \(destinationID), which is not a destination"
            let names = systems.filter { $0.role == .destination }.map(\.id)
            if let suggestion = NodeReader.closest(to: destinationID, among: names) {
                message += "; did you mean '\(suggestion)'?"
            }
            diagnostics.error("gateway.unknown-system", message, at: toNode.location)
            return nil
        }
        guard let schema = schemas[type] else {
            unknownType(typeNode, diagnostics: &diagnostics)
            return nil
        }
        var route = GatewayConfiguration.Route(
            destination: destinationID, recordType: type, sender: nil, conditions: [],
            location: node.location)
        route.requiresReview = Self.review(reader["review"], diagnostics: &diagnostics)
        if let fromNode = reader["from"], let sender = fromNode.scalar {
            if systems.contains(where: { $0.id == sender && $0.role == .sender }) {
                route.sender = sender
            } else {
                diagnostics.error(
                    "gateway.unknown-system", "route from \(sender), which is not a sender", at: fromNode.location)
            }
        }
        if let whenNode = reader["when"] {
            let conditions = NodeReader(whenNode, context: "when", allowed: [], diagnostics: &diagnostics)
            for field in conditions.orderedKeys {
                guard let definition = schema.root.field(named: field) else {
                    diagnostics.error(
                        "gateway.unknown-field", "\(type) has no field \(field)", at: conditions.keyLocations[field])
                    continue
                }
                if definition.marking > destination.clearance {
                    diagnostics.warning(
                        "gateway.inference-leak",
                        "the route tests \(field) (\(definition.marking.rawValue)) for \(destinationID) "
                            + "(cleared \(destination.clearance.rawValue)): receiving a record reveals the field",
                        at: conditions.keyLocations[field])
                }
                if let value = conditions.string(field, diagnostics: &diagnostics) {
                    route.conditions.append((field, value))
                }
            }
        }
        if schema.defaultMarking > destination.clearance {
            diagnostics.warning(
                "gateway.never-released",
                "\(type) records are \(schema.defaultMarking.rawValue) by default; \(destinationID) is cleared "
                    + "\(destination.clearance.rawValue) and receives none of them", at: node.location)
        }
        return route
    }

    /// `review: required | none`; nil when absent or wrong (reported).
    private static func review(_ node: DocumentNode?, diagnostics: inout DiagnosticList) -> Bool? {
        guard let node else { return nil }
        switch node.scalar {
        case "required": return true
        case "none": return false
        default:
            diagnostics.error("gateway.review", "review is required or none", at: node.location)
            return nil
        }
    }

    private func unknownType(_ node: DocumentNode, diagnostics: inout DiagnosticList) {
        var message = "unknown record type \(node.scalar ?? "")"
        if let suggestion = NodeReader.closest(to: node.scalar ?? "", among: Array(schemas.keys)) {
            message += "; did you mean '\(suggestion)'?"
        }
        diagnostics.error("gateway.unknown-type", message, at: node.location)
    }
}
