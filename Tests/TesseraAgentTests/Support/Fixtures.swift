import Synchronization
import TesseraAgent
import TesseraCanvas
import TesseraCore
import TesseraSync
import TesseraTestSupport

/// A wall clock the test moves by hand; `sleep` only yields, so a started loop spins
/// through virtual time without slowing the test.
final class ManualClock: AgentClock {
    private let time: Mutex<Int64>

    init(now: Int64 = 1_700_000_000_000) { time = Mutex(now) }

    func now() -> Int64 { time.withLock { $0 } }

    func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        time.withLock { $0 += seconds * 1000 + attoseconds / 1_000_000_000_000_000 }
    }

    func sleep(for duration: Duration) async throws { try await Task.sleep(for: .milliseconds(2)) }
}

/// Fast retries, short timeouts: a test never waits seconds for a backoff.
let testRetryPolicy = RetryPolicy(maximumAttempts: 3, initialDelay: .milliseconds(10), maximumDelay: .milliseconds(40))

/// A client for `server` with `apiKey` (which selects the server's script).
///
/// The default timeouts only guard against a hang. The scripted server writes its replies
/// from tasks on the shared cooperative pool. During `swift test` on a 2-core machine, the
/// suite's CPU-heavy tests can hold that pool for over a minute. One CI run saw a reply wait past
/// a 60-second idle timeout: the client then retried a refusal it had never read.
/// A test of the idle timeout passes its own.
func makeClient(_ server: ScriptedModelServer, apiKey: String, retry: RetryPolicy = testRetryPolicy, idleTimeout: Duration = .seconds(600)) throws -> ChatCompletionsClient {
    try ChatCompletionsClient(configuration: ModelConfiguration(
        baseURL: server.baseURL, apiKey: apiKey, model: "test-model", connectTimeout: .seconds(10), idleTimeout: idleTimeout,
        requestTimeout: .seconds(900), retry: retry))
}

/// Replicas of one board, each with its own replica ID, synced by merging.
struct Room {
    let base: Board

    init() {
        var board = Board(replica: ReplicaID(rawValue: 0xB0A2D)!, origin: .human("setup"))
        _ = try? board.post("Welcome to the board")
        base = board
    }

    /// A person's replica.
    func person(_ name: String, replica: UInt64) -> LiveBoard {
        LiveBoard(base.fork(replica: ReplicaID(rawValue: replica)!, origin: .human(name)))
    }

    /// An agent's replica.
    func agentBoard(replica: UInt64) -> LiveBoard {
        LiveBoard(base.fork(replica: ReplicaID(rawValue: replica)!, origin: .agent("agent")))
    }

    /// Merges every board into every other, so all hold the same changes.
    static func sync(_ boards: [LiveBoard]) throws {
        for _ in 0..<2 {
            for a in boards {
                for b in boards where a !== b { try a.merge(b.board) }
            }
        }
    }

    /// Copies what `from` has into `to` (one direction).
    static func deliver(from: LiveBoard, to: LiveBoard) throws { try to.merge(from.board) }
}

/// Announces `agents` (and people) in each other's presence channels.
func announce(_ records: [(ReplicaID, PresenceRecord)], to channels: [LocalPresenceChannel]) {
    for channel in channels {
        for (replica, record) in records { channel.merge(record, of: replica, clock: 1) }
    }
}

func agentRecord(_ name: String) -> PresenceRecord { PresenceRecord(displayName: name, actor: .agent) }

/// The messages of `request`'s replies (agent messages tagged with it).
func agentReplies(to request: RequestID, on board: LiveBoard) -> [ChatMessage] {
    board.messages.filter { $0.request == request.rawValue && $0.author.isAgent }
}

/// Polls `condition` every 10 ms until it holds, for at most `timeout` worth of polls (see
/// ``pollUntil(every:atMost:_:)``, which counts polls rather than wall-clock time).
func eventually(timeout: Duration = .seconds(120), _ condition: () async -> Bool) async -> Bool {
    await pollUntil(every: .milliseconds(10), atMost: timeout, condition)
}
