import ArgumentParser
import TesseraSync

/// `tessera secret`: a fresh secret for an end-to-end encrypted room.
struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract: "Print a new room secret for an end-to-end encrypted room (share it out of band).")

    func run() async throws {
        StandardOutput.writeLine(RoomSecret().base64URL)
    }
}
