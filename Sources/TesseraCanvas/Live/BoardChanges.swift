import TesseraCore

/// The typed changes of a ``LiveBoard``, one array per transaction or applied batch, local
/// and remote alike.
///
/// Each subscriber gets its own sequence (``LiveBoard/changes(bufferLimit:)``); it ends when
/// the subscriber stops iterating. Batches that touch nothing on the board are skipped.
///
/// ```swift
/// for await batch in live.changes() {
///     for change in batch { canvasView.apply(change) }
/// }
/// ```
public struct BoardChanges: AsyncSequence, Sendable {
    /// One transaction's (or one applied batch's) changes.
    public typealias Element = [BoardChange]
    /// The sequence never throws.
    public typealias Failure = Never

    let events: AsyncStream<DocumentEvents>
    let shared: SharedDocument

    /// Creates the iterator.
    public func makeAsyncIterator() -> Iterator {
        Iterator(base: events.makeAsyncIterator(), shared: shared)
    }

    /// Iterates the changes.
    public struct Iterator: AsyncIteratorProtocol {
        var base: AsyncStream<DocumentEvents>.Iterator
        let shared: SharedDocument

        /// The next non-empty batch, or `nil` when the stream has ended.
        ///
        /// Events are translated against the document as it is when the batch is delivered;
        /// if later edits already removed a shape, its earlier updates are dropped (a later
        /// batch reports the removal).
        public mutating func next() async -> [BoardChange]? {
            while let batch = await base.next() {
                let changes = Board(unchecked: shared.document).changes(for: batch.events)
                if !changes.isEmpty { return changes }
            }
            return nil
        }
    }
}
