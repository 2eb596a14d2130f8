/// When a ``StoredDocument`` folds its saved changes into a snapshot.
///
/// Every save appends one row per change, which keeps saves small and cheap; once
/// ``threshold`` rows have accumulated since the last snapshot, the next save starts a
/// background task that encodes a snapshot of the saved document and, in one transaction,
/// stores it and deletes the rows it covers.
///
/// ```swift
/// let stored = try store.document("plan", compaction: CompactionPolicy(threshold: 200))
/// let manual = try store.document("log", compaction: .manual)    // only compact(_:) compacts
/// ```
public struct CompactionPolicy: Hashable, Sendable {
    /// Change rows since the last snapshot that trigger a background compaction; `nil` never does.
    public var threshold: Int?

    /// Creates a policy.
    public init(threshold: Int?) {
        self.threshold = threshold.map { max(1, $0) }
    }

    /// Compact after 500 changes: a snapshot costs about as much to write as a few hundred
    /// small change rows, and loading replays the history either way.
    public static let standard = CompactionPolicy(threshold: 500)

    /// Never compact in the background.
    public static let manual = CompactionPolicy(threshold: nil)
}
