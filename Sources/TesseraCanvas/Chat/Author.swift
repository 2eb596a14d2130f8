import TesseraCore

/// Who wrote a chat message: a replica, a display name, and whether a person or an agent.
///
/// Stored as the message's `author` map `{ replica, name, actor }`.
public struct Author: Hashable, Sendable, CustomStringConvertible {
    /// The replica that posted the message, when known.
    public var replica: ReplicaID?
    /// Display name.
    public var name: String
    /// Human, agent or system.
    public var actor: Origin.Actor

    /// Creates an author.
    public init(replica: ReplicaID?, name: String, actor: Origin.Actor = .human) {
        self.replica = replica
        self.name = name
        self.actor = actor
    }

    /// The author a board posts as by default: its replica and origin.
    public init(replica: ReplicaID, origin: Origin) {
        self.init(replica: replica, name: origin.name, actor: origin.actor)
    }

    /// Whether an AI agent wrote the message.
    public var isAgent: Bool { actor == .agent }

    /// The name, with the kind of participant for agents and the system.
    public var description: String { actor == .human ? name : "\(name) (\(Author.name(of: actor)))" }

    static func name(of actor: Origin.Actor) -> String {
        switch actor {
        case .human: "human"
        case .agent: "agent"
        case .system: "system"
        }
    }

    static func actor(named name: String?) -> Origin.Actor {
        switch name {
        case "agent": .agent
        case "system": .system
        default: .human
        }
    }
}
