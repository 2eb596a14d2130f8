import TesseraCanvas
import TesseraCore

/// One request to the AI, as stored in the board's `ai` map and read back by every replica.
///
/// The layout (plain maps, so a replica without this module can read it):
///
/// ```text
/// ai: map
/// └── "<request ID>": map
///     ├── prompt: string            what was asked
///     ├── author: string            who asked (display name)
///     ├── authorReplica: string     the asker's replica (16 hex digits)
///     ├── message: string           the question's chat message ID, if it was posted
///     ├── createdAt: int            wall-clock ms of the filer (display, and the base of claim staggering)
///     ├── retriedAt: int            wall-clock ms of the last retry, if any
///     ├── status: string            pending | claimed | answered | failed | rejected
///     ├── claim: map                replaced as a whole by every new claim (last writer wins)
///     │   ├── replica: string       the claiming replica
///     │   ├── attempt: int          1, 2, … (one more than the claim it replaces)
///     │   ├── leaseExpires: int     wall-clock ms; renewed while the claimant runs
///     │   └── origin: string        the origin name its edits carry
///     ├── answers: map              one entry per answering replica (kept, never overwritten)
///     │   └── "<replica>": map { replica, attempt, message, origin, answeredAt }
///     ├── answer: string            the chat message of the answer that counts
///     └── error: string             why the last attempt failed
/// ```
///
/// Every answer is kept under its replica's key, so when two partitioned replicas both
/// answered, the merged document shows both and every replica picks the same one to keep
/// (``RelayElection/answerToKeep(among:for:)``).
public struct AgentRequest: Hashable, Sendable, Identifiable {
    /// Where a request stands.
    public enum Status: String, Hashable, Sendable, CaseIterable {
        /// Filed, waiting for the elected replica to claim it.
        case pending
        /// A replica holds a lease on it and is running it.
        case claimed
        /// A replica answered it.
        case answered
        /// The last attempt failed (see ``AgentRequest/error``); it can be retried.
        case failed
        /// A person rejected its edits; they were reverted.
        case rejected
    }

    /// A replica's claim on the request.
    public struct Claim: Hashable, Sendable {
        /// The claiming replica.
        public var replica: ReplicaID
        /// Which attempt this is: one more than the claim it replaced.
        public var attempt: Int
        /// When the lease runs out (wall-clock ms) unless renewed.
        public var leaseExpires: Int64
        /// The origin name the claimant's edits carry.
        public var origin: String

        /// Creates a claim.
        public init(replica: ReplicaID, attempt: Int, leaseExpires: Int64, origin: String) {
            self.replica = replica
            self.attempt = attempt
            self.leaseExpires = leaseExpires
            self.origin = origin
        }
    }

    /// A replica's answer.
    public struct Answer: Hashable, Sendable {
        /// The answering replica.
        public var replica: ReplicaID
        /// The attempt it answered in.
        public var attempt: Int
        /// Its reply in the chat.
        public var message: MessageID
        /// The origin name its edits carry.
        public var origin: String
        /// When it answered (wall-clock ms, display only).
        public var answeredAt: Int64

        /// Creates an answer record.
        public init(replica: ReplicaID, attempt: Int, message: MessageID, origin: String, answeredAt: Int64) {
            self.replica = replica
            self.attempt = attempt
            self.message = message
            self.origin = origin
            self.answeredAt = answeredAt
        }
    }

    /// The request's ID.
    public var id: RequestID
    /// What was asked.
    public var prompt: String
    /// Who asked (display name).
    public var author: String
    /// The asker's replica, if known.
    public var authorReplica: ReplicaID?
    /// The question's chat message, if it was posted.
    public var message: MessageID?
    /// When it was filed (the filer's wall clock, ms).
    public var createdAt: Int64
    /// When it was last retried (wall clock, ms).
    public var retriedAt: Int64?
    /// Where it stands.
    public var status: Status
    /// The current claim.
    public var claim: Claim?
    /// Every answer recorded, sorted by replica.
    public var answers: [Answer]
    /// The chat message of the answer that counts, as last written.
    public var answerMessage: MessageID?
    /// Why the last attempt failed.
    public var error: String?

    /// Creates a request value.
    public init(
        id: RequestID, prompt: String, author: String, authorReplica: ReplicaID? = nil, message: MessageID? = nil,
        createdAt: Int64, retriedAt: Int64? = nil, status: Status = .pending, claim: Claim? = nil, answers: [Answer] = [],
        answerMessage: MessageID? = nil, error: String? = nil
    ) {
        self.id = id
        self.prompt = prompt
        self.author = author
        self.authorReplica = authorReplica
        self.message = message
        self.createdAt = createdAt
        self.retriedAt = retriedAt
        self.status = status
        self.claim = claim
        self.answers = answers
        self.answerMessage = answerMessage
        self.error = error
    }

    /// The answer that counts (see ``RelayElection/answerToKeep(among:for:)``).
    public var keptAnswer: Answer? { RelayElection.answerToKeep(among: answers, for: id) }

    /// The time claim staggering counts from: the last retry, or the filing.
    public var pendingSince: Int64 { retriedAt ?? createdAt }
}

/// Keys of a request map.
enum RequestKey {
    static let prompt = "prompt"
    static let author = "author"
    static let authorReplica = "authorReplica"
    static let message = "message"
    static let createdAt = "createdAt"
    static let retriedAt = "retriedAt"
    static let status = "status"
    static let claim = "claim"
    static let answers = "answers"
    static let answer = "answer"
    static let error = "error"
    static let replica = "replica"
    static let attempt = "attempt"
    static let leaseExpires = "leaseExpires"
    static let origin = "origin"
    static let answeredAt = "answeredAt"
    static let rejectedBy = "rejectedBy"
}

extension AgentRequest {
    /// Reads the request stored in map `object` under key `id`; `nil` if it is not a request
    /// (no prompt). Tolerates missing fields, which a newer or older writer may omit.
    init?(reading object: ObjectID, id: RequestID, in document: Document) {
        func value(_ key: String, in map: ObjectID = object) -> Value? { (try? document.get(key, in: map)) ?? nil }
        func map(_ key: String, in parent: ObjectID = object) -> ObjectID? {
            guard case .object(let child)? = value(key, in: parent), document.kind(of: child) == .map else { return nil }
            return child
        }
        guard let prompt = value(RequestKey.prompt)?.stringValue else { return nil }
        self.init(
            id: id, prompt: prompt, author: value(RequestKey.author)?.stringValue ?? "",
            authorReplica: value(RequestKey.authorReplica)?.stringValue.flatMap { ReplicaID(hex: $0) },
            message: value(RequestKey.message)?.stringValue.map { MessageID($0) },
            createdAt: value(RequestKey.createdAt)?.intValue ?? 0, retriedAt: value(RequestKey.retriedAt)?.intValue,
            status: value(RequestKey.status)?.stringValue.flatMap(Status.init(rawValue:)) ?? .pending)
        if let claimMap = map(RequestKey.claim), let replica = value(RequestKey.replica, in: claimMap)?.stringValue.flatMap({ ReplicaID(hex: $0) }) {
            claim = Claim(
                replica: replica, attempt: Int(value(RequestKey.attempt, in: claimMap)?.intValue ?? 1),
                leaseExpires: value(RequestKey.leaseExpires, in: claimMap)?.intValue ?? 0,
                origin: value(RequestKey.origin, in: claimMap)?.stringValue ?? "")
        }
        if let answersMap = map(RequestKey.answers), let entries = try? document.entries(in: answersMap) {
            answers = entries.compactMap { entry -> Answer? in
                guard case .object(let answer) = entry.value, document.kind(of: answer) == .map,
                    let replica = value(RequestKey.replica, in: answer)?.stringValue.flatMap({ ReplicaID(hex: $0) }),
                    let message = value(RequestKey.message, in: answer)?.stringValue
                else { return nil }
                return Answer(
                    replica: replica, attempt: Int(value(RequestKey.attempt, in: answer)?.intValue ?? 1), message: MessageID(message),
                    origin: value(RequestKey.origin, in: answer)?.stringValue ?? "",
                    answeredAt: value(RequestKey.answeredAt, in: answer)?.intValue ?? 0)
            }
        }
        answerMessage = value(RequestKey.answer)?.stringValue.map { MessageID($0) }
        error = value(RequestKey.error)?.stringValue
    }
}
