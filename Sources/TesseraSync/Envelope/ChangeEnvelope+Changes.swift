import TesseraCore

extension ChangeEnvelope {
    /// Makes an envelope for `changes`: one replica's changes covering a contiguous counter
    /// range, in counter order. With a key the payload is sealed, the header bound to it.
    ///
    /// ```swift
    /// let envelope = try ChangeEnvelope(changes: [change], sealedWith: key)
    /// ```
    public init(changes: [Change], sealedWith key: RoomKey? = nil, compression: PayloadCompression = .automatic)
        throws(EnvelopeError)
    {
        guard let first = changes.first else {
            throw .invalidChanges(reason: "no changes")
        }
        guard first.startCounter >= 1 else { throw .invalidChanges(reason: "counters start at 1") }
        var next = first.startCounter
        for change in changes {
            let (end, overflow) = change.startCounter.addingReportingOverflow(change.width)
            guard change.replica == first.replica, change.startCounter == next, change.width > 0, !overflow else {
                throw .invalidChanges(reason: "changes are not one replica's contiguous counter range")
            }
            next = end
        }
        let header = Header(
            replica: first.replica, counters: first.startCounter..<next,
            dependencies: Self.dependencies(of: changes, replica: first.replica, counters: first.startCounter..<next),
            isSealed: key != nil)
        let plaintext = Change.encode(changes, compression: compression)
        if let key {
            do {
                payload = try key.seal(plaintext, authenticating: header.encoded(), purpose: .changes)
            } catch {
                throw .sealing(error, header: header)
            }
        } else {
            payload = plaintext
        }
        self.header = header
    }

    /// Makes one envelope per change (the boundaries every replica agrees on).
    public static func envelopes(for changes: [Change], sealedWith key: RoomKey? = nil) throws(EnvelopeError) -> [ChangeEnvelope] {
        var result: [ChangeEnvelope] = []
        result.reserveCapacity(changes.count)
        for change in changes { result.append(try ChangeEnvelope(changes: [change], sealedWith: key)) }
        return result
    }

    /// Opens the payload and checks that its changes are exactly what the header announces.
    ///
    /// - Parameter key: the room key; required for sealed envelopes. With a key, cleartext
    ///   envelopes are refused (``EnvelopeError/notSealed(_:)``): in a sealed room only a
    ///   member may write, so a relay cannot inject changes.
    /// - Throws: ``EnvelopeError``; nothing is applied anywhere.
    public func open(with key: RoomKey? = nil, limits: DecodingLimits = .standard) throws(EnvelopeError) -> [Change] {
        let plaintext: [UInt8]
        switch (header.isSealed, key) {
        case (true, let key?):
            do {
                plaintext = try key.open(payload, authenticating: header.encoded(), purpose: .changes)
            } catch {
                throw .sealing(error, header: header)
            }
        case (true, nil):
            throw .missingKey(header)
        case (false, .some):
            throw .notSealed(header)
        case (false, nil):
            plaintext = payload
        }
        let changes: [Change]
        do {
            changes = try Change.decode(plaintext, limits: limits)
        } catch {
            throw .decoding(error, header: header)
        }
        try verify(changes)
        return changes
    }

    /// Throws unless `changes` are the header's replica's changes covering exactly its range,
    /// with exactly its dependencies: a payload cannot smuggle in another replica's operations.
    private func verify(_ changes: [Change]) throws(EnvelopeError) {
        var next = header.startCounter
        for change in changes {
            guard change.replica == header.replica else {
                throw .headerMismatch(header, reason: "payload holds a change of replica \(change.replica)")
            }
            guard change.startCounter == next else {
                throw .headerMismatch(header, reason: "payload change starts at \(change.startCounter), expected \(next)")
            }
            // Core's decoder already refuses absurd widths; the guard keeps the sum from overflowing anyway.
            let width = change.width
            guard width > 0, change.startCounter <= UInt64.max - width else {
                throw .headerMismatch(header, reason: "payload change has an invalid width")
            }
            next = change.startCounter + width
        }
        guard !changes.isEmpty, next == header.endCounter else {
            throw .headerMismatch(header, reason: "payload covers \(header.startCounter)..<\(next)")
        }
        guard Self.dependencies(of: changes, replica: header.replica, counters: header.counters) == header.dependencies else {
            throw .headerMismatch(header, reason: "dependencies differ from the payload's")
        }
    }

    /// The canonical header dependencies of `changes`.
    ///
    /// Computed for every envelope made and opened, and a header in a busy room names one
    /// dependency per concurrent writer, so this avoids hashing: collect, sort only when
    /// out of order (one change's dependencies usually are not), drop adjacent duplicates.
    static func dependencies(of changes: [Change], replica: ReplicaID, counters: Range<UInt64>) -> [OpID] {
        var result: [OpID] = []
        result.reserveCapacity(changes.reduce(0) { $0 + $1.dependencies.count })
        for change in changes {
            for dependency in change.dependencies where !(dependency.replica == replica && counters.contains(dependency.counter)) {
                result.append(dependency)
            }
        }
        if !zip(result, result.dropFirst()).allSatisfy({ OpID.headerOrder($0, $1) }) {
            result.sort(by: OpID.headerOrder)
            var unique: [OpID] = []
            unique.reserveCapacity(result.count)
            for dependency in result where unique.last != dependency { unique.append(dependency) }
            result = unique
        }
        return result
    }
}
