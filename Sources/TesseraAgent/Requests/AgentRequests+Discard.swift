import TesseraCanvas
import TesseraCore

extension AgentRequests {
    /// Takes back the edits that agents with origin names in `origins` made for `request`:
    /// the answer that does not count after a partition, or an abandoned attempt.
    ///
    /// Two steps, because a plain revert is not enough when two answers wrote the same
    /// property concurrently: revert (like undo) leaves a register alone unless every live
    /// value in it came from the reverted changes, so where the discarded answer's value won
    /// a concurrent write of the kept answer (or of a person), that value would stay. So:
    /// 1. revert every change with origin (agent, `request`, name in `origins`), in one change;
    /// 2. for every shape property whose visible value is still a discarded write while other
    ///    concurrent writes are live, write the best of those again (the register's order
    ///    without the discarded writes).
    ///
    /// Shapes the discarded origins created disappear, shapes they deleted come back, their
    /// chat replies leave the chat, text they typed is removed. Running it twice is harmless:
    /// the second revert finds every register already rewritten by someone else and every
    /// insertion already removed, and writes nothing.
    ///
    /// - Returns: the events of what changed.
    static func discard(
        origins: Set<String>, of request: RequestID, in doc: inout Document, as origin: Origin
    ) throws(DocumentError) -> [DocumentEvent] {
        guard !origins.isEmpty else { return [] }
        let isDiscarded: (Origin) -> Bool = { $0.actor == .agent && $0.request == request.rawValue && origins.contains($0.name) }
        let reverted = try doc.revert(where: isDiscarded, as: origin)
        guard case .object(let shapes)? = try doc.get("shapes"), doc.kind(of: shapes) == .map else { return reverted.events }
        var rewrites: [(object: ObjectID, key: String, value: Value?)] = []
        for (_, value) in try doc.entries(in: shapes) {
            guard case .object(let shape) = value, doc.kind(of: shape) == .map else { continue }
            for property in ShapeProperty.allCases where property != .text {
                let writes = try doc.conflictingWrites(property.key, in: shape)
                guard writes.count > 1, let winner = writes.first, isDiscarded(winner.origin),
                    let kept = writes.first(where: { !isDiscarded($0.origin) })
                else { continue }
                if case .object? = kept.value { continue }
                rewrites.append((shape, property.key, kept.value))
            }
        }
        guard !rewrites.isEmpty else { return reverted.events }
        let commit = try doc.transact(origin: origin) { (doc: inout Document) throws(DocumentError) in
            for rewrite in rewrites {
                if let value = rewrite.value {
                    try doc.set(rewrite.key, to: value, in: rewrite.object)
                } else {
                    try doc.delete(rewrite.key, in: rewrite.object)
                }
            }
        }
        return reverted.events + commit.events
    }
}
