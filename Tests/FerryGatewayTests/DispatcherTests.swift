import FerryConvert
import FerryCore
import FerryGateway
import FerryTesting
import FerryYAML
import Foundation
import Testing

/// The example exports through routing, release, formats, signatures and drops, with the demo
/// configuration: what each civilian destination may and may not receive.
struct DispatcherTests {
    struct Setup {
        let dispatcher: Dispatcher
        let configuration: GatewayConfiguration
        let release: RecordRelease
        let keyring: Keyring
        let converters: [String: RecordConverter]
        let root: URL
    }

    /// What the gateway decides for records: the dispatcher's decisions, and per destination the
    /// records as released to it.
    struct Plan {
        var decisions: [Dispatcher.Decision]
        var unrouted: [String]
        var batches: [String: [CanonicalRecord]] = [:]
    }

    func setUp() throws -> Setup {
        let (configuration, loaded) = try loadDemoConfiguration()
        let (schemas, mappings) = (loaded.schemas, loaded.mappings)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-dispatch-\(UUID().uuidString)")
        let keyring = Keyring(directory: root.appendingPathComponent("keys"))
        try keyring.rotate()
        var converters: [String: RecordConverter] = [:]
        for mapping in mappings where mapping.direction.reads {
            converters[mapping.name] = try RecordConverter(mapping: mapping)
        }
        return Setup(
            dispatcher: Dispatcher(
                configuration: configuration, schemas: schemas, mappings: mappings, keyring: keyring,
                dataDirectory: root),
            configuration: configuration, release: RecordRelease(schemas: schemas), keyring: keyring,
            converters: converters, root: root)
    }

    func plan(_ setup: Setup, _ records: [CanonicalRecord], from sender: String) -> Plan {
        let (decisions, unrouted) = setup.dispatcher.decisions(for: records, from: sender)
        var plan = Plan(decisions: decisions, unrouted: unrouted)
        for decision in decisions {
            guard case .released = decision.outcome, let record = records.first(where: { $0.id == decision.recordID }),
                let clearance = setup.configuration.system(decision.destination)?.clearance,
                case .released(let released, _) = setup.release.decide(record, clearance: clearance)
            else { continue }
            plan.batches[decision.destination, default: []].append(released)
        }
        return plan
    }

    func records(_ setup: Setup, mapping: String, file: URL) throws -> [CanonicalRecord] {
        var records: [CanonicalRecord] = []
        var report = ConversionReport()
        let converter = try #require(setup.converters[mapping])
        converter.convert(
            InputSet.Document(displayPath: file.path, stream: MemoryByteStream(FerryTesting.bytes(file))),
            report: &report, emit: { records.append($0) }, reject: { _ in })
        return records
    }

    func deliverAll(_ setup: Setup, _ plan: Plan) async throws -> [String: Dispatcher.Delivery] {
        var deliveries: [String: Dispatcher.Delivery] = [:]
        for (destination, batch) in plan.batches {
            deliveries[destination] = try await setup.dispatcher.deliver(
                batch, to: destination, deliveryID: "d-\(destination)",
                time: "2026-12-03T10:00:00.000Z")
        }
        return deliveries
    }

    func lines(_ path: String) throws -> [JSONObject] {
        let file = URL(fileURLWithPath: path)
        return try String(decoding: FerryTesting.bytes(file), as: UTF8.self).split(separator: "\n").map {
            try #require(try JSONParser.parseDocument(Array($0.utf8)).objectValue)
        }
    }

    @Test func personnelReachTheSocialFundAndTheVeteransRegistryWithoutWhatTheyMayNotSee() async throws {
        let setup = try setUp()
        let personnel = try records(
            setup, mapping: "kadry-personnel",
            file: FerryTesting.fixtures.appendingPathComponent("kadry-personnel/example/input.xml"))
        #expect(personnel.count == 2)
        let plan = self.plan(setup, personnel, from: "hr")
        let deliveries = try await deliverAll(setup, plan)

        // The social fund: format D, discharged personnel only.
        let fund = try #require(deliveries["social-fund"])
        let notices = String(decoding: FerryTesting.bytes(URL(fileURLWithPath: fund.location)), as: UTF8.self)
        #expect(notices.contains("<DischargeNotices xmlns=\"urn:civil:social-fund:discharge:1\">"))
        #expect(notices.contains("<FullName>Смирнова Анна</FullName>") && !notices.contains("Иванов"))
        #expect(fund.recordIDs.count == 1)

        // The veterans' registry: every personnel record, without unit, position and monthly_pay.
        let registry = try lines(try #require(deliveries["veterans-registry"]).location)
        #expect(registry.count == 2)
        for record in registry {
            let data = try #require(record["data"]?.objectValue)
            #expect(data["unit"] == nil && data["position"] == nil && data["monthly_pay"] == nil)
            #expect(data["last_name"] != nil)
            let id = try #require(record["id"]?.stringValue)
            #expect(
                id
                    == CanonicalRecord.id(
                        source: record["source"]?.stringValue ?? "", type: "personnel.record", data: data))
            #expect(FerryTesting.hasExactlyTheCanonicalEnvelope(record))
            #expect(!personnel.map(\.id).contains(id), "nothing derived from the removed fields")
        }
        let releasedIDs = Set(registry.compactMap { $0["id"]?.stringValue })
        #expect(
            plan.decisions.filter { decision in
                guard decision.destination == "veterans-registry",
                    case .released(let removed, let releasedID) = decision.outcome
                else { return false }
                return removed.first == "/data/unit" && releasedIDs.contains(releasedID)
            }.count == 2, "the decision names the removed fields and the id the registry holds")
        #expect(
            plan.decisions.contains { decision in
                guard decision.destination == "veterans-registry", case .released(let removed, _) = decision.outcome
                else { return false }
                return removed == ["/data/unit", "/data/position", "/data/monthly_pay"]
            })

        // Every delivery's signature verifies.
        for (destination, delivery) in deliveries {
            let file = URL(fileURLWithPath: delivery.location)
            let signed = try DirectoryDrop.signed(file)
            #expect(throws: Never.self) {
                try signed.verify(body: FerryTesting.bytes(file), publicKeys: try setup.keyring.publicKeys()).get()
            }
            guard case .manifest(let manifest, _) = signed else {
                Issue.record("\(destination): not a signed manifest")
                continue
            }
            #expect(
                manifest.recordIDs == delivery.recordIDs && manifest.destination == destination
                    && manifest.deliveryID == "d-\(destination)")
        }
    }

    @Test func contractsWithADefenseOrderNeverReachThePublicRegister() async throws {
        let setup = try setUp()
        var contracts: [CanonicalRecord] = []
        for name in ["example", "many-products", "scheme-variants"] {
            contracts += try records(
                setup, mapping: "zakupki-contract",
                file: FerryTesting.fixtures.appendingPathComponent("zakupki-contract/\(name)/input.xml"))
        }
        let defense = try #require(contracts.first { $0.data["defense_order"] == .bool(true) })
        let plan = self.plan(setup, contracts, from: "contracts")
        let delivered = try await deliverAll(setup, plan)
        let register = try lines(try #require(delivered["procurement-register"]).location)
        #expect(register.count == contracts.count - 1)
        #expect(!register.contains { $0["subject"]?.stringValue == defense.subject })
        #expect(register.allSatisfy { $0["classification"] == .string("public") })
        #expect(
            plan.decisions.contains {
                $0.recordID == defense.id && $0.destination == "procurement-register"
                    && { if case .blocked = $0.outcome { true } else { false } }($0)
            })
    }

    @Test func requisitionsReachTheEmergencyServiceWithoutTheRequestingUnit() async throws {
        let setup = try setUp()
        let requisitions = try records(
            setup, mapping: "snab2-requisition",
            file: FerryTesting.fixtures.appendingPathComponent("snab2-requisition/example/input.xml"))
        let delivered = try await deliverAll(setup, plan(setup, requisitions, from: "logistics"))
        let service = try lines(try #require(delivered["emergency-service"]).location)
        #expect(service.count == 2)
        #expect(service.allSatisfy { $0["data"]?.objectValue?["requested_by"] == nil })
        #expect(service.allSatisfy { $0["data"]?.objectValue?["items"] != nil })
    }

    @Test func recordsNoRouteMatchesAreReportedNotDropped() async throws {
        let setup = try setUp()
        let personnel = try records(
            setup, mapping: "kadry-personnel",
            file: FerryTesting.fixtures.appendingPathComponent("kadry-personnel/example/input.xml"))
        let plan = self.plan(setup, personnel, from: "logistics")  // routes are by type, so they still match
        #expect(plan.unrouted.isEmpty)
        let contract = CanonicalRecord(
            type: "procurement.contract", source: "urn:x", subject: "1", dataschema: "urn:x", time: nil,
            classification: .public, data: JSONObject())
        let none = Dispatcher(
            configuration: try #require(try setUpConfigurationWithoutRoutes()), schemas: [], mappings: [],
            keyring: setup.keyring, dataDirectory: setup.root
        ).decisions(for: [contract], from: "contracts")
        #expect(none.unrouted == [contract.id])
        #expect(none.decisions.isEmpty)  // nothing is released anywhere
    }

    func setUpConfigurationWithoutRoutes() throws -> GatewayConfiguration? {
        let document = try #require(
            try YAMLLoader.loadAll(Array("ferry_gateway: 1\nsystems: {}\n".utf8), path: "empty.yaml").first)
        var diagnostics = DiagnosticList()
        return GatewayConfigurationLoader(schemas: [], mappings: []).load(document, diagnostics: &diagnostics)
    }
}
