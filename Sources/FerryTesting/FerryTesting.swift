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
}

