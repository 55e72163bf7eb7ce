import FerryCore
package import Foundation

/// Where a mapping named by `-m NAME` and the default schema directory are looked for: project
/// directories, each holding `mappings/` and `schemas/`, the first that has the file winning.
///
/// The command line's is ``standard(project:environment:executablePath:)``; a mapping given by
/// path is read where it is, whatever the search path.
public struct ProjectSearchPath: Sendable, Equatable {
    /// The project directories, in the order they are searched.
    public var directories: [String]

    /// A search path of these directories.
    public init(directories: [String]) { self.directories = directories }

    /// The current directory alone: where a project's own commands look.
    public static let currentDirectory = ProjectSearchPath(directories: ["."])

    /// The command line's search path: `--project DIR`, then the directories of `FERRY_PATH`
    /// (separated by `:`), then the installed share directory, `PREFIX/share/ferry` beside
    /// `PREFIX/bin/ferry`, and the current directory last.
    ///
    /// The current directory comes last so that files dropped where an operator happens to work
    /// (an incoming directory, say) never stand in for the configured or installed mappings and
    /// schemas; `--project .` puts it first.
    /// - Parameters:
    ///   - project: `--project DIR`, when given.
    ///   - environment: the process's environment (`FERRY_PATH`).
    ///   - executablePath: the running executable's path, to find the share directory from.
    public static func standard(project: String?, environment: [String: String], executablePath: String?)
        -> ProjectSearchPath
    {
        var directories = [project].compactMap { $0 }
        directories += (environment["FERRY_PATH"] ?? "").split(separator: ":").map(String.init)
        if let executablePath {
            directories.append(installedShare(executablePath: executablePath).appendingPathComponent("ferry").path)
        }
        directories.append(".")
        var seen: Set<String> = []
        return ProjectSearchPath(directories: directories.filter { seen.insert($0).inserted })
    }

    /// `PREFIX/share` beside the running `PREFIX/bin/ferry`, symbolic links followed: where
    /// `make install` puts the shipped mappings and schemas (`share/ferry`) and the documentation
    /// (`share/doc/ferry`).
    package static func installedShare(executablePath: String) -> URL {
        URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("share")
    }

    /// The file of the mapping named `name`: `DIR/mappings/NAME.yaml` in the first directory that
    /// has it.
    public func mappingFile(named name: String) -> String? {
        directories.lazy.map { Self.join($0, "mappings/\(name).yaml") }
            .first { FileManager.default.isReadableFile(atPath: $0) }
    }

    /// The first `DIR/schemas` directory on the path, when there is one.
    public var schemaDirectory: String? {
        directories.lazy.map { Self.join($0, "schemas") }.first { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }

    /// The names of every mapping on the path, sorted, each once.
    public var mappingNames: [String] {
        let names = directories.flatMap { directory in
            ((try? FileManager.default.contentsOfDirectory(atPath: Self.join(directory, "mappings"))) ?? [])
                .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(".yaml".count)) }
        }
        return Set(names).sorted()
    }

    /// What a failed lookup says: where it looked, the known names and the closest of them.
    func unknownMappingMessage(_ name: String) -> String {
        let looked = directories.map { Self.join($0, "mappings") }.joined(separator: ", ")
        let known = mappingNames
        var message = "no mapping named \(name) (looked in \(looked))"
        if let suggestion = NodeReader.closest(to: name, among: known) {
            message += "; did you mean '\(suggestion)'?"
        }
        message += known.isEmpty ? "; no mapping is installed" : "; known mappings: \(known.joined(separator: ", "))"
        return message
    }

    private static func join(_ directory: String, _ path: String) -> String {
        directory == "." ? path : (directory.hasSuffix("/") ? directory + path : "\(directory)/\(path)")
    }
}
