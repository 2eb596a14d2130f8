import Foundation
import GRDB
import TesseraCore

/// What a store knows about a relay room besides its envelopes.
public struct RoomRecord: Hashable, Sendable {
    /// The room (document) ID.
    public var id: String
    /// The relay's own replica ID in this room, kept across restarts so peers see one relay.
    public var relayReplica: ReplicaID
    /// SHA-256 of the room's access token, fixed when the room was created; `nil` for a room
    /// anyone who reaches the relay may join.
    public var accessTokenHash: [UInt8]?
    /// Whether the room is end-to-end encrypted: its sessions announce `sealed`, and every
    /// envelope and presence record must be sealed.
    public var isSealed: Bool
    /// When the room was created, in milliseconds since 1970.
    public var createdAt: Int64

    /// Creates a record.
    public init(id: String, relayReplica: ReplicaID, accessTokenHash: [UInt8]?, isSealed: Bool, createdAt: Int64) {
        self.id = id
        self.relayReplica = relayReplica
        self.accessTokenHash = accessTokenHash
        self.isSealed = isSealed
        self.createdAt = createdAt
    }

    static func fetch(_ id: String, in db: Database) throws -> RoomRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM room WHERE id = ?", arguments: [id]) else { return nil }
        let reader = RowReader(row: row, table: "room", key: id)
        return RoomRecord(
            id: id, relayReplica: try reader.replica("relayReplica"), accessTokenHash: try reader.optionalBytes("tokenHash"),
            isSealed: try reader.int64("sealed") != 0, createdAt: try reader.int64("createdAt"))
    }
}
