import FerryConvert
import FerryCore
import FerryGateway
import FerryStore
import FerryTesting
import FerryYAML
import Foundation
import Testing

/// The gateway configuration, its diagnostics and the routing it drives.
struct GatewayConfigurationTests {
    static let demo = FerryTesting.packageRoot.appendingPathComponent("examples/gateway/ferry.yaml")

    /// Loads a configuration text against the project's schemas and mappings.
    func load(_ text: String) throws -> (GatewayConfiguration?, [Diagnostic]) {
        var loader = ProjectLoader()
        let schemas = loader.schemas(inDirectory: FerryTesting.packageRoot.appendingPathComponent("schemas").path)
        let mappings = ["kadry-personnel", "snab2-requisition", "zakupki-contract", "social-fund-discharge"].compactMap
        {
            loader.mapping(FerryTesting.packageRoot.appendingPathComponent("mappings/\($0).yaml").path)
        }
        #expect(!loader.diagnostics.hasErrors)
        let document = try #require(try YAMLLoader.loadAll(Array(text.utf8), path: "ferry.yaml").first)
        var diagnostics = DiagnosticList()
        let configuration = GatewayConfigurationLoader(schemas: schemas, mappings: mappings).load(
            document, diagnostics: &diagnostics)
        return (configuration, diagnostics.diagnostics)
    }

    var demoText: String { String(decoding: FerryTesting.bytes(Self.demo), as: UTF8.self) }

    @Test func theDemoConfigurationLoadsWithoutWarnings() throws {
        let (configuration, diagnostics) = try load(demoText)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let loaded = try #require(configuration)
        #expect(loaded.systems.filter { $0.role == .sender }.map(\.id) == ["hr", "logistics", "contracts"])
        #expect(loaded.system("social-fund")?.format == .mapping("social-fund-discharge"))
        #expect(loaded.system("procurement-register")?.clearance == .public)
        #expect(loaded.system("hr")?.tokenHashes.first?.matches("hr-demo-token") == true)
        #expect(loaded.system("hr")?.tokenHashes.first?.matches("logistics-demo-token") == false)
    }

    @Test(arguments: [
        (
            "  - { to: social-fund, type: personnel.record, when: { status: discharged } }",
            "  - { to: social-fnd, type: personnel.record, when: { status: discharged } }",
            "ferry.yaml:86:11 [gateway.unknown-system]"
        ),
        (
            "  - { to: veterans-registry, type: personnel.record }",
            "  - { to: veterans-registry, type: personnel.recrd }",
            "ferry.yaml:87:36 [gateway.unknown-type]"
        ),
        (
            "  - { to: veterans-registry, type: personnel.record }",
            "  - { to: veterans-registry, type: personnel.record, when: { unit: в/ч 12345 } }",
            "ferry.yaml:87:62 [gateway.inference-leak]"
        ),
        (
            "  - { to: procurement-register, type: procurement.contract, review: required }",
            "  - { to: procurement-register, type: logistics.requisition }",
            "ferry.yaml:88:5 [gateway.never-released]"
        ),
        (
            "  - { to: procurement-register, type: procurement.contract, review: required }",
            "  - { to: procurement-register, type: procurement.contract, review: maybe }",
            "ferry.yaml:88:69 [gateway.review]"
        ),
        // One reviewer is not two: the reviewed route would wait for ever.
        (
            "description: a second contract officer on duty\n    role: reviewer",
            "description: a second contract officer on duty\n    role: operator", "ferry.yaml:88:5 [gateway.reviewers]"
        ),
        ("    clearance: public", "    clearance: open", "ferry.yaml:63:16 [gateway.clearance]"),
        ("    format: social-fund-discharge", "    format: kadry-personnel-xml", "ferry.yaml:53:13 [gateway.format]"),
        ("    sends: [personnel.record]", "    sends: [personnel.records]", "ferry.yaml:26:13 [gateway.unknown-type]"),
        ("store: sqlite", "store: mysql://ferry@db/ferry", "ferry.yaml:12:8 [gateway.store]"),
        (
            "deliver: { directory: deliveries/veterans-registry }",
            "deliver: { url: \"https://registry.example/records\", timeout: 90s }", "ferry.yaml:15:11 [gateway.lease]"
        ),
        ("store: sqlite", "store: postgres://db.internal/ferry", "ferry.yaml:12:8 [gateway.store]"),
        (
            "store: sqlite", "store: postgres://ferry@db.internal/ferry?sslmode=strict",
            "ferry.yaml:12:8 [gateway.store]"
        ),
    ])
    func reportsProblemsWhereTheyAre(_ from: String, _ to: String, _ expected: String) throws {
        #expect(demoText.contains(from))
        let (_, diagnostics) = try load(demoText.replacingOccurrences(of: from, with: to))
        let rendered = diagnostics.map {
            "\($0.location.map { "\($0.path):\($0.line):\($0.column)" } ?? "-") [\($0.code)]"
        }
        #expect(rendered.contains(expected), "\(diagnostics.map(\.description))")
    }

    @Test func readsAPostgresStoreURL() throws {
        let text = demoText.replacingOccurrences(
            of: "store: sqlite",
            with: "store: postgres://ferry:s%40crét@db.internal:6432/gateway?sslmode=verify-full&pool_size=8")
        let (configuration, diagnostics) = try load(text)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        guard case .postgres(let location) = try #require(configuration).store else {
            Issue.record("not a PostgreSQL store")
            return
        }
        #expect(location.host == "db.internal" && location.port == 6432 && location.database == "gateway")
        #expect(location.user == "ferry" && location.password == "s@crét" && location.tlsMode == .verifyFull)
        #expect(location.poolSize == 8)
        #expect(
            !location.redacted.contains("s@crét") && !location.redacted.contains("s%40"), "logs never show the password"
        )
    }

    @Test func refusesATokenStoredInTheClear() throws {
        let text = demoText.replacingOccurrences(
            of: #"tokens: ["sha256$353a"#, with: #"tokens: ["hr-demo-token", "sha256$353a"#)
        #expect(text != demoText)
        let (configuration, diagnostics) = try load(text)
        #expect(configuration == nil)
        #expect(diagnostics.contains { $0.code == "gateway.token" })
    }

    @Test func routesByTypeSenderAndFieldValues() throws {
        let configuration = try #require(try load(demoText).0)
        let router = RecordRouter(configuration: configuration)
        func record(_ type: String, _ fields: [(String, JSONValue)]) -> CanonicalRecord {
            CanonicalRecord(
                type: type, source: "urn:x", subject: "1", dataschema: "urn:x", time: nil,
                classification: .internal, data: JSONObject(fields))
        }
        #expect(
            router.destinations(of: record("personnel.record", [("status", .string("discharged"))]), from: "hr")
                == ["social-fund", "veterans-registry"])
        #expect(
            router.destinations(of: record("personnel.record", [("status", .string("active"))]), from: "hr") == [
                "veterans-registry"
            ])
        #expect(
            router.destinations(of: record("procurement.contract", []), from: "contracts") == ["procurement-register"])
        #expect(
            router.destinations(of: record("unknown.type", []), from: "hr").isEmpty, "unrouted, not dropped silently")
    }

    /// A sender speaks for the sources of its mapping unless it names its own; two senders
    /// with one source are a warning, a sender with none an error.
    @Test func bindsEachSenderToItsSources() throws {
        let configuration = try #require(try load(demoText).0)
        #expect(configuration.system("hr")?.sources == ["urn:ferry:system:kadry"])
        #expect(configuration.system("logistics")?.sources == ["urn:ferry:system:snab2"])

        let named = demoText.replacingOccurrences(
            of: "    mapping: snab2-requisition\n",
            with: "    mapping: snab2-requisition\n    sources: [urn:ferry:system:snab2, urn:depot:7]\n")
        #expect(named != demoText)
        #expect(
            try #require(try load(named).0).system("logistics")?.sources == ["urn:ferry:system:snab2", "urn:depot:7"])

        let shared = demoText.replacingOccurrences(
            of: "    mapping: snab2-requisition\n",
            with: "    mapping: snab2-requisition\n    sources: [urn:ferry:system:kadry]\n")
        let (sharedConfiguration, sharedDiagnostics) = try load(shared)
        #expect(sharedConfiguration != nil)
        let warning = try #require(sharedDiagnostics.first { $0.code == "gateway.shared-source" })
        #expect(warning.severity == .warning && warning.message.contains("hr and logistics"))
        #expect(warning.location?.line == 29, "at the second sender: \(String(describing: warning.location))")

        let none = demoText.replacingOccurrences(of: "    mapping: snab2-requisition\n", with: "")
        let (noneConfiguration, noneDiagnostics) = try load(none)
        #expect(noneConfiguration == nil)
        #expect(noneDiagnostics.contains { $0.code == "gateway.source" && $0.message.contains("logistics") })

        let notURI = demoText.replacingOccurrences(
            of: "    mapping: snab2-requisition\n",
            with: "    mapping: snab2-requisition\n    sources: [snab2]\n")
        #expect(try load(notURI).1.contains { $0.code == "gateway.source" && $0.location?.line == 35 })
    }

    /// Transport that is safe by default: plaintext listeners and destinations only on the
    /// loopback unless said, PostgreSQL's certificate checked across a network, client
    /// certificates only with a CA.
    @Test func refusesPlaintextOffTheLoopbackUnlessSaid() throws {
        func codes(_ text: String) throws -> [String] { try load(text).1.filter { $0.severity == .error }.map(\.code) }
        #expect(
            try codes(demoText.replacingOccurrences(of: "listen: 127.0.0.1:8080", with: "listen: 0.0.0.0:8080"))
                == ["gateway.plaintext-listen"])
        #expect(
            try codes(
                demoText.replacingOccurrences(
                    of: "listen: 127.0.0.1:8080",
                    with: "listen: 0.0.0.0:8080\nallow_plaintext_listen: true")
            ).isEmpty)
        let remote = "deliver: { url: \"http://registry.example/records\", timeout: 5s }"
        let http = demoText.replacingOccurrences(
            of: "deliver: { directory: deliveries/veterans-registry }", with: remote)
        #expect(try codes(http) == ["gateway.plaintext-url"])
        #expect(
            try codes(http.replacingOccurrences(of: "timeout: 5s }", with: "timeout: 5s, allow_plaintext: true }"))
                .isEmpty)
        #expect(
            try codes(
                demoText.replacingOccurrences(
                    of: "deliver: { directory: deliveries/veterans-registry }",
                    with: "deliver: { url: \"http://127.0.0.1:9/records\" }")
            ).isEmpty)
        let certificate = demoText.replacingOccurrences(
            of: "    sends: [personnel.record]\n",
            with: "    sends: [personnel.record]\n    certificates: [\"sha256:\(String(repeating: "a", count: 64))\"]\n"
        )
        #expect(try codes(certificate) == ["gateway.client-ca"])

        func mode(_ url: String) throws -> StoreLocation.PostgresLocation.TLSMode? {
            guard
                case .postgres(let location)? = try load(
                    demoText.replacingOccurrences(of: "store: sqlite", with: "store: \(url)")
                ).0?.store
            else { return nil }
            return location.tlsMode
        }
        #expect(try mode("postgres://ferry@db.internal/ferry") == .verifyFull)
        #expect(try mode("postgres://ferry@127.0.0.1/ferry") == .prefer)
        #expect(try mode("postgres://ferry@db.internal/ferry?sslmode=require") == .require)
    }

    /// Drops are readable by the destination's group, never by everybody.
    @Test func readsDropPermissions() throws {
        let configuration = try #require(try load(demoText).0)
        #expect(configuration.system("veterans-registry")?.dropPermissions.fileMode == 0o640)
        #expect(configuration.system("veterans-registry")?.dropPermissions.directoryMode == 0o750)
        let text = demoText.replacingOccurrences(
            of: "deliver: { directory: deliveries/veterans-registry }",
            with: "deliver: { directory: deliveries/veterans-registry, drop_mode: \"0600\", drop_group: ferry }")
        let changed = try #require(try load(text).0?.system("veterans-registry")?.dropPermissions)
        #expect(changed.fileMode == 0o600 && changed.directoryMode == 0o700 && changed.group == "ferry")
        let open = demoText.replacingOccurrences(
            of: "deliver: { directory: deliveries/veterans-registry }",
            with: "deliver: { directory: deliveries/veterans-registry, drop_mode: \"0644\" }")
        #expect(try load(open).1.contains { $0.code == "gateway.drop-mode" })
    }

    @Test func tokenHashesRoundTripAndNeverMatchAnotherToken() throws {
        let hash = TokenHash.make(token: "s3cret")
        let parsed = try #require(TokenHash(hash.text))
        #expect(parsed == hash)
        #expect(parsed.matches("s3cret"))
        #expect(!parsed.matches("s3cret "))
        #expect(TokenHash.make(token: "s3cret") != hash, "every hash has its own salt")
        #expect(TokenHash("sha256$00$00") == nil)
    }
}
