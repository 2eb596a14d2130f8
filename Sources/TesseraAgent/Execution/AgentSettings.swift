import TesseraCore
import TesseraSync

/// Who the agent is on the board: the name people see in the chat and next to its cursor.
public struct AgentIdentity: Hashable, Sendable {
    /// The display name, e.g. `"Tessa"`.
    public var name: String
    /// The presence colour.
    public var color: PresenceColor?

    /// Creates an identity.
    public init(name: String = "Tessa", color: PresenceColor? = PresenceColor(red: 0x7c, green: 0x3a, blue: 0xed)) {
        self.name = name
        self.color = color
    }

    /// The origin name of the edits replica `replica` makes as this agent: `name@replica`.
    ///
    /// Origins carry no replica ID, and ``TesseraCore/Document/revert(where:as:)`` selects
    /// changes by origin alone; two replicas answering the same request (a partition) must
    /// still be told apart so that one answer's edits can be reverted without the other's.
    /// Chat messages show ``name``; the suffix appears only in attribution.
    public func originName(on replica: ReplicaID) -> String { "\(name)@\(replica)" }
}

/// How an agent works: rounds, streaming, context size, election timing.
public struct AgentSettings: Hashable, Sendable {
    /// The most model calls per request; a request still calling tools after that fails
    /// (its edits stay until someone retries or rejects it). Invalid tool calls count, so a
    /// model that keeps getting arguments wrong cannot loop forever.
    public var maximumRounds: Int
    /// Whether replies stream into the chat as they are generated.
    public var streaming: Bool
    /// How much of the board the model sees.
    public var context: ContextLimits
    /// Leases, renewals and staggering.
    public var election: ElectionPolicy
    /// Extra instructions appended to the system prompt.
    public var instructions: String?
    /// Sampling temperature; `nil` uses the model configuration's.
    public var temperature: Double?
    /// After failing to reach its model, how long the agent stays out of elections (shown as
    /// `away`), so a retried request goes to an agent whose model works.
    public var unreachableCooldown: Duration
    /// How often a started participant looks at its requests when nothing else wakes it.
    public var tickInterval: Duration
    /// How often the agent re-announces an unchanged presence record (well under the peers'
    /// presence timeout, 30 s by default).
    public var presenceRefreshInterval: Duration

    /// Creates settings.
    public init(
        maximumRounds: Int = 6, streaming: Bool = true, context: ContextLimits = ContextLimits(), election: ElectionPolicy = ElectionPolicy(),
        instructions: String? = nil, temperature: Double? = nil, unreachableCooldown: Duration = .seconds(60), tickInterval: Duration = .seconds(1),
        presenceRefreshInterval: Duration = .seconds(10)
    ) {
        self.maximumRounds = max(1, maximumRounds)
        self.streaming = streaming
        self.context = context
        self.election = election
        self.instructions = instructions
        self.temperature = temperature
        self.unreachableCooldown = unreachableCooldown
        self.tickInterval = tickInterval
        self.presenceRefreshInterval = presenceRefreshInterval
    }
}
