import FerryConvert
import FerryCore
import FerryTesting
import Foundation
import Testing

/// The converter's two ways of running (on the calling thread, and in parallel: a reading
/// thread and two workers) and the `time` it reads from export headers.
struct RecordConverterTests {
    /// A format-A export in UTF-8: `count` records, every `faultyEvery`-th with an impossible
    /// birth date (rejected by the mapping), every `invalidEvery`-th with a personnel number
    /// off its pattern (rejected by validation), optionally cut off inside the record after the last.
    static func export(records count: Int, faultyEvery: Int, invalidEvery: Int = .max, cutOff: Bool) -> [UInt8] {
        var text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Выгрузка Система="АСУ Кадры" Версия="2.3" ДатаВыгрузки="25.11.2026 14:03:11" ЧасовойПояс="+03:00">
            <Сотрудники>

            """
        for index in 1...count {
            let birth = index % faultyEvery == 0 ? "31.02.2000" : "0\(index % 9 + 1).01.1990"
            text += """
                <Сотрудник ЛичныйНомер="ДЕ-\(String(format: "%06d", index))\(index % invalidEvery == 0 ? "X" : "")">
                <Фамилия>Петров</Фамилия><Имя>Олег</Имя><ДатаРождения>\(birth)</ДатаРождения>
                <Звание>рядовой</Звание><ВоинскаяЧасть>в/ч 11111</ВоинскаяЧасть>
                <НачалоСлужбы>01.01.2020</НачалоСлужбы><Статус>действующий</Статус>
                </Сотрудник>

                """
        }
        text += cutOff ? "<Сотрудник ЛичныйНомер=\"ДЕ-999999\"><Фамилия>Пет" : "</Сотрудники>\n</Выгрузка>\n"
        return Array(text.utf8)
    }

    struct Run: Equatable {
        var lines: [String] = []
        var rejects: [String] = []
        var converted = 0
        var rejected = 0
        var malformed: [String] = []
    }

    /// Converts `bytes`, records handed over one by one, or (`asNDJSON`) as the lines of NDJSON.
    static func run(_ converter: RecordConverter, _ bytes: [UInt8], inParallel: Bool, asNDJSON: Bool = false) -> Run {
        var run = Run()
        var report = ConversionReport()
        let document = InputSet.Document(displayPath: "export.xml", stream: MemoryByteStream(bytes))
        let reject = { (reject: Reject) in
            run.rejects.append("\(reject.line) \(reject.key ?? "-") \(reject.reason) \(reject.input ?? "")")
        }
        if asNDJSON {
            var ndjson: [UInt8] = []
            converter.convertToNDJSON(
                document, report: &report, inParallel: inParallel, write: { ndjson += $0 }, reject: reject)
            run.lines = String(decoding: ndjson, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .map(String.init)
            #expect(run.lines.last == "", "every line ends with a line feed")
            run.lines.removeLast()
        } else {
            converter.convert(
                document, report: &report, inParallel: inParallel,
                emit: { record in
                    run.lines.append(String(decoding: record.jsonBytes, as: UTF8.self))
                }, reject: reject)
        }
        run.converted = report.converted
        run.rejected = report.rejected
        run.malformed = report.malformed.map(\.description)
        return run
    }

    @Test(arguments: [false, true])
    func parallelConversionGivesTheSameRecordsRejectsAndErrorsInInputOrder(cutOff: Bool) throws {
        // More records than the hand-offs hold (16 batches of 32), so the reading side must wait.
        let converter = try RecordConverter(mapping: try loadMapping("kadry-personnel"))
        let bytes = Self.export(records: 1_500, faultyEvery: 97, invalidEvery: 89, cutOff: cutOff)
        let onOneThread = Self.run(converter, bytes, inParallel: false)
        let inParallel = Self.run(converter, bytes, inParallel: true)
        #expect(inParallel == onOneThread)
        #expect(Self.run(converter, bytes, inParallel: false, asNDJSON: true) == onOneThread)
        #expect(Self.run(converter, bytes, inParallel: true, asNDJSON: true) == onOneThread)
        #expect(inParallel.lines.count == 1_500 - 1_500 / 97 - 1_500 / 89)
        #expect(inParallel.converted + inParallel.rejected == 1_500 + (cutOff ? 1 : 0))
        #expect(inParallel.rejects.count == 1_500 / 97 + 1_500 / 89 + (cutOff ? 1 : 0))
        #expect(
            inParallel.rejects.first?.hasPrefix("\(4 + 88 * 5) ДЕ-000089X ") == true,
            "\(inParallel.rejects.first ?? "")")
        #expect(inParallel.rejects.first?.contains("pattern") == true, "validation rejects on a worker")
        #expect(inParallel.rejects.dropFirst().first?.hasPrefix("\(4 + 96 * 5) ДЕ-000097 ") == true)
        #expect(inParallel.malformed.count == (cutOff ? 1 : 0))
        let subjects = inParallel.lines.compactMap { line in
            line.firstRange(of: "\"subject\":\"").map { line[$0.upperBound...].prefix(9) }
        }
        #expect(subjects == subjects.sorted(), "records in input order")
    }

    /// In parallel (records copied out in batches, lines written on the workers) every fixture
    /// input gives the same lines and rejects as on the calling thread through libxml2's nodes.
    @Test func parallelLinesAreTheSameAsRecordsOneByOneForEveryFixture() throws {
        var compared = 0
        for mapping in MappingFixtureTests.mappingNames {
            let directory = FerryTesting.fixtures.appendingPathComponent(mapping)
            for fixture in ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted() {
                guard
                    let data = FileManager.default.contents(
                        atPath: directory.appendingPathComponent("\(fixture)/input.xml").path)
                else { continue }
                let loaded = try loadMapping(mapping)
                let converter = try RecordConverter(mapping: loaded)
                let oneByOne = Self.run(converter, Array(data), inParallel: false)
                #expect(
                    Self.run(converter, Array(data), inParallel: true, asNDJSON: true) == oneByOne,
                    "\(mapping)/\(fixture)")
                #expect(!oneByOne.lines.isEmpty, "\(mapping)/\(fixture)")
                compared += 1
            }
        }
        #expect(compared >= 8)
    }

    /// Texts written from the selector's bytes as they are, and texts that need folding,
    /// normalizing, escaping or joining first, or break a pattern, give the same lines and
    /// rejects as mapping each record the usual way.
    @Test func textsWrittenInPlaceAreTheSameAsTextsMappedOneByOne() throws {
        let converter = try RecordConverter(mapping: try loadMapping("snab2-requisition"))
        let descriptions = [
            "Рацион питания суточный", "  Рацион   питания ", "Рацион\u{00A0}питания", "Cafe\u{0301} и чай",
            "Café и чай",
            "кавычки &quot;и&quot; обратная \\ косая", "таб&#9;уляция", "части <!-- и --> комментарий",
            "CDATA <![CDATA[внутри]]> текст",
            "<![CDATA[  только CDATA  ]]>", "&lt;угловые&gt; &amp; амперсанд", "",
        ]
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REQLIST GEN=\"2026-11-25T10:00:00+03:00\">\n"
        for (index, description) in descriptions.enumerated() {
            for unit in ["в/ч 1", " в/ч  2 ", "в/ч\u{00A0}3"] {
                let nsn = index == 3 ? "8970-21-001-234" : "8970-21-001-2345"
                text += """
                    <REQ ID="З-\(index)-\(unit.count)" UNIT="\(unit)" PRIO="1" NEED="26.11.2026 06:00" TZ="+03:00" ST="УТВ">
                    <LOC LAT="59,9" LON="30,3">\(description)</LOC>
                    <ITEM NSN="\(nsn)" QTY="1" UOM=" шт ">\(description)</ITEM>
                    </REQ>

                    """
            }
        }
        let bytes = Array((text + "</REQLIST>\n").utf8)
        let oneByOne = Self.run(converter, bytes, inParallel: false)
        #expect(Self.run(converter, bytes, inParallel: true, asNDJSON: true) == oneByOne)
        #expect(oneByOne.converted == 33 && oneByOne.rejected == 3, "\(oneByOne.rejects)")
        #expect(oneByOne.lines.contains { $0.contains(#""description":"кавычки \"и\" обратная \\ косая""#) })
        #expect(
            oneByOne.lines.contains { $0.contains(#""unit":"шт""#) }
                && oneByOne.lines.contains { $0.contains(#""requested_by":"в/ч 2""#) })
    }

    /// Decimals read from the selector's bytes as they are, and decimals that need folding or
    /// grouping characters dropped first, or are not decimals, give the same lines and rejects
    /// as mapping each record the usual way.
    @Test func decimalsReadInPlaceAreTheSameAsDecimalsMappedOneByOne() throws {
        let converter = try RecordConverter(mapping: try loadMapping("snab2-requisition"))
        let quantities = [
            "120", "35,5", "+12,50", "0,0", "-1", "1 234,5", "1\u{00A0}234,5", " 12,5 ", "12.5", "1,2,3", "1e5", "",
            "007,50", "12,", ",5", "١٢",
        ]
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REQLIST GEN=\"2026-11-25T10:00:00+03:00\">\n"
        for (index, quantity) in quantities.enumerated() {
            text += """
                <REQ ID="З-\(index)" UNIT="в/ч 1" PRIO="1" NEED="26.11.2026 06:00" TZ="+03:00" ST="УТВ">
                <LOC LAT="\(index % 2 == 0 ? "59,9" : " 59,9")" LON="-30,30"/>
                <ITEM NSN="8970-21-001-2345" QTY="\(quantity)" UOM="шт"/>
                </REQ>

                """
        }
        let bytes = Array((text + "</REQLIST>\n").utf8)
        let oneByOne = Self.run(converter, bytes, inParallel: false)
        #expect(Self.run(converter, bytes, inParallel: true, asNDJSON: true) == oneByOne)
        #expect(oneByOne.converted == 9 && oneByOne.rejected == 7, "\(oneByOne.converted) \(oneByOne.rejects)")
        #expect(oneByOne.lines.contains { $0.contains(#""quantity":1234.5"#) })
        #expect(oneByOne.lines.contains { $0.contains(#""quantity":7.50"#) })
    }

    /// A shipped mapping with `original` replaced by `replacement` in its text, loaded beside a
    /// copy of the schemas.
    static func changedMapping(_ name: String, replacing original: String, with replacement: String) throws -> Mapping {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ferry-mapping-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("mappings"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: FerryTesting.packageRoot.appendingPathComponent("schemas"),
            to: directory.appendingPathComponent("schemas"))
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try String(
            contentsOf: FerryTesting.packageRoot.appendingPathComponent("mappings/\(name).yaml"), encoding: .utf8)
        let changed = text.replacingOccurrences(of: original, with: replacement)
        #expect(changed != text)
        let mappingPath = directory.appendingPathComponent("mappings/changed.yaml")
        try Data(changed.utf8).write(to: mappingPath)
        var loader = ProjectLoader()
        let loaded = loader.mapping(mappingPath.path)
        return try #require(loaded, "\(loader.renderedDiagnostics())")
    }

    /// An object the format requires (the schema does not) is reported missing, not left out,
    /// in parallel too.
    @Test func anObjectTheFormatRequiresIsReportedMissingBothWays() throws {
        let mapping = try Self.changedMapping(
            "kadry-personnel", replacing: "    path: Адрес\n", with: "    path: Адрес\n    required: true\n")
        let converter = try RecordConverter(mapping: mapping)
        let record = { (number: Int, address: String) in
            """
            <Сотрудник ЛичныйНомер="ДЕ-00000\(number)"><Фамилия>Петров</Фамилия><Имя>Олег</Имя>
            <ДатаРождения>01.01.1990</ДатаРождения><Звание>рядовой</Звание><ВоинскаяЧасть>в/ч 1</ВоинскаяЧасть>
            <НачалоСлужбы>01.01.2020</НачалоСлужбы><Статус>действующий</Статус>\(address)</Сотрудник>
            """
        }
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Выгрузка Система="АСУ Кадры" Версия="2.3" ДатаВыгрузки="01.11.2026 08:00:00" ЧасовойПояс="+03:00"><Сотрудники>
            \(record(1, "<Адрес><Город>Тверь</Город></Адрес>"))\(record(2, ""))\(record(3, "<Адрес> </Адрес>"))
            </Сотрудники></Выгрузка>
            """
        let oneByOne = Self.run(converter, Array(text.utf8), inParallel: false)
        #expect(oneByOne.lines.count == 1 && oneByOne.rejects.count == 2, "\(oneByOne.rejects)")
        #expect(oneByOne.rejects.allSatisfy { $0.contains("the format requires address") }, "\(oneByOne.rejects)")
        #expect(Self.run(converter, Array(text.utf8), inParallel: true, asNDJSON: true) == oneByOne)
    }

    @Test func aTimeFromAnElementBetweenRootAndRecordsIsReadForEachRecord() throws {
        // Groups between the root and the records may repeat with other attributes: the `time`
        // they give is not worked out once per document like a root attribute's.
        let mapping = try Self.changedMapping(
            "kadry-personnel", replacing: "path: /Выгрузка/@ДатаВыгрузки",
            with: "path: /Выгрузка/Сотрудники/@ДатаВыгрузки")
        let converter = try RecordConverter(mapping: mapping)
        let record = { (number: Int) in
            """
            <Сотрудник ЛичныйНомер="ДЕ-00000\(number)"><Фамилия>Петров</Фамилия><Имя>Олег</Имя>
            <ДатаРождения>01.01.1990</ДатаРождения><Звание>рядовой</Звание><ВоинскаяЧасть>в/ч 1</ВоинскаяЧасть>
            <НачалоСлужбы>01.01.2020</НачалоСлужбы><Статус>действующий</Статус></Сотрудник>
            """
        }
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Выгрузка Система="АСУ Кадры" Версия="2.3" ЧасовойПояс="+03:00">
            <Сотрудники ДатаВыгрузки="01.11.2026 08:00:00">\(record(1))</Сотрудники>
            <Сотрудники ДатаВыгрузки="02.11.2026 09:30:00">\(record(2))</Сотрудники>
            </Выгрузка>
            """
        for inParallel in [false, true] {
            let run = Self.run(converter, Array(text.utf8), inParallel: inParallel)
            #expect(run.rejects.isEmpty, "\(run.rejects)")
            #expect(run.lines.count == 2)
            #expect(run.lines.first?.contains("\"time\":\"2026-11-01T08:00:00+03:00\"") == true)
            #expect(run.lines.last?.contains("\"time\":\"2026-11-02T09:30:00+03:00\"") == true)
        }
    }

    /// Registers write a date as itself or as a midnight date-time in the same element: one
    /// pattern with an optional time reads both, and a time other than midnight is a reject.
    @Test func aDatePatternWithAnOptionalTimeTakesMidnightOnly() throws {
        let mapping = try Self.changedMapping(
            "kadry-personnel", replacing: "birth_date: { path: ДатаРождения, date: DD.MM.YYYY }",
            with: "birth_date: { path: ДатаРождения, date: \"DD.MM.YYYY[ HH:mm:ss]\" }")
        let converter = try RecordConverter(mapping: mapping)
        let record = { (number: Int, birth: String) in
            """
            <Сотрудник ЛичныйНомер="ДЕ-00000\(number)"><Фамилия>Петров</Фамилия><Имя>Олег</Имя>
            <ДатаРождения>\(birth)</ДатаРождения><Звание>рядовой</Звание><ВоинскаяЧасть>в/ч 1</ВоинскаяЧасть>
            <НачалоСлужбы>01.01.2020</НачалоСлужбы><Статус>действующий</Статус></Сотрудник>
            """
        }
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Выгрузка Система="АСУ Кадры" Версия="2.3" ДатаВыгрузки="01.11.2026 08:00:00" ЧасовойПояс="+03:00">
            <Сотрудники>\(record(1, "16.12.2019"))\(record(2, "15.01.2015 00:00:00"))\(record(3, "15.01.2015 10:30:00"))
            </Сотрудники></Выгрузка>
            """
        for inParallel in [false, true] {
            let run = Self.run(converter, Array(text.utf8), inParallel: inParallel)
            #expect(run.lines.count == 2)
            #expect(run.lines.first?.contains("\"birth_date\":\"2019-12-16\"") == true)
            #expect(run.lines.last?.contains("\"birth_date\":\"2015-01-15\"") == true)
            #expect(run.rejects.count == 1)
            #expect(
                run.rejects.first?.contains("/data/birth_date: has a time of day other than midnight") == true,
                "\(run.rejects)")
        }
    }

    /// A format that puts the same elements in a namespace in some files and in none in others:
    /// one prefix bound to both reads either alike, and any path, the records' and the header's
    /// included, matches.
    @Test func aPrefixBoundToSeveralNamespacesReadsEach() throws {
        let mapping = try Self.changedMapping(
            "kadry-personnel", replacing: "  records: Выгрузка/Сотрудники/Сотрудник",
            with: "  namespaces: { k: [\"urn:ferry:test:kadry\", \"\"] }\n  default_namespace: k\n"
                + "  records: Выгрузка/Сотрудники/Сотрудник")
        #expect(mapping.namespaceAlternatives["k"] == ["urn:ferry:test:kadry", ""])
        let converter = try RecordConverter(mapping: mapping)
        let plain = String(
            decoding: FerryTesting.bytes(
                FerryTesting.fixtures.appendingPathComponent("kadry-personnel/utf8-bom/input.xml")),
            as: UTF8.self)
        let namespaced = plain.replacingOccurrences(of: "<Выгрузка ", with: "<Выгрузка xmlns=\"urn:ferry:test:kadry\" ")
        #expect(namespaced != plain)
        let expected = Self.run(converter, Array(plain.utf8), inParallel: false)
        #expect(expected.rejects.isEmpty && !expected.lines.isEmpty, "\(expected.rejects)")
        for inParallel in [false, true] {
            #expect(Self.run(converter, Array(namespaced.utf8), inParallel: inParallel) == expected)
        }
        // Coverage names the input alike in either namespace: read by the same rules.
        var coverage = InputCoverage(mapping: mapping)
        coverage.visit(elements: [("", "Фамилия")], attribute: nil, line: 1)
        coverage.visit(elements: [("urn:ferry:test:kadry", "Имя")], attribute: nil, line: 1)
        #expect(coverage.rows.map(\.use) == [.consumed, .consumed], "\(coverage.rows)")
        // The shipped mapping, in no namespace, reads no record of the namespaced export.
        let single = try RecordConverter(mapping: try loadMapping("kadry-personnel"))
        #expect(Self.run(single, Array(namespaced.utf8), inParallel: false).lines.isEmpty)
    }

    /// Local times in a named zone with daylight saving: the offset comes from the zone's rules,
    /// a time the clocks skip is a reject, one they pass twice takes the earlier instant, and the
    /// writing direction gives local time back.
    @Test func aZoneGivesEachLocalTimeItsOffset() throws {
        let mapping = try Self.changedMapping(
            "snab2-requisition", replacing: "    offset: \"@TZ\"", with: "    zone: America/New_York")
        let converter = try RecordConverter(mapping: mapping)
        let requisition = { (id: String, need: String) in
            """
            <REQ ID="\(id)" UNIT="в/ч 1" PRIO="1" NEED="\(need)" ST="УТВ"><LOC LAT="1,0" LON="2,0"/>\
            <ITEM NSN="8970-21-001-2345" QTY="1" UOM="шт">x</ITEM></REQ>
            """
        }
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <REQLIST GEN="2026-11-25T10:00:00+03:00">\(requisition("summer", "15.07.2026 10:00"))\
            \(requisition("winter", "15.01.2026 10:00"))\(requisition("gap", "08.03.2026 02:30"))\
            \(requisition("overlap", "01.11.2026 01:30"))</REQLIST>
            """
        for inParallel in [false, true] {
            let run = Self.run(converter, Array(text.utf8), inParallel: inParallel)
            let needed = run.lines.map { line in
                line.range(of: #""needed_by":"[^"]*""#, options: .regularExpression).map { String(line[$0]) } ?? line
            }
            #expect(
                needed == [
                    #""needed_by":"2026-07-15T10:00:00-04:00""#, #""needed_by":"2026-01-15T10:00:00-05:00""#,
                    #""needed_by":"2026-11-01T01:30:00-04:00""#,
                ])
            #expect(run.rejects.count == 1)
            #expect(
                run.rejects.first?.contains("08.03.2026 02:30 does not exist in America/New_York") == true,
                "\(run.rejects)")
        }
        // An offset that is not whole minutes (Liberia before 1972, -0:44:30) has no RFC 3339 form.
        let monrovia = try Self.changedMapping(
            "snab2-requisition", replacing: "    offset: \"@TZ\"", with: "    zone: Africa/Monrovia")
        let old = Self.run(
            try RecordConverter(mapping: monrovia),
            Array(
                """
                <?xml version="1.0" encoding="UTF-8"?>
                <REQLIST GEN="2026-11-25T10:00:00+03:00">\(requisition("old", "01.05.1960 12:00"))</REQLIST>
                """.utf8), inParallel: false)
        #expect(old.rejects.first?.contains("Africa/Monrovia was -2670 s from UTC then") == true, "\(old.rejects)")
        // Written back: local time in the zone, whatever offset the record carries (here a record
        // of the shipped mapping, which reads its offset from TZ).
        let utc = """
            <?xml version="1.0" encoding="UTF-8"?>
            <REQLIST GEN="2026-11-25T10:00:00+03:00"><REQ ID="utc" UNIT="в/ч 1" PRIO="1" NEED="15.07.2026 14:00" \
            TZ="+00:00" ST="УТВ"><LOC LAT="1,0" LON="2,0"/><ITEM NSN="8970-21-001-2345" QTY="1" UOM="шт">x</ITEM></REQ></REQLIST>
            """
        let shipped = try RecordConverter(mapping: try loadMapping("snab2-requisition"))
        let record = try #require(Self.run(shipped, Array(utc.utf8), inParallel: false).lines.first)
        #expect(record.contains("2026-07-15T14:00:00"))
        var report = ConversionReport()
        var written: [UInt8] = []
        try ReverseConverter(mapping: mapping).convert(
            bytes: Array(record.utf8), path: "records.ndjson", report: &report, write: { written += $0 },
            reject: { Issue.record("rejected: \($0.reason)") })
        #expect(String(decoding: written, as: UTF8.self).contains("NEED=\"15.07.2026 10:00\""))
    }

    /// A header element before the records (not an attribute of their ancestors) gives every
    /// record its value; one after the first record is a warning and gives none.
    @Test func aHeaderElementBeforeTheRecordsIsReadForEachRecord() throws {
        let mapping = try Self.changedMapping(
            "kadry-personnel", replacing: "path: /Выгрузка/@ДатаВыгрузки", with: "path: /Выгрузка/Заголовок/Создан")
        #expect(mapping.xml.headerPaths.map(\.description) == ["/Выгрузка/Заголовок/Создан"])
        let converter = try RecordConverter(mapping: mapping)
        let record = { (number: Int) in
            """
            <Сотрудник ЛичныйНомер="ДЕ-00000\(number)"><Фамилия>Петров</Фамилия><Имя>Олег</Имя>
            <ДатаРождения>01.01.1990</ДатаРождения><Звание>рядовой</Звание><ВоинскаяЧасть>в/ч 1</ВоинскаяЧасть>
            <НачалоСлужбы>01.01.2020</НачалоСлужбы><Статус>действующий</Статус></Сотрудник>
            """
        }
        let header = "<Заголовок><Источник>АСУ</Источник><Создан> 01.11.2026 08:00:00 </Создан></Заголовок>"
        let before = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Выгрузка ЧасовойПояс="+03:00">\(header)<Сотрудники>\(record(1))\(record(2))</Сотрудники></Выгрузка>
            """
        for inParallel in [false, true] {
            let run = Self.run(converter, Array(before.utf8), inParallel: inParallel)
            #expect(run.rejects.isEmpty, "\(run.rejects)")
            #expect(run.lines.count == 2)
            #expect(run.lines.allSatisfy { $0.contains("\"time\":\"2026-11-01T08:00:00+03:00\"") }, "\(run.lines)")
        }
        let after = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Выгрузка ЧасовойПояс="+03:00"><Сотрудники>\(record(1))</Сотрудники>
            \(header)</Выгрузка>
            """
        var report = ConversionReport()
        var lines: [UInt8] = []
        converter.convertToNDJSON(
            InputSet.Document(displayPath: "export.xml", stream: MemoryByteStream(Array(after.utf8))),
            report: &report, inParallel: true, write: { lines += $0 }, reject: { _ in })
        #expect(!String(decoding: lines, as: UTF8.self).contains("\"time\""), "no value for a late header")
        #expect(
            report.warnings.map(\.description) == [
                "export.xml:5:1: warning: /Выгрузка/Заголовок/Создан comes after the first record: the records "
                    + "before it and after it see no value for it (header values are read before the first record) "
                    + "[xml.late-header]"
            ])
    }
}
