import ArgumentParser
import FerryConvert
import Foundation

/// Where the commands find mappings by name and the default schema directory.
struct ProjectOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A project directory (with mappings/ and schemas/) searched first; then FERRY_PATH's directories, "
                + "the installed share/ferry and the current directory.",
            valueName: "DIR"))
    var project: String?

    /// Completes `-m` with the names of the mappings on the search path (without `--project`,
    /// which the shell has not parsed).
    static let mappingCompletion = CompletionKind.custom { _, _, prefix in
        searchPath(project: nil).mappingNames.filter { $0.hasPrefix(prefix) }
    }

    /// The search path: `--project`, `FERRY_PATH`, the installed share directory, the current directory.
    var searchPath: ProjectSearchPath { Self.searchPath(project: project) }

    private static func searchPath(project: String?) -> ProjectSearchPath {
        .standard(
            project: project, environment: ProcessInfo.processInfo.environment,
            executablePath: Bundle.main.executablePath)
    }

    /// The installed documentation, `PREFIX/share/doc/ferry/` beside `PREFIX/bin/ferry`, as a
    /// `file:` URI; nil when ferry runs from where it was built.
    static var installedDocumentation: String? {
        guard let executable = Bundle.main.executablePath else { return nil }
        let directory = ProjectSearchPath.installedShare(executablePath: executable).appendingPathComponent("doc/ferry")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else { return nil }
        return directory.absoluteURL.absoluteString
    }
}
