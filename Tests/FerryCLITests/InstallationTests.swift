import FerryTesting
import Foundation
import Testing

/// The tree `make install PREFIX=…` lays out, used as a user would from a directory of their own:
/// mappings and schemas found in the installed share directory, the man page, the completions.
///
/// `make test` installs into a temporary prefix (in debug) and names it in `FERRY_TEST_PREFIX`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["FERRY_TEST_PREFIX"] != nil, "make test installs a tree"))
struct InstallationTests {
    let prefix = URL(fileURLWithPath: ProcessInfo.processInfo.environment["FERRY_TEST_PREFIX"] ?? "/nonexistent")
    let cli = CLITests()

    /// Runs a bash command line in a new empty directory, with the installed ferry first on the PATH.
    func inAnotherDirectory(_ script: String) throws -> CLITests.Result {
        let directory = try cli.temporaryDirectory()
        let example = cli.fixture("kadry-personnel/example/input.xml")
        try FileManager.default.copyItem(at: example, to: directory.appendingPathComponent("export-a.xml"))
        try Data().write(to: directory.appendingPathComponent("export-b.xml"))
        return try cli.shell(
            "cd '\(directory.path)' && export PATH='\(prefix.path)/bin':\"$PATH\" && unset FERRY_PATH && \(script)")
    }

    @Test func convertsByMappingNameFromAnyDirectory() throws {
        let result = try inAnotherDirectory("ferry convert -m kadry-personnel export-a.xml")
        #expect(result.status == 0, "\(result.stderr)")
        let expected = FerryTesting.bytes(cli.fixture("kadry-personnel/example/output.ndjson"))
        #expect(result.stdout == String(decoding: expected, as: UTF8.self))
    }

    @Test func aMappingDroppedInTheWorkingDirectoryDoesNotStandInForTheInstalledOne() throws {
        let planted = "mkdir mappings && printf 'not: a mapping\\n' > mappings/kadry-personnel.yaml"
        let installed = try inAnotherDirectory("\(planted) && ferry convert -m kadry-personnel export-a.xml")
        #expect(installed.status == 0, "the installed mapping: \(installed.stderr)")
        let local = try inAnotherDirectory("\(planted) && ferry convert --project . -m kadry-personnel export-a.xml")
        #expect(local.status == 78, "--project . puts the working directory first: \(local.stderr)")
    }

    @Test func anUnknownMappingNameListsTheInstalledOnes() throws {
        let result = try inAnotherDirectory("ferry convert -m kadry-persnnel export-a.xml")
        #expect(result.status == 78)
        #expect(result.stderr.contains("did you mean 'kadry-personnel'?"), "\(result.stderr)")
        #expect(result.stderr.contains("\(prefix.path)/share/ferry/mappings"), "says where it looked")
    }

    @Test func validatesAgainstTheInstalledSchemas() throws {
        let result = try inAnotherDirectory(
            "ferry convert -m kadry-personnel export-a.xml > records.ndjson && ferry validate records.ndjson")
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func installsAManPage() throws {
        let page = try String(
            contentsOf: prefix.appendingPathComponent("share/man/man1/ferry.1"), encoding: .utf8)
        #expect(page.contains(".Dt FERRY 1"))
        #expect(page.contains("convert") && page.contains("Fl -item-depth"), "every subcommand and option")
    }

    @Test func bashCompletesFilesAndMappingNames() throws {
        let complete = """
            source '\(prefix.path)/share/bash-completion/completions/ferry'
            complete_words() {
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
                _ferry ferry "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
                echo "${COMPREPLY[*]}"
            }
            complete_words ferry convert export-
            complete_words ferry convert -m kadry
            complete_words ferry convert --rejects export-
            """
        let result = try inAnotherDirectory("bash -O extglob -c \"$(cat <<'EOF'\n\(complete)\nEOF\n)\"")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count >= 3, "\(result.stdout) \(result.stderr)")
        guard lines.count >= 3 else { return }
        #expect(Set(lines[0].split(separator: " ")) == ["export-a.xml", "export-b.xml"], "input files")
        #expect(lines[1] == "kadry-personnel", "mapping names for -m")
        #expect(Set(lines[2].split(separator: " ")) == ["export-a.xml", "export-b.xml"], "a rejects file")
    }

    @Test func sarifPointsAtTheInstalledDocumentation() throws {
        let result = try inAnotherDirectory(
            "mkdir mappings && printf 'ferry_mapping: 1\\n' > mappings/broken.yaml && ferry check --format sarif mappings"
        )
        let log = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        let uri = try #require(driver["informationUri"] as? String)
        #expect(uri.hasPrefix("file://") && uri.hasSuffix("/share/doc/ferry/"), "\(uri)")
        let codes = try #require(URL(string: uri)).appendingPathComponent("DiagnosticCodes.md")
        #expect(FileManager.default.fileExists(atPath: codes.path), "the codes a SARIF rule names are documented there")
    }

    @Test func zshAndFishCompletionsAreInstalled() throws {
        for path in ["share/zsh/site-functions/_ferry", "share/fish/vendor_completions.d/ferry.fish"] {
            let script = try String(contentsOf: prefix.appendingPathComponent(path), encoding: .utf8)
            #expect(script.contains("convert"), "\(path)")
        }
    }
}
