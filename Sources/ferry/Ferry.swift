import ArgumentParser

/// The `ferry` command: converts, validates and checks agency records.
@main
struct Ferry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry",
        abstract: "Convert legacy agency exports to canonical records and back, and check them.",
        discussion: """
            Exit status: 0 all converted; 1 some records rejected (the rest were written); 64 usage; \
            65 an input not well-formed or not decodable; 66 an input cannot be opened; 78 a schema \
            or mapping is invalid. When several apply, the highest wins.
            """,
        version: "0.1.0",
        subcommands: [Convert.self, Validate.self]
    )
}
