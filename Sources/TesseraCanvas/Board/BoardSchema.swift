import TesseraCore

/// The layout of a board inside an ordinary document (DESIGN.md §3), so any replica can read
/// it without this module:
///
/// ```text
/// root
/// ├── shapes: map   shape ID → map { kind, x, y, w, h, rotation, fill, stroke, strokeWidth,
/// │                                   opacity, text: Text, z, parent, from, to, locked }
/// ├── chat:   list  of map { id, author: map { replica, name, actor }, body: Text,
/// │                          sentAt, replyTo, request }
/// └── ai:     map   request ID → request (filled by the agent module)
/// ```
enum BoardSchema {
    /// A root entry of the board.
    enum Root: String, CaseIterable {
        case shapes, chat, ai

        var kind: ObjectKind {
            switch self {
            case .shapes, .ai: .map
            case .chat: .list
            }
        }
    }

    /// The replica that writes the genesis change. Every board is born from the same change,
    /// byte for byte, so two boards created independently merge instead of fighting over
    /// whose `shapes` map wins. (The same trick as Automerge's "initial change with a fixed
    /// actor"; a random replica colliding with this value has probability 2⁻⁶⁴.)
    static let genesisReplica = ReplicaID(rawValue: 0x7e55_e7a0_b0a2_d001) ?? ReplicaID.random()

    /// The change that creates the three roots. Timestamp 0 keeps it identical everywhere.
    static let genesis = Change(
        replica: genesisReplica, startCounter: 1, startLamport: 1, dependencies: [],
        origin: Origin(actor: .system, name: "tessera"), timestamp: 0,
        operations: Root.allCases.map { Operation(object: .root, action: .make(key: $0.rawValue, kind: $0.kind, pred: [])) })

    /// Gives `document` the board's roots: the genesis change when it has none, fresh roots
    /// for any missing one otherwise.
    ///
    /// - Throws: ``CanvasError/notABoard(reason:)`` when a root exists with the wrong kind.
    static func prepare(_ document: inout Document) throws(CanvasError) {
        var missing: [Root] = []
        for root in Root.allCases {
            let value: Value?
            do { value = try document.get(root.rawValue) } catch { throw .document(error) }
            switch value {
            case nil:
                missing.append(root)
            case .object(let id)?:
                let kind = document.kind(of: id)
                guard kind == root.kind else { throw .notABoard(reason: "root \"\(root.rawValue)\" is a \(kind.map(String.init(describing:)) ?? "missing object"), not a \(root.kind)") }
            case let other?:
                throw .notABoard(reason: "root \"\(root.rawValue)\" holds \(other), not a \(root.kind)")
            }
        }
        guard !missing.isEmpty else { return }
        do {
            if missing.count == Root.allCases.count, document.version[genesisReplica] == 0 {
                try document.apply([genesis])
            } else {
                try document.transact(origin: Origin(actor: .system, name: "tessera")) { doc in
                    for root in missing { try doc.makeObject(root.kind, forKey: root.rawValue) }
                }
            }
        } catch let error as DocumentError {
            throw .document(error)
        } catch {
            throw .notABoard(reason: "\(error)")
        }
    }
}
