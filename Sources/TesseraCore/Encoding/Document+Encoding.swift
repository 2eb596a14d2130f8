extension Document {
    /// Encodes every change this document has that a peer at `version` lacks: the delta to
    /// send it.
    ///
    /// ```swift
    /// let delta = alice.encodeChanges(since: bob.version)
    /// try bob.apply(encoded: delta)
    /// ```
    ///
    /// Complexity: O(size of the delta).
    public func encodeChanges(since version: VersionVector, compression: PayloadCompression = .automatic) -> [UInt8] {
        Container.encode(kind: .changes, payload: ChangeEncoder.encode(changes(since: version)), compression: compression)
    }

    /// Encodes the whole document.
    ///
    /// A snapshot currently holds the complete history (every change, in causal order);
    /// loading it replays the history. The format reserves a flag for a materialised-state
    /// section so a later version can load faster without breaking older readers
    /// (FORMAT.md §6). Changes still waiting for their dependencies are not included.
    ///
    /// Complexity: O(size of the history).
    public func encodeSnapshot(compression: PayloadCompression = .automatic) -> [UInt8] {
        Container.encode(kind: .snapshot, payload: ChangeEncoder.encode(changes()), compression: compression)
    }

    /// Loads a document from a snapshot (or a changes container), writing as `replica`.
    ///
    /// A store reopening its own document passes the ID it wrote under before; a copy
    /// opened anywhere else must use a fresh ID (the default), because two processes must
    /// never write under one replica ID.
    ///
    /// ```swift
    /// let copy = try Document(decoding: original.encodeSnapshot())
    /// copy.materialize() == original.materialize()   // true
    /// ```
    ///
    /// - Throws: ``EncodingError``; ``EncodingError/rejected(_:)`` if the bytes decode but
    ///   the changes are invalid.
    public init(decoding bytes: [UInt8], replica: ReplicaID = .random(), origin: Origin = .anonymous,
                limits: DecodingLimits = .standard) throws(EncodingError) {
        let changes = try Change.decode(bytes, limits: limits)
        var document = Document(replica: replica, origin: origin)
        do {
            try document.apply(changes)
        } catch {
            throw .rejected(error)
        }
        self = document
    }

    /// Applies encoded changes (a delta or a snapshot) received from another replica.
    ///
    /// The bytes are decoded completely before the document is touched, and the changes are
    /// then applied atomically (``apply(_:)``): on any error the document is exactly as
    /// before. Changes whose dependencies are missing wait in the pending buffer.
    ///
    /// - Returns: the visible changes, in order.
    @discardableResult
    public mutating func apply(encoded bytes: [UInt8], limits: DecodingLimits = .standard) throws(EncodingError) -> DocumentEvents {
        let changes = try Change.decode(bytes, limits: limits)
        do {
            return try apply(changes)
        } catch {
            throw .rejected(error)
        }
    }
}
