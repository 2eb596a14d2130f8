import TesseraCore

/// Presence records are encoded as a sequence of tagged fields (tag, length, value), so a
/// newer client can add fields that older ones skip.
extension PresenceRecord {
    private enum Tag: UInt64 {
        case displayName = 1
        case color = 2
        case actor = 3
        case cursor = 4
        case selection = 5
        case status = 6
    }

    /// The record's binary form (the plaintext of a presence payload).
    public func encoded() -> [UInt8] {
        var out = WireWriter(capacity: 32 + displayName.utf8.count)
        func field(_ tag: Tag, _ body: (inout WireWriter) -> Void) {
            var value = WireWriter()
            body(&value)
            out.writeVarint(tag.rawValue)
            out.writeBytes(value.bytes)
        }
        field(.displayName) { $0.write(contentsOf: displayName.utf8) }
        if let color { field(.color) { $0.write(contentsOf: [color.red, color.green, color.blue]) } }
        field(.actor) { $0.write(actor.rawValue) }
        if let cursor {
            field(.cursor) { w in
                switch cursor {
                case .shape(let id):
                    w.write(0)
                    w.writeString(id)
                case .text(let object, let offset):
                    w.write(1)
                    Self.write(object, to: &w)
                    w.writeCount(offset)
                case .point(let x, let y):
                    w.write(2)
                    w.writeUInt64(x.bitPattern)
                    w.writeUInt64(y.bitPattern)
                }
            }
        }
        if let selection {
            field(.selection) { w in
                switch selection {
                case .shapes(let ids):
                    w.write(0)
                    w.writeCount(ids.count)
                    for id in ids { w.writeString(id) }
                case .text(let object, let range):
                    w.write(1)
                    Self.write(object, to: &w)
                    w.writeCount(range.lowerBound)
                    w.writeCount(range.count)
                }
            }
        }
        field(.status) { w in
            switch status {
            case .idle: w.write(0)
            case .typing: w.write(1)
            case .working(let task):
                w.write(2)
                w.write(contentsOf: task.utf8)
            case .away: w.write(3)
            }
        }
        return out.bytes
    }

    /// Decodes a record; hostile-input safe (typed errors with offsets, bounded allocation).
    /// Unknown fields are skipped; the display name is required.
    public init(decoding bytes: [UInt8]) throws(WireError) {
        var reader = WireReader(bytes)
        var name: String?
        var color: PresenceColor?
        var actor = Origin.Actor.human
        var cursor: Cursor?
        var selection: Selection?
        var status = Status.idle
        var previousTag: UInt64 = 0
        while !reader.isAtEnd {
            let tagOffset = reader.position
            let tag = try reader.readVarint()
            guard tag > previousTag else { throw .invalid(offset: tagOffset, reason: "presence fields out of order") }
            previousTag = tag
            let length = try reader.readCount(limit: reader.remaining, "presence field length")
            let start = reader.position
            var field = try reader.subReader(count: length)
            switch Tag(rawValue: tag) {
            case .displayName:
                name = try field.readRemainingString("display name")
            case .color:
                color = PresenceColor(red: try field.readByte(), green: try field.readByte(), blue: try field.readByte())
            case .actor:
                let raw = try field.readByte()
                guard let value = Origin.Actor(rawValue: raw) else { throw .invalid(offset: start, reason: "unknown actor \(raw)") }
                actor = value
            case .cursor:
                let kindOffset = field.position
                switch try field.readByte() {
                case 0: cursor = .shape(try field.readString(limit: field.remaining, "shape ID"))
                case 1: cursor = .text(object: try Self.readObject(&field), offset: try field.readCount(limit: Int.max, "text offset"))
                case 2: cursor = .point(x: Double(bitPattern: try field.readUInt64()), y: Double(bitPattern: try field.readUInt64()))
                case let kind: throw .invalid(offset: kindOffset, reason: "unknown cursor kind \(kind)")
                }
            case .selection:
                let kindOffset = field.position
                switch try field.readByte() {
                case 0:
                    // Each ID takes at least its one-byte length.
                    let count = try field.readCount(limit: field.remaining, "selection count")
                    var ids: [String] = []
                    ids.reserveCapacity(count)
                    for _ in 0..<count { ids.append(try field.readString(limit: field.remaining, "shape ID")) }
                    selection = .shapes(ids)
                case 1:
                    let object = try Self.readObject(&field)
                    let rangeOffset = field.position
                    let lower = try field.readCount(limit: Int.max, "selection start")
                    let count = try field.readCount(limit: Int.max, "selection length")
                    guard lower <= Int.max - count else { throw .invalid(offset: rangeOffset, reason: "selection range overflows") }
                    selection = .text(object: object, range: lower..<(lower + count))
                case let kind: throw .invalid(offset: kindOffset, reason: "unknown selection kind \(kind)")
                }
            case .status:
                let kindOffset = field.position
                switch try field.readByte() {
                case 0: status = .idle
                case 1: status = .typing
                case 2: status = .working(on: try field.readRemainingString("status"))
                case 3: status = .away
                case let kind: throw .invalid(offset: kindOffset, reason: "unknown status \(kind)")
                }
            case nil:
                continue  // a newer field: skipped
            }
            try field.expectEnd("presence field")
        }
        guard let name else { throw .invalid(offset: 0, reason: "presence record without a display name") }
        self.init(displayName: name, color: color, actor: actor, cursor: cursor, selection: selection, status: status)
    }

    private static func write(_ object: ObjectID, to writer: inout WireWriter) {
        if let creator = object.creator {
            writer.write(1)
            writer.writeUInt64(creator.replica.rawValue)
            writer.writeVarint(creator.counter)
        } else {
            writer.write(0)
        }
    }

    private static func readObject(_ reader: inout WireReader) throws(WireError) -> ObjectID {
        let offset = reader.position
        switch try reader.readByte() {
        case 0: return .root
        case 1: return ObjectID(OpID(replica: try reader.readReplica("object replica"), counter: try reader.readVarint()))
        case let kind: throw .invalid(offset: offset, reason: "unknown object reference kind \(kind)")
        }
    }
}

extension WireReader {
    /// A reader over the next `count` bytes (which this reader skips); offsets stay frame-relative.
    mutating func subReader(count: Int) throws(WireError) -> WireReader {
        try require(count)
        let sub = WireReader(bytes, range: position..<(position + count))
        position += count
        return sub
    }

    /// The remaining bytes as UTF-8.
    mutating func readRemainingString(_ what: String) throws(WireError) -> String {
        let start = position
        guard let string = String(validating: bytes[position..<end], as: UTF8.self) else {
            throw .invalid(offset: start, reason: "\(what) is not valid UTF-8")
        }
        position = end
        return string
    }
}
