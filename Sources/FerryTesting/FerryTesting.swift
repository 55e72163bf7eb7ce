public import FerryCore
public import Foundation

/// Helpers shared by Ferry's test targets: where the package is, chunked input, golden files.
public enum FerryTesting {
    /// The package root, found from this file's place in the source tree.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures` under the package root.
    public static var fixtures: URL { packageRoot.appendingPathComponent("Tests/Fixtures") }

    /// The conformance suites beside the project (`../shared/conformance`), when present.
    public static var conformance: URL? {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// The contents of a file, or empty when it does not exist.
    public static func bytes(_ url: URL) -> [UInt8] {
        (try? Data(contentsOf: url)).map { [UInt8]($0) } ?? []
    }

    /// Whether golden files are being re-recorded (`RECORD_GOLDEN=1`).
    public static var isRecording: Bool { ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" }

    /// Writes a golden file while recording (an empty value removes it).
    public static func record(_ bytes: [UInt8], to url: URL) {
        if bytes.isEmpty {
            try? FileManager.default.removeItem(at: url)
        } else {
            try? Data(bytes).write(to: url)
        }
    }

    /// A deterministic random number generator (SplitMix64), so a property test's failure reproduces.
    public struct SplitMix64: RandomNumberGenerator {
        var state: UInt64

        /// A generator from a seed.
        public init(state: UInt64) { self.state = state }

        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Whether a delivered record has exactly the canonical envelope's members, in its order
    /// (`time` where the record has one), and nothing beside them.
    public static func hasExactlyTheCanonicalEnvelope(_ record: JSONObject) -> Bool {
        record.keys == CanonicalRecord.envelopeMembers.filter { $0 != "time" || record["time"] != nil }
    }

    /// The marking of every field present in a record's data, nested fields included, by JSON
    /// pointer; nil for a field the schema does not know.
    public static func markings(of data: JSONObject, type: ObjectType, pointer: String = "/data") -> [(
        Marking?, String
    )] {
        data.members.flatMap { member -> [(Marking?, String)] in
            let path = "\(pointer)/\(member.key)"
            guard let field = type.field(named: member.key) else { return [(nil, path)] }
            var result: [(Marking?, String)] = [(field.marking, path)]
            if case .object(let nested) = field.type {
                for case .object(let object) in member.value.arrayValue ?? [member.value] {
                    result += markings(of: object, type: nested, pointer: path)
                }
            }
            return result
        }
    }
}
