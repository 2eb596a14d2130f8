/// Changes that arrived before their dependencies, indexed by the one operation each is
/// waiting for, so applying a change wakes exactly the changes it unblocks.
struct PendingBuffer: Sendable {
    /// Waiting changes by (replica, counter) they wait for.
    var waiting: [ReplicaID: [(counter: UInt64, change: Change)]] = [:]
    var count = 0

    mutating func add(_ change: Change, waitingFor id: OpID) {
        waiting[id.replica, default: []].append((id.counter, change))
        count += 1
    }

    /// Removes and returns the changes waiting for an operation of `replica` at or below `counter`.
    mutating func release(replica: ReplicaID, upTo counter: UInt64) -> [Change] {
        guard var list = waiting[replica] else { return [] }
        var released: [Change] = []
        list.removeAll { entry in
            if entry.counter <= counter {
                released.append(entry.change)
                return true
            }
            return false
        }
        waiting[replica] = list.isEmpty ? nil : list
        count -= released.count
        return released
    }

    var all: [Change] { waiting.values.flatMap { $0.map(\.change) } }
}
