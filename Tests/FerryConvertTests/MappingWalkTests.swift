import FerryConvert
import FerryCore
import FerryTesting
import FerryXML
import Foundation
import Testing

/// The one walk of a record through a compiled mapping, in both problem policies and into
/// each output: a record without a problem gives the same data as a tree and as bytes (the
/// bytes those of ``JSONWriter`` for the tree, in the schema's and in RFC 8785 order); a
/// record with one stops the walk that stops at the first, and the walk that collects finds
/// what the schema's validator finds in the data it built, with the same pointers in the same
/// order.
struct MappingWalkTests {
    /// Every fixture input of every shipped mapping, and generated format-A exports with
    /// records that break the mapping and the schema.
    static func inputs() throws -> [(mapping: String, name: String, bytes: [UInt8])] {
        var inputs: [(String, String, [UInt8])] = []
        for mapping in MappingFixtureTests.mappingNames {
            let directory = FerryTesting.fixtures.appendingPathComponent(mapping)
            for fixture in ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted() {
                if let data = FileManager.default.contents(
                    atPath: directory.appendingPathComponent("\(fixture)/input.xml").path)
                {
                    inputs.append((mapping, fixture, Array(data)))
                }
            }
        }
        inputs.append(
            (
                "kadry-personnel", "generated",
                RecordConverterTests.export(records: 300, faultyEvery: 7, invalidEvery: 5, cutOff: false)
            ))
        return inputs
    }

    struct Tally {
        var converted = 0
        var rejected = 0
        var rejectedBySchema = 0
    }

    /// Walks one record in every way and checks that the ways agree.
    static func check(
        _ plan: MappingPlan, _ node: RecordNode, _ selector: any RecordSelector, context: String, tally: inout Tally
    ) {
        let headerTime = plan.headerTime(of: node, with: selector)
        var tree = RecordTreeOutput()
        var every = EveryProblem()
        let walked = plan.walk(node, with: selector, headerTime: headerTime, into: &tree, problems: &every)
        var bytes = CanonicalBytesOutput()
        var stop = FirstProblemStops()
        let stopped =
            (try? plan.walk(node, with: selector, headerTime: headerTime, into: &bytes, problems: &stop)) == nil
        #expect(stopped == !every.problems.isEmpty, "\(context): \(every.problems)")
        let schemaProblems = plan.validator.validate(tree.data)
        if every.problems.isEmpty {
            tally.converted += 1
            #expect(bytes.ordered == JSONWriter().bytes(.object(tree.data)), "\(context)")
            #expect(bytes.canonical == JSONWriter(form: .canonical).bytes(.object(tree.data)), "\(context)")
            #expect(schemaProblems.isEmpty, "\(context): \(schemaProblems)")
            #expect(plan.canonicalRecord(of: node, with: selector, headerTime: headerTime)?.data == tree.data)
        } else {
            tally.rejected += 1
            #expect(plan.canonicalRecord(of: node, with: selector, headerTime: headerTime) == nil)
            let (problems, key) = plan.problems(of: node, with: selector, headerTime: headerTime)
            #expect(problems == every.problems && key == walked.key, "\(context)")
            if every.problems.allSatisfy({ $0.code.hasPrefix("record.") }) {
                tally.rejectedBySchema += 1
                #expect(every.problems == schemaProblems, "\(context)")
            }
        }
    }

    @Test func everyWayOfWalkingARecordAgrees() throws {
        var tally = Tally()
        for (mappingName, name, bytes) in try Self.inputs() {
            let mapping = try loadMapping(mappingName)
            guard mapping.xpathExpressions.isEmpty else { continue }
            let validator = try RecordValidator(schema: mapping.schema, patternCompiler: ProjectLoader.patternCompiler)
            let plan = MappingPlan(mapping: mapping, validator: validator, source: mapping.source)
            // Through libxml2's nodes, and through the records copied out in batches (whose
            // selector gives texts in place).
            let reader = XMLRecordReader(
                input: MemoryByteStream(bytes), path: "input.xml", recordPath: mapping.xml.recordPath)
            var index = 0
            while let record = try? reader.next() {
                index += 1
                Self.check(
                    plan, record.node, reader.selector(xpaths: nil), context: "\(mappingName)/\(name) #\(index)",
                    tally: &tally)
            }
            let batches = XMLRecordBatchReader(
                input: MemoryByteStream(bytes), path: "input.xml", recordPath: mapping.xml.recordPath, batchSize: 7,
                batchBytes: 1 << 20)
            try? batches.read { batch in
                batch.withView { view in
                    for index in 0..<view.count {
                        Self.check(
                            plan, view.node(of: index), view.selector(of: index),
                            context: "\(mappingName)/\(name) batch #\(index)", tally: &tally)
                    }
                }
            }
        }
        #expect(tally.converted > 100)
        #expect(tally.rejected > 20)
        #expect(tally.rejectedBySchema > 10, "records rejected by the schema alone are compared with the validator")
    }

    /// A list's own problems (its length) come before its items' problems, as the validator
    /// reports them; a record with a mapping problem lists it first, then the schema problems
    /// of everything else (not those at, above or below a value that could not be read).
    @Test func theCollectingWalkOrdersProblemsAsTheValidatorDoes() {
        var every = EveryProblem()
        every.recordProblem(RecordProblem(code: "record.pattern", pointer: "/data/a/0", message: "item"))
        let mark = every.recordProblemMark
        every.recordProblem(RecordProblem(code: "record.pattern", pointer: "/data/b/0", message: "item"))
        every.recordProblem(RecordProblem(code: "record.max-items", pointer: "/data/b", message: "list"), before: mark)
        #expect(every.problems.map(\.pointer) == ["/data/a/0", "/data/b", "/data/b/0"])
        every.mappingProblem(RecordProblem(code: "mapping.value", pointer: "/data/c", message: "value"))
        #expect(every.problems.map(\.pointer) == ["/data/c", "/data/a/0", "/data/b", "/data/b/0"])
        // What only repeats an unread value goes: the field missing, a rule needing it, a list too short.
        every.recordProblem(RecordProblem(code: "record.required", pointer: "/data/c", message: "missing"))
        every.recordProblem(RecordProblem(code: "record.rule", pointer: "/data/c", message: "rule"))
        every.mappingProblem(RecordProblem(code: "mapping.value", pointer: "/data/d/2", message: "item value"))
        every.recordProblem(RecordProblem(code: "record.min-items", pointer: "/data/d", message: "short"))
        every.recordProblem(RecordProblem(code: "record.maximum", pointer: "/data/d/2", message: "another item"))
        #expect(
            every.problems.map(\.code) == [
                "mapping.value", "mapping.value", "record.pattern", "record.max-items", "record.pattern",
                "record.maximum",
            ],
            "an item written at the index of one that did not read is its own problem")
        #expect(throws: FirstProblemStops.Stopped.self) {
            try FirstProblemStops().recordProblem(RecordProblem(code: "record.required", pointer: "", message: ""))
        }
    }
}
