import Testing
@testable import TesseraCore

/// An uncompressed change payload split into its sections, for tests that corrupt one part
/// precisely and re-wrap it with a valid CRC (so the corruption reaches the column decoder).
struct EditablePayload {
    var changeCount: UInt64
    var operationCount: UInt64
    var sections: [(id: UInt64, bytes: [UInt8])]

    init(container bytes: [UInt8]) throws {
        let container = try Container.decode(bytes)
        var reader = container.payload
        changeCount = try reader.readULEB128()
        operationCount = try reader.readULEB128()
        sections = []
        for _ in 0..<(try reader.readULEB128()) {
            let id = try reader.readULEB128()
            let length = Int(try reader.readULEB128())
            sections.append((id, try reader.readBytes(length)))
        }
    }

    subscript(id: ColumnID) -> [UInt8]? {
        get { sections.first { $0.id == id.rawValue }?.bytes }
        set {
            sections.removeAll { $0.id == id.rawValue }
            if let newValue { sections.append((id.rawValue, newValue)) }
            sections.sort { $0.id < $1.id }
        }
    }

    /// The payload; `lengths` overrides the declared length of the sections it names.
    func payload(lengths: [UInt64: UInt64] = [:]) -> [UInt8] {
        var out = ByteWriter()
        out.writeULEB128(changeCount)
        out.writeULEB128(operationCount)
        out.writeCount(sections.count)
        for section in sections {
            out.writeULEB128(section.id)
            out.writeULEB128(lengths[section.id] ?? UInt64(section.bytes.count))
            out.write(contentsOf: section.bytes)
        }
        return out.bytes
    }

    func container(kind: ContainerKind = .changes, lengths: [UInt64: UInt64] = [:]) -> [UInt8] {
        Container.encode(kind: kind, payload: payload(lengths: lengths), compression: .none)
    }
}

/// `bytes` with its header CRC recomputed, so only structural checks can catch a corruption.
func withValidCRC(_ bytes: [UInt8]) -> [UInt8] {
    guard bytes.count >= 11 else { return bytes }
    var out = bytes
    let crc = Container.checksum(bytes)
    for k in 0..<4 { out[7 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
    return out
}

/// A container assembled field by field, lies included.
/// `restartIndex` is written as it is, after the inflated length.
func rawContainer(kind: UInt8 = 1, flags: UInt8 = 0, stored: [UInt8], rawLength: UInt64? = nil, restartIndex: [UInt8] = [],
                  version: UInt8 = 1) -> [UInt8] {
    var out = ByteWriter()
    out.write(contentsOf: Container.magic)
    out.write(version)
    out.write(kind)
    out.write(flags)
    out.writeUInt32LE(0)
    out.writeCount(stored.count)
    if let rawLength { out.writeULEB128(rawLength) }
    out.write(contentsOf: restartIndex)
    out.write(contentsOf: stored)
    return withValidCRC(out.bytes)
}

/// A run-length column holding `values`.
func runLengthColumn(_ values: [UInt64]) -> [UInt8] {
    var writer = RunLengthWriter()
    for value in values { writer.append(value) }
    return writer.finish()
}

/// Applies `bytes` to a copy of `document`. If that fails, checks that the copy's state and
/// version are exactly as before, and returns the error.
@discardableResult
func applyAtomically(_ bytes: [UInt8], to document: Document, sourceLocation: SourceLocation = #_sourceLocation) -> EncodingError? {
    var copy = document
    let state = copy.materialize()
    let version = copy.version
    do {
        try copy.apply(encoded: bytes)
        return nil
    } catch {
        #expect(copy.materialize() == state, "state changed by a failed apply", sourceLocation: sourceLocation)
        #expect(copy.version == version, "version changed by a failed apply", sourceLocation: sourceLocation)
        return error
    }
}
