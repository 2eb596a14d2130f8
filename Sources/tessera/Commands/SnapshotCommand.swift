import ArgumentParser
import Foundation
import TesseraCore
import TesseraStore
import TesseraSync

/// `tessera snapshot`: writes a document held in a store — a replica's, or a relay room's —
/// to a snapshot file that `tessera inspect`, `merge` and `export` read.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Write the board held in a store (of tessera join or tessera serve) to a snapshot file.",
        discussion: """
            For a replica's store (tessera join --data DIR) it writes the replica's document. For \
            a relay's store (tessera serve --data DIR) it rebuilds the room's document from the \
            stored change envelopes; an end-to-end encrypted room needs --secret. The process that \
            owns the store must have stopped (a store has one writer at a time).
            """
    )

    @Option(help: ArgumentHelp("The store's directory.", valueName: "dir"))
    var data: String

    @Option(help: ArgumentHelp("The room (needed when the store holds several).", valueName: "room"))
    var room: String?

    @Option(help: ArgumentHelp("The room secret, to open an encrypted room's envelopes from a relay store.", valueName: "secret"))
    var secret: String?

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The snapshot file to write.", valueName: "file"))
    var output: String

    func run() async throws {
        let store = try SQLiteStore(path: (data as NSString).appendingPathComponent("tessera.sqlite"))
        defer { try? store.close() }
        let documents = try store.documentIDs()
        let rooms = try store.roomIDs()
        let document: Document
        let kind: String
        if let id = room ?? (documents.count == 1 ? documents.first : nil), documents.contains(id) {
            document = try store.document(id, compaction: .manual).load()
            kind = "replica"
        } else if let id = room ?? (rooms.count == 1 ? rooms.first : nil), rooms.contains(id), let record = try store.room(id) {
            document = try Self.rebuild(try store.openRoom(record), secret: secret)
            kind = "relay"
        } else {
            throw ValidationError(
                "name a room with --room; the store holds documents [\(documents.joined(separator: ", "))] and relay rooms [\(rooms.joined(separator: ", "))]")
        }
        let bytes = document.encodeSnapshot()
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw ValidationError("cannot write \(output): \(error.localizedDescription)")
        }
        StandardOutput.writeLine(
            #"{"source":"\#(kind)","operations":\#(document.version.operationCount),"bytes":\#(bytes.count),"file":"\#(output)"}"#)
    }

    /// The document a relay room's envelopes make, opened with the room key if sealed.
    static func rebuild(_ room: StoredRoom, secret: String?) throws -> Document {
        let key: RoomKey?
        if room.record.isSealed {
            guard let secret, let roomSecret = RoomSecret(base64URL: secret) else {
                throw ValidationError("room \"\(room.record.id)\" is end-to-end encrypted: pass its --secret")
            }
            key = RoomKey(secret: roomSecret, documentID: room.record.id)
        } else {
            key = nil
        }
        var changes: [Change] = []
        for envelope in room.envelopes.allEnvelopes { changes += try envelope.open(with: key) }
        var document = Document()
        try document.apply(changes)
        return document
    }
}
