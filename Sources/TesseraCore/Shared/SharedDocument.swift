import Synchronization

/// A document shared between tasks: serialised access plus a stream of change events.
///
/// `Document` is a value type; `SharedDocument` is the reference a UI, a sync session and
/// an agent hold together. Every mutation runs under a lock and its events are delivered,
/// in order, to every subscriber of ``events()``.
///
/// ```swift
/// let shared = SharedDocument(Document(origin: .human("Ada")))
/// let events = shared.events()
/// try shared.transact { doc in try doc.set("title", to: "Plan") }
/// for await batch in events { print(batch.events) }
/// ```
public final class SharedDocument: Sendable {
    private struct State {
        var document: Document
        /// Called under the lock with each batch and the document state right after it.
        var subscribers: [Int: @Sendable (DocumentEvents, Document) -> Void] = [:]
        var nextSubscriber = 0
    }

    private let state: Mutex<State>

    /// Wraps `document`.
    public init(_ document: Document) {
        state = Mutex(State(document: document))
    }

    /// A copy of the current document (cheap: copy-on-write).
    public var document: Document { state.withLock { $0.document } }

    /// Reads the document under the lock.
    public func read<R>(_ body: (borrowing Document) throws -> R) rethrows -> R {
        try state.withLock { try body($0.document) }
    }

    /// Runs a transaction (see ``Document/transact(origin:_:)``) and publishes its events.
    @discardableResult
    public func transact<E: Error>(origin: Origin? = nil, _ body: (inout Document) throws(E) -> Void) throws(E) -> Commit {
        try state.withLock { (state: inout State) throws(E) -> Commit in
            let commit = try state.document.transact(origin: origin, body)
            if !commit.events.isEmpty {
                let origin = origin ?? state.document.origin
                publish(DocumentEvents(isLocal: true, origins: [origin], events: commit.events), to: state)
            }
            return commit
        }
    }

    /// Applies remote changes (see ``Document/apply(_:)``) and publishes their events.
    @discardableResult
    public func apply(_ changes: [Change]) throws(DocumentError) -> DocumentEvents {
        try state.withLock { (state: inout State) throws(DocumentError) -> DocumentEvents in
            let events = try state.document.apply(changes)
            if !events.events.isEmpty { publish(events, to: state) }
            return events
        }
    }

    /// Runs any mutation of the document under the lock, publishing `events` it returns.
    public func mutate<R>(_ body: (inout Document) throws -> (R, DocumentEvents?)) rethrows -> R {
        try state.withLock { state in
            let (result, events) = try body(&state.document)
            if let events, !events.events.isEmpty { publish(events, to: state) }
            return result
        }
    }

    /// A stream of every event batch from now on. The stream ends when the subscriber stops
    /// iterating; slow subscribers keep at most `bufferLimit` batches (oldest dropped).
    public func events(bufferLimit: Int = 1024) -> AsyncStream<DocumentEvents> {
        events(bufferLimit: bufferLimit) { events, _ in events }
    }

    /// A stream of values derived from each event batch *and the document state right after
    /// it*, computed under the lock, so a typed layer can translate events against exactly
    /// the state they describe. Batches for which `transform` returns `nil` are skipped.
    public func events<T: Sendable>(
        bufferLimit: Int = 1024, transform: @escaping @Sendable (DocumentEvents, Document) -> T?
    ) -> AsyncStream<T> {
        let (stream, continuation) = AsyncStream<T>.makeStream(bufferingPolicy: .bufferingNewest(bufferLimit))
        let id = state.withLock { state in
            let id = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[id] = { events, document in
                if let value = transform(events, document) { continuation.yield(value) }
            }
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    private func publish(_ events: DocumentEvents, to state: borrowing State) {
        for subscriber in state.subscribers.values { subscriber(events, state.document) }
    }
}
