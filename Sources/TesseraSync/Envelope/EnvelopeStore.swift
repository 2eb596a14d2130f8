import TesseraCore

/// What a relay keeps of a room: every change envelope, per replica in counter order,
/// selected by version vector through their headers alone.
///
/// The store never reads payloads, so it works the same for sealed (end-to-end encrypted)
/// and cleartext rooms. It is the relay's ``SyncSource``.
///
/// ```swift
/// var store = EnvelopeStore()
/// try store.insert(contentsOf: envelopes)                 // deduplicated by header
/// let delta = store.envelopes(missingFrom: peer.version)  // by header only
/// ```
///
/// Envelopes may arrive with gaps (a replica's range 8..<10 before 5..<8); they are kept,
/// but ``version`` counts only each replica's contiguous prefix, and a gap stops what is
/// served for that replica until it fills.
public struct EnvelopeStore: Sendable {
    struct Entry: Sendable {
        var envelope: ChangeEnvelope
        /// Arrival order, so deltas go out roughly in the causal order they came in.
        var sequence: UInt64
        /// Whether every dependency was stored when the envelope arrived. The contiguous
        /// prefixes only grow, so it stays true, and selection skips the per-dependency
        /// check — a header in a busy room names one dependency per active writer.
        var dependenciesStored: Bool
    }

    /// Per replica, sorted by start counter, ranges disjoint.
    private var replicas: [ReplicaID: [Entry]] = [:]
    private var contiguous: [ReplicaID: UInt64] = [:]
    private var nextSequence: UInt64 = 0

    /// The number of envelopes stored.
    public private(set) var count = 0
    /// The payload bytes stored.
    public private(set) var payloadByteCount = 0

    /// An empty store.
    public init() {}

    /// A store holding `envelopes` (for instance loaded from disk).
    public init(_ envelopes: [ChangeEnvelope]) throws(EnvelopeError) {
        try insert(contentsOf: envelopes)
    }

    /// Per replica, the highest counter up to which every operation is stored.
    ///
    /// Complexity: O(replicas).
    public var version: VersionVector { VersionVector(contiguous) }

    /// Every stored envelope, in arrival order (for persistence).
    public var allEnvelopes: [ChangeEnvelope] {
        replicas.values.joined().sorted { $0.sequence < $1.sequence }.map(\.envelope)
    }

    /// Stores one envelope.
    ///
    /// - Returns: `false` if an identical header was already stored (the duplicate is ignored).
    /// - Throws: ``EnvelopeError/overlapping(replica:existing:received:)``,
    ///   ``EnvelopeError/conflictingHeader(existing:received:)`` or
    ///   ``EnvelopeError/invalidHeader(_:)``; the store is unchanged.
    ///
    /// Complexity: O(log n) to find the place, plus the array insertion when it is not at the end.
    @discardableResult
    public mutating func insert(_ envelope: ChangeEnvelope) throws(EnvelopeError) -> Bool {
        try insert(contentsOf: [envelope]) == 1
    }

    /// Stores a batch atomically: either every new envelope is stored or, on a conflict,
    /// none is.
    ///
    /// - Returns: the number of envelopes that were new.
    @discardableResult
    public mutating func insert(contentsOf envelopes: [ChangeEnvelope]) throws(EnvelopeError) -> Int {
        let fresh = try newEnvelopes(in: envelopes)
        for envelope in fresh { store(envelope) }
        return fresh.count
    }

    /// The envelopes of `envelopes` that ``insert(contentsOf:)`` would store, without storing
    /// them: a durable store writes exactly these to disk first, then inserts them.
    ///
    /// - Throws: what ``insert(contentsOf:)`` throws, for the same batch.
    public func newEnvelopes(in envelopes: [ChangeEnvelope]) throws(EnvelopeError) -> [ChangeEnvelope] {
        // Validate everything before touching the store, including conflicts inside the batch.
        var accepted: [ReplicaID: [ChangeEnvelope.Header]] = [:]
        var fresh: [ChangeEnvelope] = []
        for envelope in envelopes {
            let header = envelope.header
            guard header.isValid else { throw .invalidHeader(header) }
            guard try !isStored(header) else { continue }
            for other in accepted[header.replica] ?? [] {
                if other == header { continue }
                if other.counters == header.counters { throw .conflictingHeader(existing: other, received: header) }
                if other.counters.overlaps(header.counters) {
                    throw .overlapping(replica: header.replica, existing: other.counters, received: header.counters)
                }
            }
            if accepted[header.replica]?.contains(header) == true { continue }
            accepted[header.replica, default: []].append(header)
            fresh.append(envelope)
        }
        return fresh
    }

    /// Envelopes that a peer at `version` lacks, in arrival order within each replica's
    /// counter order, up to about `byteLimit` encoded bytes (always at least one when any is
    /// missing).
    ///
    /// Per replica, the selection starts at the envelope containing `version[replica] + 1`
    /// and stops at a gap, or at an envelope depending on operations neither the store nor
    /// the peer has: the peer could not apply anything past it.
    ///
    /// Complexity: O(r log n + k log k) for r replicas, n envelopes per replica and k selected.
    public func envelopes(missingFrom version: VersionVector, byteLimit: Int = .max) -> [ChangeEnvelope] {
        var candidates: [(key: UInt64, entry: Entry)] = []
        // What the store or the peer has, looked up without building the union per call.
        func known(_ id: OpID) -> Bool { (contiguous[id.replica] ?? 0) >= id.counter || version.includes(id) }
        for (replica, entries) in replicas {
            var have = version[replica]
            // First entry whose range ends past what the peer has.
            var index = Self.firstIndex(in: entries) { $0.envelope.header.endCounter > have &+ 1 }
            var key: UInt64 = 0
            while index < entries.count {
                let entry = entries[index]
                let header = entry.envelope.header
                guard header.startCounter <= have &+ 1 else { break }
                guard entry.dependenciesStored || header.dependencies.allSatisfy(known) else { break }
                // Keys grow along each replica's list, so the sort below keeps counter order.
                key = max(key, entry.sequence)
                candidates.append((key, entry))
                have = header.endCounter - 1
                index += 1
            }
        }
        candidates.sort { ($0.key, $0.entry.sequence) < ($1.key, $1.entry.sequence) }
        var result: [ChangeEnvelope] = []
        var bytes = 0
        for candidate in candidates {
            let size = candidate.entry.envelope.encodedByteCount
            if !result.isEmpty, bytes + size > byteLimit { break }
            result.append(candidate.entry.envelope)
            bytes += size
        }
        return result
    }

    /// The encoded bytes of every envelope ``envelopes(missingFrom:byteLimit:)`` would return
    /// without a limit.
    public func byteCount(missingFrom version: VersionVector) -> Int {
        envelopes(missingFrom: version).reduce(0) { $0 + $1.encodedByteCount }
    }

    /// Whether an envelope with this header is already stored; throws if one contradicts it.
    private func isStored(_ header: ChangeEnvelope.Header) throws(EnvelopeError) -> Bool {
        guard let entries = replicas[header.replica] else { return false }
        let index = Self.firstIndex(in: entries) { $0.envelope.header.startCounter >= header.startCounter }
        if index < entries.count {
            let existing = entries[index].envelope.header
            if existing.counters == header.counters {
                if existing == header { return true }
                throw .conflictingHeader(existing: existing, received: header)
            }
            if existing.counters.overlaps(header.counters) {
                throw .overlapping(replica: header.replica, existing: existing.counters, received: header.counters)
            }
        }
        if index > 0 {
            let previous = entries[index - 1].envelope.header
            if previous.counters.overlaps(header.counters) {
                throw .overlapping(replica: header.replica, existing: previous.counters, received: header.counters)
            }
        }
        return false
    }

    private mutating func store(_ envelope: ChangeEnvelope) {
        let header = envelope.header
        let dependenciesStored = header.dependencies.allSatisfy { (contiguous[$0.replica] ?? 0) >= $0.counter }
        let entry = Entry(envelope: envelope, sequence: nextSequence, dependenciesStored: dependenciesStored)
        nextSequence += 1
        count += 1
        payloadByteCount += envelope.payload.count
        var entries = replicas.removeValue(forKey: header.replica) ?? []
        if let last = entries.last, last.envelope.header.startCounter > header.startCounter {
            let index = Self.firstIndex(in: entries) { $0.envelope.header.startCounter > header.startCounter }
            entries.insert(entry, at: index)
        } else {
            entries.append(entry)
        }
        // Advance the contiguous prefix across the new envelope and any gap it closed.
        var have = contiguous[header.replica] ?? 0
        var index = Self.firstIndex(in: entries) { $0.envelope.header.endCounter > have &+ 1 }
        while index < entries.count, entries[index].envelope.header.startCounter <= have &+ 1 {
            have = max(have, entries[index].envelope.header.endCounter - 1)
            index += 1
        }
        contiguous[header.replica] = have == 0 ? nil : have
        replicas[header.replica] = entries
    }

    /// Binary search: the first index whose entry satisfies `predicate` (which must be
    /// false then true along the array).
    private static func firstIndex(in entries: [Entry], where predicate: (Entry) -> Bool) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if predicate(entries[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
