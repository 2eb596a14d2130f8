import ArgumentParser
import Foundation
import Logging
import TesseraTransport

/// `tessera loadtest`: many clients in one room of a relay, each making edits; reports
/// convergence, latency from an edit to its application on the other clients, and the
/// relay's memory. `Tests/Load/run-load.sh` builds tessera, starts a relay and runs this.
struct LoadtestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Run many WebSocket clients in one relay room, each editing; report convergence and latency.",
        discussion: """
            All clients run in this process, each a full replica (its own document, session and \
            WebSocket connection), so an edit's latency is measured on one clock: from the moment \
            a client commits it to the moment each other client has applied it. Each client adds \
            one shape, then moves it --edits − 1 times at --rate edits per second.
            """
    )

    @Option(help: ArgumentHelp("The room on the relay: ws://HOST:PORT/v1/rooms/ROOM.", valueName: "url"))
    var url: String

    @Option(help: ArgumentHelp("The number of clients.", valueName: "n"))
    var clients: Int = 100

    @Option(help: ArgumentHelp("Edits per client.", valueName: "n"))
    var edits: Int = 1000

    @Option(help: ArgumentHelp("Edits per second per client.", valueName: "n"))
    var rate: Double = 10

    @Option(help: ArgumentHelp("The room token, if the relay needs one.", valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp("The relay's process ID, to report its memory from /proc.", valueName: "pid"))
    var serverPid: Int32?

    @Option(help: ArgumentHelp("Give up waiting for convergence after this many seconds.", valueName: "seconds"))
    var timeout: Double = 900

    func validate() throws {
        guard clients >= 2 else { throw ValidationError("--clients must be at least 2") }
        guard edits >= 1 else { throw ValidationError("--edits must be at least 1") }
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
    }

    func run() async throws {
        LogSetup.bootstrap(level: .error, format: .text)
        let roomURL: RoomURL
        do {
            roomURL = try RoomURL(url)
        } catch {
            throw ValidationError(error.description)
        }
        let driver = LoadDriver(
            url: roomURL, clientCount: clients, editsPerClient: edits, rate: rate, token: token, serverPID: serverPid,
            timeout: .milliseconds(Int64(timeout * 1000)))
        let report = try await driver.run()
        print(report.text)
        StandardOutput.writeLine(report.json)
        if !report.converged { throw ExitCode.failure }
    }
}
