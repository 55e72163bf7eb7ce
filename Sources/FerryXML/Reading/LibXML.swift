internal import CLibXML2
import FerryCore

/// libxml2's one-time set-up, run before any parser is created.
enum LibXML {
    /// Initializes the library once per process (thread-safe through Swift's lazy globals),
    /// with the single-byte encodings of legacy exports decoded by table rather than through
    /// iconv (the shim's `ferry_register_single_byte_encodings`).
    static let initialized: Void = {
        xmlInitParser()
        _ = ferry_register_single_byte_encodings()
    }()

    /// Parser options for untrusted documents: no network, no entity substitution, no DTD
    /// loading, CDATA merged into text, compact text nodes, line numbers beyond 65,535.
    static let untrustedOptions = Int32(
        XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue
            | XML_PARSE_COMPACT.rawValue | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOERROR.rawValue
            | XML_PARSE_BIG_LINES.rawValue)
}

extension UnsafePointer<xmlChar> {
    /// The NUL-terminated UTF-8 text as a String.
    var string: String { String(cString: UnsafeRawPointer(self).assumingMemoryBound(to: CChar.self)) }

    /// The NUL-terminated bytes, without the NUL.
    var bytes: [UInt8] {
        var count = 0
        while self[count] != 0 { count += 1 }
        return Array(UnsafeBufferPointer(start: self, count: count))
    }

    /// Whether the NUL-terminated bytes equal `bytes` exactly.
    func equals(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index < bytes.count {
            if self[index] != bytes[index] { return false }
            index += 1
        }
        return self[index] == 0
    }
}

extension NodePath.Name {
    /// Whether a libxml2 name (local name and namespace URI, nil for none) is this name.
    func matches(local: UnsafePointer<xmlChar>?, namespace: UnsafePointer<xmlChar>?) -> Bool {
        guard let local, local.equals(self.local) else { return false }
        if namespaces.count == 1 { return namespace.map { $0.equals(self.namespace) } ?? self.namespace.isEmpty }
        guard let namespace else { return namespaces.contains { $0.isEmpty } }
        return namespaces.contains { namespace.equals($0) }
    }
}
