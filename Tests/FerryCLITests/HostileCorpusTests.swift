import FerryTesting
import Foundation
import Testing
import ZIPFoundation

#if canImport(Glibc)
    import Glibc
#endif

/// Hostile inputs against the real binary: each gets a clear error, within a memory bound and a
/// generous time bound that only guards against hangs (not a benchmark).
struct HostileCorpusTests {
    let cli = CLITests()

    struct Measured {
        var status: Int32
        var stderr: String
        var peakKiB: Int
        var seconds: Double
    }

    /// Runs ferry under /usr/bin/time, feeding standard input from `produce` on another thread.
    func measure(_ arguments: [String], produce: @escaping @Sendable (FileHandle) -> Void) throws -> Measured {
        signal(SIGPIPE, SIG_IGN)  // ferry may stop reading early; the writer must not die of it
        let directory = try cli.temporaryDirectory()
        let timeFile = directory.appendingPathComponent("time.txt")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-f", "%M %e", "-o", timeFile.path, CLITests.binary.path] + arguments
        process.currentDirectoryURL = FerryTesting.packageRoot
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let writer = Thread {
            produce(input.fileHandleForWriting)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        _ = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let fields =
            String(decoding: FerryTesting.bytes(timeFile), as: UTF8.self).split(separator: "\n").last?
            .split(separator: " ") ?? []
        return Measured(
            status: process.terminationStatus, stderr: String(decoding: errorData, as: UTF8.self),
            peakKiB: fields.first.flatMap { Int($0) } ?? -1, seconds: fields.count > 1 ? Double(fields[1]) ?? -1 : -1)
    }

    static func write(_ handle: FileHandle, _ text: String) { try? handle.write(contentsOf: Data(text.utf8)) }

    static let boundKiB = 100 * 1024
    static let hangGuardSeconds = 120.0

    @Test(arguments: [
        (
            "billion laughs",
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><r>&c;</r>",
            "DOCTYPE"
        ),
        (
            "quadratic blow-up",
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x \"\(String(repeating: "x", count: 50_000))\">]><r>\(String(repeating: "&x;", count: 50_000))</r>",
            "DOCTYPE"
        ),
        (
            "external entity to a file",
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY s SYSTEM \"file:///etc/passwd\">]><r>&s;</r>", "DOCTYPE"
        ),
        (
            "external entity over http",
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY s SYSTEM \"http://127.0.0.1:9/x\">]><r>&s;</r>", "DOCTYPE"
        ),
        (
            "parameter entity",
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]><r/>", "DOCTYPE"
        ),
        ("deep nesting", "<r>" + String(repeating: "<a>", count: 100_000), "nest deeper"),
        (
            "attribute flood", "<r><a " + (0..<100_000).map { "a\($0)=\"\"" }.joined(separator: " ") + "/></r>",
            "attributes"
        ),
        ("bytes invalid for the declared encoding", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><r>\u{FFFD}</r>", "-"),
        ("NUL byte", "<r>a\u{0}b</r>", "-"),
        ("truncated", "<?xml version=\"1.0\"?><Выгрузка><Сотрудники><Сотрудник ЛичныйНомер=\"АБ-1", "-"),
    ])
    func refusesWithBoundedMemoryAndTime(_ name: String, _ document: String, _ expected: String) throws {
        var bytes = Array(document.utf8)
        if name == "bytes invalid for the declared encoding" {
            bytes =
                Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><r>".utf8) + [0xC3, 0x28, 0xFF] + Array("</r>".utf8)
        }
        let payload = Data(bytes)
        let result = try measure(["convert", "-m", "kadry-personnel", "-"]) { try? $0.write(contentsOf: payload) }
        #expect(result.status == 65, "\(name): exit \(result.status): \(result.stderr)")
        #expect(result.stderr.hasPrefix("-:"), "\(name): the error says where: \(result.stderr)")
        if expected != "-" { #expect(result.stderr.contains(expected), "\(name): \(result.stderr)") }
        #expect(result.peakKiB > 0 && result.peakKiB < Self.boundKiB, "\(name): peak \(result.peakKiB) KiB")
        #expect(result.seconds < Self.hangGuardSeconds)
    }

    @Test func boundsA500MegabyteTextNode() throws {
        let result = try measure(["convert", "-m", "kadry-personnel", "-"]) { handle in
            Self.write(handle, "<?xml version=\"1.0\"?><Выгрузка><Сотрудники><Сотрудник><Фамилия>")
            let chunk = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
            for _ in 0..<500 {
                guard (try? handle.write(contentsOf: chunk)) != nil else { return }  // ferry stopped reading
            }
            Self.write(handle, "</Фамилия></Сотрудник></Сотрудники></Выгрузка>")
        }
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.peakKiB > 0 && result.peakKiB < Self.boundKiB, "peak \(result.peakKiB) KiB")
        #expect(result.seconds < Self.hangGuardSeconds)
    }

    /// A text in another encoding, through iconv.
    static func encoded(_ text: String, as encoding: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/iconv")
        process.arguments = ["-f", "UTF-8", "-t", encoding]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let writer = Thread {
            try? input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }

    /// In EBCDIC, UTF-7 or UCS-4 no markup byte is `<` to the raw-byte checks, so an attribute
    /// flood would reach libxml2's quadratic duplicate check unwatched: such documents are
    /// refused before libxml2 sees them, declared or detected from the first bytes.
    @Test(arguments: [
        (
            "EBCDIC attribute flood", "IBM037", "<?xml version=\"1.0\" encoding=\"IBM037\"?>",
            "-:1:1: error: the document is in EBCDIC"
        ),
        (
            "UTF-7 attribute flood", "UTF-7", "<?xml version=\"1.0\" encoding=\"UTF-7\"?>",
            "-:1:31: error: the declared encoding utf-7 is not accepted"
        ),
        ("undeclared UCS-4", "UCS-4BE", "", "-:1:1: error: the document is in UCS-4"),
        ("undeclared EBCDIC", "IBM037", "<?xml version=\"1.0\"?>", "-:1:1: error: the document is in EBCDIC"),
        // Padding inside the declaration would put the encoding past the bytes the check reads.
        (
            "declaration padded past the check", "UTF-8",
            "<?xml version=\"1.0\"" + String(repeating: " ", count: 300) + "encoding=\"IBM037\"?>",
            "-:1:1: error: the XML declaration does not end within its first 256 bytes"
        ),
    ])
    func refusesEncodingsTheRawByteChecksCannotRead(
        _ name: String, _ encoding: String, _ declaration: String,
        _ expected: String
    ) throws {
        let body = "<r><a " + (0..<40_000).map { "a\($0)=\"\"" }.joined(separator: " ") + "/></r>"
        // A UTF-7 document's declaration is ASCII; the others are encoded whole.
        let payload =
            encoding == "UTF-7"
            ? Data(declaration.utf8) + (try Self.encoded(body, as: encoding))
            : try Self.encoded(declaration + body, as: encoding)
        #expect(payload.count > 300_000)
        for arguments in [
            ["convert", "-m", "kadry-personnel", "-"],
            ["validate", "--xsd", CLITests.examples.appendingPathComponent("zakupki/xsd-8.0/fcsExport.xsd").path, "-"],
        ] {
            let result = try measure(arguments) { try? $0.write(contentsOf: payload) }
            #expect(result.status == 65, "\(name), \(arguments[0]): exit \(result.status): \(result.stderr)")
            #expect(
                result.stderr.contains(expected) && result.stderr.contains("[xml.encoding]"),
                "\(name), \(arguments[0]): \(result.stderr)")
            #expect(result.seconds >= 0 && result.seconds < 2, "\(name): refused before parsing, \(result.seconds) s")
        }
    }

    /// What the raw-byte checks can read still converts: UTF-16 without a byte order mark and
    /// the legacy single-byte encodings.
    @Test(arguments: [("UTF-16LE", "UTF-16"), ("KOI8-R", "KOI8-R"), ("CP866", "CP866"), ("ISO-8859-5", "ISO-8859-5")])
    func acceptsTheEncodingsItCanWatch(_ encoding: String, _ declared: String) throws {
        let document = "<?xml version=\"1.0\" encoding=\"\(declared)\"?><r a=\"Ж\"/>"
        let payload = try Self.encoded(document, as: encoding)
        let result = try measure(["convert", "--from", "xml", "--to", "json", "-"]) {
            try? $0.write(contentsOf: payload)
        }
        #expect(result.status == 0, "\(encoding): \(result.stderr)")
    }

    @Test func refusesAByteOrderMarkThatContradictsTheDeclaration() throws {
        let payload = Data([0xEF, 0xBB, 0xBF] + Array("<?xml version=\"1.0\" encoding=\"windows-1251\"?><r/>".utf8))
        let result = try measure(["convert", "-m", "kadry-personnel", "-"]) { try? $0.write(contentsOf: payload) }
        #expect(result.status == 65)
        #expect(
            result.stderr.contains("byte order mark says UTF-8 but the declaration says windows-1251"),
            "\(result.stderr)")
    }

    @Test func refusesTruncationAtEveryStructuralPoint() throws {
        let whole = FerryTesting.bytes(
            FerryTesting.fixtures.appendingPathComponent("snab2-requisition/example/input.xml"))
        let lastRecordEnd = whole.count - "</REQLIST>\n".utf8.count
        // Every cut inside the document: rejected with a location, never a crash; records before it kept.
        for cut in stride(from: 40, to: lastRecordEnd, by: 37) {
            let payload = Data(whole[0..<cut])
            let result = try measure(["convert", "-m", "snab2-requisition", "-"]) { try? $0.write(contentsOf: payload) }
            #expect(result.status == 65, "cut at \(cut): exit \(result.status)")
            #expect(result.stderr.contains("-:"), "cut at \(cut): \(result.stderr)")
        }
    }

    @Test func skipsZipBombsAndNestedArchives() throws {
        let directory = try cli.temporaryDirectory()
        let inner = directory.appendingPathComponent("inner.zip")
        let innerArchive = try Archive(url: inner, accessMode: .create)
        let zeros = Data(count: 50 << 20)
        try innerArchive.addEntry(
            with: "zeros.xml", type: .file, uncompressedSize: Int64(zeros.count), compressionMethod: .deflate,
            provider: { position, size in zeros.subdata(in: Int(position)..<Int(position) + size) })
        let outer = directory.appendingPathComponent("outer.zip")
        let outerArchive = try Archive(url: outer, accessMode: .create)
        try outerArchive.addEntry(with: "inner.zip", relativeTo: directory, compressionMethod: .deflate)
        try outerArchive.addEntry(
            with: "zeros.xml", type: .file, uncompressedSize: Int64(zeros.count), compressionMethod: .deflate,
            provider: { position, size in zeros.subdata(in: Int(position)..<Int(position) + size) })
        let result = try measure(["convert", "-m", "zakupki-contract", outer.path]) { _ in }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("outer.zip!inner.zip:1:1: warning: skipped"), "\(result.stderr)")
        #expect(result.stderr.contains("outer.zip!zeros.xml:1:1: warning: skipped"), "\(result.stderr)")
        #expect(result.peakKiB > 0 && result.peakKiB < Self.boundKiB, "peak \(result.peakKiB) KiB")
    }
}
