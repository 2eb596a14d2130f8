/// Run-length encoding of a column of unsigned integers.
///
/// A column is a sequence of runs. Each run starts with a zigzag LEB128 header `n`:
/// - `n > 0`: one LEB128 value follows and repeats `n` times;
/// - `n < 0`: `−n` LEB128 values follow literally;
/// - `n = 0` is invalid.
///
/// Columns of IDs, kinds and deltas are dominated by long runs (one replica, one object,
/// "one more than the previous"), which this turns into a couple of bytes.
struct RunLengthWriter: Sendable {
    private var out = ByteWriter()
    private var literals: [UInt64] = []
    private var runValue: UInt64 = 0
    private var runCount = 0

    init() {}

    @inline(__always)
    mutating func append(_ value: UInt64) {
        if runCount > 0 && value == runValue {
            runCount += 1
            return
        }
        flushRun()
        runValue = value
        runCount = 1
    }

    @inline(__always)
    mutating func append(signed value: Int64) {
        append(ZigZag.encode(value))
    }

    /// `value` `count` times: the bytes of as many ``append(_:)`` calls, in one step.
    @inline(__always)
    mutating func append(_ value: UInt64, count: Int) {
        guard count > 0 else { return }
        if runCount > 0 && value == runValue {
            runCount += count
            return
        }
        flushRun()
        runValue = value
        runCount = count
    }

    /// A run of two only pays for itself when it does not split a literal stretch.
    private mutating func flushRun() {
        guard runCount > 0 else { return }
        if runCount >= 3 || (runCount == 2 && literals.isEmpty) {
            flushLiterals()
            out.writeSLEB128(Int64(runCount))
            out.writeULEB128(runValue)
        } else {
            for _ in 0..<runCount { literals.append(runValue) }
        }
        runCount = 0
    }

    private mutating func flushLiterals() {
        guard !literals.isEmpty else { return }
        out.writeSLEB128(-Int64(literals.count))
        for value in literals { out.writeULEB128(value) }
        literals.removeAll(keepingCapacity: true)
    }

    /// The encoded column.
    mutating func finish() -> [UInt8] {
        flushRun()
        flushLiterals()
        return out.bytes
    }
}

/// Reads a column written by ``RunLengthWriter``.
///
/// A run may claim any count up to 2⁶³; the reader only counts it down, so a lying count
/// costs nothing. Callers stop at the element counts they validated elsewhere, then call
/// ``finish(_:)`` to reject leftovers.
struct RunLengthReader: Sendable {
    private var reader: ByteReader
    private var remaining: UInt64 = 0
    private var isLiteral = false
    private var value: UInt64 = 0
    let column: ColumnID

    init(_ reader: ByteReader, column: ColumnID) {
        self.reader = reader
        self.column = column
    }

    /// Where a run header was read ahead by ``repeatedRun()`` and no entry since; -1 if none
    /// was (a plain `Int`: clearing an optional after every entry read stored two words).
    private var peekedHeader = -1

    /// The position of the next unread byte, for error offsets (a header read ahead counts
    /// as unread).
    var offset: Int { peekedHeader >= 0 ? peekedHeader : reader.position }

    @inline(__always)
    mutating func next() throws(EncodingError) -> UInt64 {
        if remaining == 0 { try startRun() }
        remaining -= 1
        peekedHeader = -1
        return isLiteral ? try reader.readULEB128() : value
    }

    @inline(__always)
    mutating func nextSigned() throws(EncodingError) -> Int64 {
        ZigZag.decode(try next())
    }

    /// Reads a value that must be below `bound` (a table size or a small enum), as an `Int`.
    @inline(__always)
    mutating func next(below bound: Int) throws(EncodingError) -> Int {
        let offset = self.offset
        let raw = try next()
        guard raw < UInt64(bound) else {
            throw .invalid(offset: offset, reason: "\(column) value \(raw) out of range (< \(bound))")
        }
        return Int(raw)
    }

    /// The value of the run the next entry is in and how many entries of it are left, if
    /// that run repeats one value (nil for a literal run, a malformed header or the column's
    /// end). Reads at most the run's header, and never throws: reading the entries later
    /// reports what is wrong, at the offset it would have without the look ahead.
    mutating func repeatedRun() -> (value: UInt64, count: UInt64)? {
        guard startsRunAhead(), !isLiteral else { return nil }
        return (value, remaining)
    }

    /// The next entry, left unread (nil for a malformed header or entry, or the column's
    /// end). Like ``repeatedRun()``, reads at most the run's header and never throws.
    mutating func peek() -> UInt64? {
        guard startsRunAhead() else { return nil }
        guard isLiteral else { return value }
        let position = reader.position
        defer { reader.rewind(to: position) }
        return try? reader.readULEB128()
    }

    /// Reads the header of the next entry's run if no entry of it is read yet; returns false,
    /// the reader as it was, if the header is malformed or the column has ended.
    private mutating func startsRunAhead() -> Bool {
        guard remaining == 0 else { return true }
        // Undone by hand on failure: a copy of the reader to try on would retain its
        // bytes, at every run boundary of every column looked ahead in.
        let header = reader.position
        do {
            try startRun()
        } catch {
            reader.rewind(to: header)
            remaining = 0
            return false
        }
        peekedHeader = header
        return true
    }

    /// Skips `count` entries of the current repeat run (at most what ``repeatedRun()`` said).
    mutating func skip(_ count: UInt64) {
        precondition(!isLiteral && count <= remaining, "skip past a repeat run")
        remaining -= count
        peekedHeader = -1
    }

    private mutating func startRun() throws(EncodingError) {
        if reader.isAtEnd {
            throw .invalid(offset: reader.position, reason: "\(column) column has fewer entries than the counts require")
        }
        let offset = reader.position
        let header = try reader.readSLEB128()
        if header > 0 {
            remaining = UInt64(header)
            isLiteral = false
            value = try reader.readULEB128()
        } else if header < 0 {
            remaining = header.magnitude
            isLiteral = true
        } else {
            throw .invalid(offset: offset, reason: "\(column) column has a run of length 0")
        }
    }

    /// Throws if the column holds more entries than were read.
    func finish() throws(EncodingError) {
        guard remaining == 0, reader.isAtEnd else {
            throw .invalid(offset: offset, reason: "\(column) column has more entries than the counts require")
        }
    }
}
