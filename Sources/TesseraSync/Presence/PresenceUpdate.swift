import TesseraCore

/// One participant's presence as it travels: a cleartext header (whose, which clock) and a
/// record payload, sealed in an end-to-end encrypted room — or a departure.
///
/// The header stays readable so a relay can keep the latest update per participant for
/// newcomers and announce departures when a connection drops, without the room key.
public struct PresenceUpdate: Hashable, Sendable, CustomStringConvertible {
    /// The participant.
    public var replica: ReplicaID
    /// The participant's presence clock: a higher clock replaces a lower one.
    public var clock: UInt64
    /// The record, or the departure.
    public var content: Content

    /// What an update carries.
    public enum Content: Hashable, Sendable {
        /// An encoded ``PresenceRecord``.
        case record([UInt8])
        /// A ``PresenceRecord`` sealed with the room key.
        case sealedRecord([UInt8])
        /// The participant left (or its connection dropped).
        case left
    }

    /// Creates an update from its parts.
    public init(replica: ReplicaID, clock: UInt64, content: Content) {
        self.replica = replica
        self.clock = clock
        self.content = content
    }

    /// An update carrying `record`, sealed when `key` is given.
    public init(replica: ReplicaID, clock: UInt64, record: PresenceRecord, sealedWith key: RoomKey? = nil) throws(PresenceError) {
        self.init(replica: replica, clock: clock, content: .left)
        let plaintext = record.encoded()
        if let key {
            do {
                content = .sealedRecord(try key.seal(plaintext, authenticating: associatedData(sealed: true), purpose: .presence))
            } catch {
                throw .sealing(error)
            }
        } else {
            content = .record(plaintext)
        }
    }

    /// A departure.
    public static func left(_ replica: ReplicaID, clock: UInt64) -> PresenceUpdate {
        PresenceUpdate(replica: replica, clock: clock, content: .left)
    }

    /// Whether the payload is sealed.
    public var isSealed: Bool {
        if case .sealedRecord = content { return true }
        return false
    }

    /// The record, opened with `key` in a sealed room; `nil` for a departure.
    ///
    /// - Throws: ``PresenceError``; with a key, cleartext records are refused, so a relay
    ///   cannot forge presence in a sealed room.
    public func record(openedWith key: RoomKey? = nil, limits: WireLimits = .standard) throws(PresenceError) -> PresenceRecord? {
        let plaintext: [UInt8]
        switch (content, key) {
        case (.left, _):
            return nil
        case (.record, .some):
            throw .notSealed(replica)
        case (.sealedRecord, nil):
            throw .missingKey(replica)
        case (.record(let bytes), nil):
            plaintext = bytes
        case (.sealedRecord(let bytes), let key?):
            do {
                plaintext = try key.open(bytes, authenticating: associatedData(sealed: true), purpose: .presence)
            } catch {
                throw .sealing(error)
            }
        }
        guard plaintext.count <= limits.maxPresenceBytes else {
            throw .decoding(.limitExceeded(offset: 0, reason: "presence record of \(plaintext.count) bytes"))
        }
        do {
            return try PresenceRecord(decoding: plaintext)
        } catch {
            throw .decoding(error)
        }
    }

    /// The header bound to a sealed record: replica and clock, so a record cannot be
    /// replayed as another participant's or under a newer clock.
    private func associatedData(sealed: Bool) -> [UInt8] {
        var writer = WireWriter(capacity: 20)
        writer.write(sealed ? Self.sealedFlag : 0)
        writer.writeUInt64(replica.rawValue)
        writer.writeVarint(clock)
        return writer.bytes
    }

    static let sealedFlag: UInt8 = 1 << 0
    static let leftFlag: UInt8 = 1 << 1

    public var description: String {
        switch content {
        case .record(let bytes): "presence \(replica)@\(clock) (\(bytes.count) bytes)"
        case .sealedRecord(let bytes): "presence \(replica)@\(clock) (sealed, \(bytes.count) bytes)"
        case .left: "presence \(replica)@\(clock) left"
        }
    }
}

/// Why a presence update could not be opened.
public enum PresenceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The sealed record failed to open (tampered, replayed under another header, other key).
    case sealing(SealingError)
    /// A cleartext record arrived in a sealed room.
    case notSealed(ReplicaID)
    /// A sealed record arrived but this side has no room key.
    case missingKey(ReplicaID)
    /// The record does not decode.
    case decoding(WireError)

    public var description: String {
        switch self {
        case .sealing(let error): "presence: \(error)"
        case .notSealed(let replica): "presence of \(replica) is not sealed, but the room is"
        case .missingKey(let replica): "presence of \(replica) is sealed, but no room key is available"
        case .decoding(let error): "presence: \(error)"
        }
    }
}
