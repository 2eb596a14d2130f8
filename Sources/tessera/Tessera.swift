import ArgumentParser

/// The `tessera` command-line tool.
///
/// Each subcommand lives in its own file under `Commands/`; adding one is one entry in
/// `subcommands` below.
@main
struct Tessera: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Collaborative canvases on a CRDT: demo, sync and inspect Tessera boards.",
        subcommands: [
            DemoCommand.self,
            InspectCommand.self,
            MergeCommand.self,
            ExportCommand.self,
            ServeCommand.self,
            JoinCommand.self,
            SnapshotCommand.self,
            SecretCommand.self,
            LoadtestCommand.self,
        ]
    )
}
