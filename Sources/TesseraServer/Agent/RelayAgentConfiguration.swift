import TesseraAgent

/// How a relay runs the AI participant itself (`tessera serve --agent`).
///
/// With a configuration, the relay starts a ``TesseraAgent/HostedAgent`` in every room that
/// gets a client — an in-process participant with its own replica, attached to the room like
/// any client (``RoomRegistry/attach(_:toRoom:)``) — and takes part in the relay election
/// with the agents of the room's people. When the last client leaves, the agent finishes
/// what is pending (at most ``lingerAfterLastClient``), then leaves too.
///
/// End-to-end encrypted rooms get no relay agent: the relay cannot read them.
///
/// ```swift
/// let client = try ChatCompletionsClient(configuration: .fromEnvironment())
/// let relay = RelayServer(configuration: configuration, store: store,
///                         agent: RelayAgentConfiguration(model: client), logger: logger)
/// ```
public struct RelayAgentConfiguration: Sendable {
    /// The model every room's agent talks to (one client, shared).
    public var model: any ChatModel
    /// The agent's name and colour.
    public var identity: AgentIdentity
    /// Rounds, streaming, context, election timing.
    public var settings: AgentSettings
    /// How long an agent stays after its room's last client left, to finish pending requests.
    public var lingerAfterLastClient: Duration

    /// Creates a configuration.
    public init(
        model: any ChatModel, identity: AgentIdentity = AgentIdentity(), settings: AgentSettings = AgentSettings(),
        lingerAfterLastClient: Duration = .seconds(120)
    ) {
        self.model = model
        self.identity = identity
        self.settings = settings
        self.lingerAfterLastClient = lingerAfterLastClient
    }
}
