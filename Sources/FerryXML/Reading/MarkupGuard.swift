import FerryCore

/// Watches the raw bytes of an XML document on their way to libxml2 and stops, before the
/// parser spends time or memory on them: a DOCTYPE (so no entity is ever declared), elements
/// nested too deep, and a start tag with too many attributes or bytes (libxml2 2.9's
/// duplicate-attribute check is quadratic).
///
/// It tracks just enough of XML's lexical structure (tags, quoted values, comments, CDATA,
/// processing instructions) to count attributes outside quotes. It reads code units of one
/// or two bytes, so UTF-16 documents are watched as correctly as ASCII-compatible ones.
struct MarkupGuard: ByteStream {
    private var input: any ByteStream
    private let limits: XMLLimits
    private let path: String
    private var state = State.text
    private var tagBytes = 0
    private var attributes = 0
    private var depth = 0
    private var previousUnit: UInt16 = 0
    private var line = 1
    private var unitWidth = 0  // 0 until the first bytes tell; then 1, or 2 for UTF-16
    private var bigEndian = false
    private var pendingByte: UInt8?
    private var seen: [UInt8] = []
    private var bangPrefix: [UInt16] = []
    private static let commentOpening: [UInt16] = [0x2D, 0x2D]
    private static let cdataOpening: [UInt16] = [0x5B, 0x43, 0x44, 0x41, 0x54, 0x41, 0x5B]
    private static let doctypeOpening: [UInt16] = Array("DOCTYPE".utf16)
    /// The error that stopped the stream, reported by the reader instead of libxml2's I/O error.
    private(set) var failure: XMLReadError?
    /// The bytes read so far.
    private(set) var bytesRead = 0
    /// Whether the input has ended.
    private(set) var reachedEnd = false
    /// The elements whose start tag was read and whose end tag was not.
    var openElements: Int { depth }
    /// Whether the root element's end tag was read: what follows it is extra content.
    private(set) var rootClosed = false

    private enum State {
        case text, afterOpen, startTag, quoted(UInt16), endTag, otherTag, bang, comment(Int), cdata(Int), pi(Bool)
    }

    init(_ input: any ByteStream, limits: XMLLimits, path: String) {
        self.input = input
        self.limits = limits
        self.path = path
    }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = try input.read(into: buffer)
        bytesRead += count
        if count == 0 { reachedEnd = true }
        if !prologueChecked {
            prologue.append(contentsOf: buffer[0..<min(count, Self.prologueLength - prologue.count)])
            if count == 0 || prologue.count >= Self.prologueLength { checkEncoding() }
        }
        var index = 0
        while index < count {
            if unitWidth == 1 && failure == nil {
                // Most bytes change nothing but a count: skip runs of them without stepping.
                switch state {
                case .text:
                    // Character data: skip to the next '<', counting lines.
                    while index < count && buffer[index] != 0x3C {
                        if buffer[index] == 0x0A { line += 1 }
                        index += 1
                    }
                    guard index < count else { break }
                    previousUnit = 0x3C
                    state = .afterOpen
                    index += 1
                    continue
                case .startTag:
                    index = skipTagBytes(buffer, from: index, count: count) {
                        $0 == 0x3E || $0 == 0x22 || $0 == 0x27 || $0 == 0x3D
                    }
                case .quoted(let quote):
                    index = skipTagBytes(buffer, from: index, count: count) { $0 == quote }
                case .endTag:
                    while index < count && buffer[index] != 0x3E && buffer[index] != 0x0A { index += 1 }
                default:
                    break
                }
                guard index < count else { break }
            }
            consume(buffer[index])
            index += 1
        }
        if let failure { throw failure }
        return count
    }

    // MARK: - The encoding, before libxml2 decodes anything

    private static let prologueLength = 256
    private var prologue: [UInt8] = []
    private var prologueChecked = false

    /// The encodings a document may be in (lower-cased names as a declaration writes them): the
    /// ones the raw-byte checks can read.
    ///
    /// In EBCDIC, UTF-7 or UCS-4 no markup byte is `<` as these checks see it, so a flood of
    /// attributes would reach libxml2 unwatched.
    static let acceptedEncodings: Set<String> = {
        var names: Set<String> = [
            "utf-8", "utf8", "utf-16", "utf-16le", "utf-16be", "us-ascii", "ascii", "koi8-r", "koi8-u",
            "cp866", "ibm866",
        ]
        for part in Array(1...11) + Array(13...16) { names.formUnion(["iso-8859-\(part)", "iso8859-\(part)"]) }
        for page in 1250...1258 { names.formUnion(["windows-\(page)", "cp\(page)"]) }
        names.insert("latin1")
        return names
    }()

    /// Decides the encoding from the first bytes (a byte order mark, or the shape of `<?xml` in
    /// a wider or foreign encoding) and the declaration, and refuses what the raw-byte checks
    /// cannot watch: anything but ``acceptedEncodings``, and a byte order mark that disagrees
    /// with the declaration (libxml2 silently believes the mark).
    private mutating func checkEncoding() {
        prologueChecked = true
        func refuse(_ message: String, column: Int = 1) {
            failure = XMLReadError(.encoding, message, at: DocumentLocation(path: path, line: 1, column: column))
        }
        let first = Array(prologue.prefix(4))
        if first == [0x00, 0x00, 0xFE, 0xFF] || first == [0xFF, 0xFE, 0x00, 0x00]
            || first == [0x00, 0x00, 0x00, 0x3C] || first == [0x3C, 0x00, 0x00, 0x00]
            || first == [0x00, 0x00, 0x3C, 0x00] || first == [0x00, 0x3C, 0x00, 0x00]
        {
            return refuse("the document is in UCS-4, which Ferry does not accept: " + Self.acceptedList)
        }
        if first == [0x4C, 0x6F, 0xA7, 0x94] {
            return refuse("the document is in EBCDIC, which Ferry does not accept: " + Self.acceptedList)
        }
        var markEncoding: String?
        var hasByteOrderMark = false
        var declaration: [UInt8] = []
        var offset = 0
        if prologue.starts(with: [0xEF, 0xBB, 0xBF]) {
            (markEncoding, hasByteOrderMark) = ("UTF-8", true)
            declaration = Array(prologue.dropFirst(3))
            offset = 3
        } else if prologue.starts(with: [0xFE, 0xFF]) || prologue.starts(with: [0xFF, 0xFE])
            || first == [0x00, 0x3C, 0x00, 0x3F] || first == [0x3C, 0x00, 0x3F, 0x00]
        {
            let hasMark = prologue.starts(with: [0xFE, 0xFF]) || prologue.starts(with: [0xFF, 0xFE])
            (markEncoding, hasByteOrderMark) = ("UTF-16", hasMark)
            let bigEndian = prologue[0] == 0xFE || prologue[0] == 0x00
            var index = hasMark ? 3 : 1
            while index < prologue.count {
                let unit =
                    bigEndian
                    ? UInt16(prologue[index - 1]) << 8 | UInt16(prologue[index])
                    : UInt16(prologue[index]) << 8 | UInt16(prologue[index - 1])
                declaration.append(unit < 0x80 ? UInt8(unit) : UInt8(ascii: "?"))
                index += 2
            }
        } else {
            declaration = prologue
        }
        let text = String(decoding: declaration, as: UTF8.self)
        guard text.hasPrefix("<?xml") else { return }
        guard let end = text.firstRange(of: "?>") else {
            // An encoding named past what is read here would reach libxml2 unchecked.
            return refuse("the XML declaration does not end within its first \(Self.prologueLength) bytes")
        }
        guard let key = text[..<end.lowerBound].firstRange(of: "encoding") else { return }
        let afterKey = text[key.upperBound..<end.lowerBound].drop { $0 == " " || $0 == "=" || $0 == "\t" }
        guard let quote = afterKey.first, quote == "\"" || quote == "'" else {
            // Fail closed: an encoding that cannot be read here is not one the checks can watch.
            return refuse("the XML declaration names its encoding in a form that cannot be read", column: 1)
        }
        let declared: String = afterKey.dropFirst().prefix { $0 != quote }.lowercased()
        let column =
            text.distance(from: text.startIndex, to: afterKey.startIndex) + 2 + (markEncoding == "UTF-16" ? 0 : offset)
        guard Self.acceptedEncodings.contains(declared) else {
            return refuse("the declared encoding \(declared) is not accepted: " + Self.acceptedList, column: column)
        }
        if let markEncoding {
            let agrees =
                markEncoding == "UTF-8" ? (declared == "utf-8" || declared == "utf8") : declared.hasPrefix("utf-16")
            if !agrees {
                let evidence = hasByteOrderMark ? "the byte order mark says" : "the first bytes are"
                refuse("\(evidence) \(markEncoding) but the declaration says \(declared)", column: column)
            }
        }
    }

    private static let acceptedList =
        "UTF-8, UTF-16, US-ASCII, ISO-8859-1 to -16, windows-1250 to -1258, KOI8-R, KOI8-U or CP866"

    /// Skips the bytes of a start tag up to the next one `stops` at (or a line feed), counting
    /// them against the start-tag limit; returns the index of that byte.
    private mutating func skipTagBytes(
        _ buffer: UnsafeMutableRawBufferPointer, from start: Int, count: Int, stops: (UInt16) -> Bool
    ) -> Int {
        var index = start
        while index < count && buffer[index] != 0x0A && !stops(UInt16(buffer[index])) { index += 1 }
        guard index > start else { return index }
        tagBytes += index - start
        previousUnit = UInt16(buffer[index - 1])
        checkTagLength()
        return index
    }

    private mutating func checkTagLength() {
        if tagBytes > limits.maximumStartTagBytes {
            fail(.limit, "a start tag is longer than \(limits.maximumStartTagBytes) bytes")
        }
    }

    private mutating func consume(_ byte: UInt8) {
        if unitWidth == 0 {
            seen.append(byte)
            guard seen.count >= 2 else { return }
            // UTF-16 shows as a BOM or as '<' beside a zero byte; anything else is byte-wise.
            switch (seen[0], seen[1]) {
            case (0xFE, 0xFF), (0x00, 0x3C): (unitWidth, bigEndian) = (2, true)
            case (0xFF, 0xFE), (0x3C, 0x00): (unitWidth, bigEndian) = (2, false)
            default: unitWidth = 1
            }
            let buffered = seen
            seen = []
            buffered.forEach { consume($0) }
            return
        }
        if unitWidth == 1 { return step(UInt16(byte)) }
        if let first = pendingByte {
            pendingByte = nil
            step(bigEndian ? UInt16(first) << 8 | UInt16(byte) : UInt16(byte) << 8 | UInt16(first))
        } else {
            pendingByte = byte
        }
    }

    private mutating func step(_ unit: UInt16) {
        guard failure == nil else { return }
        defer { previousUnit = unit }
        if unit == 0x0A { line += 1 }
        switch state {
        case .text:
            if unit == 0x3C { state = .afterOpen }
        case .afterOpen:
            switch unit {
            case 0x21:  // <!
                state = .bang
                bangPrefix.removeAll(keepingCapacity: true)
            case 0x3F: state = .pi(false)  // <?
            case 0x2F: state = .endTag  // </
            default:
                state = .startTag
                tagBytes = 2
                attributes = 0
            }
        case .startTag:
            tagBytes += unitWidth
            switch unit {
            case 0x3E:
                state = .text
                if previousUnit != 0x2F {
                    depth += 1
                    if depth > limits.maximumDepth {
                        fail(.limit, "elements nest deeper than \(limits.maximumDepth) levels")
                    }
                }
            case 0x22, 0x27: state = .quoted(unit)
            case 0x3D:
                attributes += 1
                if attributes > limits.maximumAttributesPerElement {
                    fail(.limit, "an element has more than \(limits.maximumAttributesPerElement) attributes")
                }
            default: break
            }
            checkTagLength()
        case .quoted(let quote):
            tagBytes += unitWidth
            if unit == quote { state = .startTag }
            checkTagLength()
        case .endTag:
            if unit == 0x3E {
                state = .text
                depth -= 1
                if depth == 0 { rootClosed = true }
            }
        case .otherTag:
            if unit == 0x3E { state = .text }
        case .bang:
            // Tell <!-- and <![CDATA[ from <!DOCTYPE; the DOCTYPE itself is refused by the reader.
            bangPrefix.append(unit)
            if bangPrefix == Self.doctypeOpening {
                fail(.doctype, "the document has a DOCTYPE; exports have none, so it is refused as a whole")
            } else if bangPrefix == Self.commentOpening {
                state = .comment(0)
            } else if bangPrefix == Self.cdataOpening {
                state = .cdata(0)
            } else if ![Self.commentOpening, Self.cdataOpening, Self.doctypeOpening].contains(where: {
                $0.starts(with: bangPrefix)
            }) {
                state = unit == 0x3E ? .text : .otherTag
            }
        case .comment(let dashes):
            if unit == 0x2D {
                state = .comment(dashes + 1)
            } else {
                state = unit == 0x3E && dashes >= 2 ? .text : .comment(0)
            }
        case .cdata(let brackets):
            if unit == 0x5D {
                state = .cdata(brackets + 1)
            } else {
                state = unit == 0x3E && brackets >= 2 ? .text : .cdata(0)
            }
        case .pi(let question):
            state = unit == 0x3E && question ? .text : .pi(unit == 0x3F)
        }
    }

    private mutating func fail(_ kind: XMLReadError.Kind, _ message: String) {
        failure = XMLReadError(kind, message, at: DocumentLocation(path: path, line: line, column: 1))
    }
}
