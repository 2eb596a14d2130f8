extension Change {
    /// Encodes `changes` into a compact binary container (columnar, deflated when that is
    /// smaller), for sync messages and storage.
    ///
    /// ```swift
    /// let bytes = Change.encode(document.changes(since: peerVersion))
    /// let received = try Change.decode(bytes)   // == the changes, exactly
    /// ```
    ///
    /// Decoding returns the changes exactly, including origins, timestamps, predecessors and
    /// dependencies. Complexity: O(total size of the changes).
    public static func encode(_ changes: [Change], compression: PayloadCompression = .automatic) -> [UInt8] {
        Container.encode(kind: .changes, payload: ChangeEncoder.encode(changes), compression: compression)
    }

    /// Decodes the changes in a changes or snapshot container.
    ///
    /// Hostile-input safe: any malformed, truncated, corrupted or oversized input throws an
    /// ``EncodingError`` naming the offset and the reason; nothing traps, and allocation is
    /// bounded by `limits`. The changes are only decoded, not checked against a document:
    /// ``Document/apply(_:)`` validates them.
    public static func decode(_ bytes: [UInt8], limits: DecodingLimits = .standard) throws(EncodingError) -> [Change] {
        let container = try Container.decode(bytes, limits: limits)
        try container.expect(.changes, .snapshot)
        return try ChangeDecoder.decode(container)
    }
}
