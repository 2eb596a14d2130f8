/// Who made a change: a person, an AI agent, or the system, with a display name and,
/// for agent edits, the request they answer and the user they act for.
///
/// Origins travel with every change, so any replica can attribute an edit and revert
/// everything one AI request did (``Document/revert(where:origin:)``).
public struct Origin: Hashable, Sendable, CustomStringConvertible {
    /// What kind of participant made the change.
    public enum Actor: UInt8, Hashable, Sendable {
        case human = 0
        case agent = 1
        case system = 2
    }

    /// Human, agent or system.
    public var actor: Actor
    /// Display name of the participant.
    public var name: String
    /// For agent edits: the ID of the request being answered.
    public var request: String?
    /// For agent edits: the user the agent acts for.
    public var onBehalfOf: String?

    /// Creates an origin.
    public init(actor: Actor = .human, name: String, request: String? = nil, onBehalfOf: String? = nil) {
        self.actor = actor
        self.name = name
        self.request = request
        self.onBehalfOf = onBehalfOf
    }

    /// An anonymous human origin, the default for documents without one.
    public static let anonymous = Origin(actor: .human, name: "")

    /// A person.
    public static func human(_ name: String) -> Origin { Origin(actor: .human, name: name) }

    /// An agent answering `request` on behalf of `user`.
    public static func agent(_ name: String, request: String? = nil, onBehalfOf user: String? = nil) -> Origin {
        Origin(actor: .agent, name: name, request: request, onBehalfOf: user)
    }

    public var description: String {
        var s = "\(actor) \"\(name)\""
        if let request { s += " request \(request)" }
        if let onBehalfOf { s += " for \(onBehalfOf)" }
        return s
    }
}
