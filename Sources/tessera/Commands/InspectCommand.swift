import ArgumentParser
import Foundation
import TesseraCanvas
import TesseraCore

/// `tessera inspect FILE [--json]`: what a document file holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Summarise a Tessera document file, or print its shapes and chat as JSON.")

    @Argument(help: "A document file (snapshot or changes), e.g. one written by `tessera demo --save`.")
    var file: String

    @Flag(help: "Print the materialised board (shapes and chat) as JSON instead of a summary.")
    var json = false

    func run() throws {
        let document: Document
        do { document = try DocumentFile.load(file) } catch { DocumentFile.exit(with: error) }
        let board = try? Board(document: document)
        if json {
            print(Self.json(document: document, board: board).serialized)
            return
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        print("\(file): Tessera document, \(size) bytes")
        print("  history: \(document.changeCount) changes, \(document.operationCount) operations, Lamport \(document.lamport)")
        print("  replicas: \(document.version.entries.count)")
        for (replica, counter) in document.version.entries {
            let names = Set(document.history.filter { $0.replica == replica }.map { $0.origin.name }).filter { !$0.isEmpty }.sorted()
            print("    \(replica)  \(counter) ops  \(names.joined(separator: ", "))")
        }
        if document.pendingChangeCount > 0 { print("  pending: \(document.pendingChangeCount) changes wait for dependencies") }
        if let board {
            print("  board: \(board.shapeCount) shapes, \(board.messageCount) chat messages")
            for shape in board.shapes.prefix(20) {
                let text = shape.text.isEmpty ? "" : " \"\(shape.text.prefix(40))\""
                print("    \(shape.id?.rawValue ?? "?")  \(shape.kind) at (\(Int(shape.x)), \(Int(shape.y)))\(text)")
            }
            if board.shapeCount > 20 { print("    … \(board.shapeCount - 20) more") }
        } else {
            print("  (not a board: root keys \((try? document.keys()) ?? []))")
        }
    }

    /// Shapes (bottom to top) and chat when the document is a board; the whole document otherwise.
    static func json(document: Document, board: Board?) -> JSONValue {
        var members: [String: JSONValue] = ["version": .object(Dictionary(uniqueKeysWithValues:
            document.version.entries.map { ($0.replica.description, JSONValue.number(Double($0.counter))) }))]
        if let board {
            members["shapes"] = .array(board.shapes.map(\.summary))
            members["chat"] = .array(board.messages.map { message in
                var m: [String: JSONValue] = ["id": .string(message.id.rawValue), "author": .string(message.author.name),
                                              "actor": .string(message.author.isAgent ? "agent" : "human"),
                                              "body": .string(message.body), "sentAt": .number(Double(message.sentAt))]
                if let replyTo = message.replyTo { m["replyTo"] = .string(replyTo.rawValue) }
                if let request = message.request { m["request"] = .string(request) }
                return .object(m)
            })
        } else {
            members["document"] = json(document.materialize())
        }
        return .object(members)
    }

    static func json(_ value: MaterializedValue) -> JSONValue {
        switch value {
        case .null: return .null
        case .scalar(let v):
            switch v {
            case .null: return .null
            case .bool(let b): return .bool(b)
            case .int(let i): return .number(Double(i))
            case .double(let d): return .number(d)
            case .string(let s): return .string(s)
            case .bytes(let b): return .string(b.map { String(format: "%02x", $0) }.joined())
            case .object(let id): return .string(id.description)
            }
        case .map(let m):
            // A JSON object here is a Swift dictionary: of two keys that differ only in their
            // Unicode normal form, it shows the one that sorts last by bytes.
            return .object(Dictionary(m.map { ($0.key, json($0.value)) }, uniquingKeysWith: { _, last in last }))
        case .list(let l): return .array(l.map(json))
        case .text(let t): return .string(t)
        case .counter(let c): return .number(Double(c))
        }
    }
}
