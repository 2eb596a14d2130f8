/// The columns of the change payload (FORMAT.md §4 lists every one with its scheme).
///
/// A payload is `changeCount`, `operationCount`, then sections `(id, length, bytes)` in
/// increasing id order. Empty columns are omitted. Ids 64 and above are optional extensions
/// that a decoder which does not know them skips; unknown ids below 64 are errors.
enum ColumnID: UInt64, CaseIterable, Sendable, CustomStringConvertible {
    // Tables
    case replicas = 1
    case strings = 2
    case origins = 3
    // One entry per change
    case changeReplica = 8
    case changeCounter = 9
    case changeLamport = 10
    case changeOpCount = 11
    case changeTimestamp = 12
    case changeOrigin = 13
    case changeDepCount = 14
    case depReplica = 15
    case depCounter = 16
    // One entry per operation, or per operation of the kinds that use the column
    case opObject = 20
    case opObjectReplica = 21
    case opObjectCounter = 22
    case opKind = 23
    case opKey = 24
    case predCount = 25
    case predReplica = 26
    case predCounter = 27
    case objectKind = 28
    case sequenceReplica = 29
    case sequenceCounter = 30
    case insertCount = 31
    case textLength = 32
    case textUTF8 = 33
    case removeCount = 34
    case incrementDelta = 35
    // One entry per value (map `set` values and list `insert` values)
    case valueTag = 40
    case valueInt = 41
    case valueDecimal = 42
    case valueDouble = 43
    case valueString = 44
    case valueBytes = 45
    case valueObject = 46
    case valueObjectReplica = 47
    case valueObjectCounter = 48

    /// Ids at or above this are optional extensions, skipped when unknown.
    static let firstOptional: UInt64 = 64

    var description: String {
        switch self {
        case .replicas: "replicas"
        case .strings: "strings"
        case .origins: "origins"
        case .changeReplica: "change.replica"
        case .changeCounter: "change.counter"
        case .changeLamport: "change.lamport"
        case .changeOpCount: "change.opCount"
        case .changeTimestamp: "change.timestamp"
        case .changeOrigin: "change.origin"
        case .changeDepCount: "change.depCount"
        case .depReplica: "dep.replica"
        case .depCounter: "dep.counter"
        case .opObject: "op.object"
        case .opObjectReplica: "op.objectReplica"
        case .opObjectCounter: "op.objectCounter"
        case .opKind: "op.kind"
        case .opKey: "op.key"
        case .predCount: "pred.count"
        case .predReplica: "pred.replica"
        case .predCounter: "pred.counter"
        case .objectKind: "op.objectKind"
        case .sequenceReplica: "sequence.replica"
        case .sequenceCounter: "sequence.counter"
        case .insertCount: "insert.count"
        case .textLength: "text.length"
        case .textUTF8: "text.utf8"
        case .removeCount: "remove.count"
        case .incrementDelta: "increment.delta"
        case .valueTag: "value.tag"
        case .valueInt: "value.int"
        case .valueDecimal: "value.decimal"
        case .valueDouble: "value.double"
        case .valueString: "value.string"
        case .valueBytes: "value.bytes"
        case .valueObject: "value.object"
        case .valueObjectReplica: "value.objectReplica"
        case .valueObjectCounter: "value.objectCounter"
        }
    }
}

/// Symbols of the `op.kind` column. Sequence operations fold their origin codes
/// (``SequenceCursors``) into the symbol, so a typing run is one run of one symbol.
enum OperationSymbol {
    static let set: UInt64 = 0
    static let make: UInt64 = 1
    static let delete: UInt64 = 2
    static let increment: UInt64 = 3
    /// `removeBase + code`, code in 0...2.
    static let removeBase: UInt64 = 8
    /// `insertBase + 16·form + 5·afterCode + beforeCode`: form 0 insert, 1 insertObject,
    /// 2 insertText; afterCode in 0...2; beforeCode in 0...4.
    static let insertBase: UInt64 = 16

    enum InsertForm: Int { case values = 0, object = 1, text = 2 }

    static func insert(_ form: InsertForm, after: Int, before: Int) -> UInt64 {
        insertBase + UInt64(16 * form.rawValue + 5 * after + before)
    }

    /// What a symbol stands for.
    enum Meaning {
        case set, make, delete, increment
        case remove(code: Int)
        case insert(form: InsertForm, after: Int, before: Int)
    }

    static func meaning(of symbol: UInt64) -> Meaning? {
        switch symbol {
        case set: return .set
        case make: return .make
        case delete: return .delete
        case increment: return .increment
        case removeBase...(removeBase + 2): return .remove(code: Int(symbol - removeBase))
        case insertBase..<(insertBase + 48):
            let rest = Int(symbol - insertBase)
            let codes = rest % 16
            guard let form = InsertForm(rawValue: rest / 16), codes < 15 else { return nil }
            return .insert(form: form, after: codes / 5, before: codes % 5)
        default: return nil
        }
    }
}

/// Value type codes in the `value.tag` column.
enum ValueTag {
    static let null: UInt64 = 0
    static let `false`: UInt64 = 1
    static let `true`: UInt64 = 2
    static let int: UInt64 = 3
    static let double: UInt64 = 4
    static let string: UInt64 = 5
    static let bytes: UInt64 = 6
    static let object: UInt64 = 7
    /// `decimal + s` (s in 0...15): a double stored as mantissa / 10^s.
    /// The `value.tag` column stores `0` for "the tag predicted from the context" and
    /// `tag + 1` otherwise (see ``ValueTagPredictor``).
    static let decimal: UInt64 = 16
    static let maxScale = 15
}

/// Doubles that are short decimals (coordinates such as 3922.91) stored as an integer
/// mantissa and a power-of-ten scale instead of 8 raw bytes.
///
/// The value is `Double(m) / 10^s` with `|m| ≤ 2^53` (so `Double(m)` is exact) and IEEE-754
/// division, which is correctly rounded on every platform, so decoding is bit-exact.
/// The encoder only uses this form when dividing back reproduces the original bit pattern;
/// everything else (NaN, ±∞, −0, long fractions) is stored raw.
enum DecimalDouble {
    static let powers: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15]
    static let maxMantissa: Double = 9_007_199_254_740_992  // 2^53

    /// The mantissa and scale of `value`, trying `preferred` first so that a column of
    /// values with the same number of decimals keeps one tag run.
    @inline(__always)
    static func split(_ value: Double, preferred: Int) -> (mantissa: Int64, scale: Int)? {
        guard value.isFinite else { return nil }
        if let m = mantissa(value, scale: preferred) { return (m, preferred) }
        for scale in 0...ValueTag.maxScale where scale != preferred {
            if let m = mantissa(value, scale: scale) { return (m, scale) }
        }
        return nil
    }

    @inline(__always)
    private static func mantissa(_ value: Double, scale: Int) -> Int64? {
        let scaled = (value * powers[scale]).rounded()
        guard abs(scaled) <= maxMantissa else { return nil }
        let m = Int64(scaled)
        return (Double(m) / powers[scale]).bitPattern == value.bitPattern ? m : nil
    }

    @inline(__always)
    static func join(mantissa: Int64, scale: Int) -> Double {
        Double(mantissa) / powers[scale]
    }
}

/// Predicts a value's tag from the last tag written under the same map key (or, for list
/// values, from the previous list value): shape properties keep their types, so the tag
/// column becomes one long run of "as predicted".
struct ValueTagPredictor {
    /// The context a value is written in: a map key's string index, or a list.
    enum Context {
        case key(UInt64)
        case list
    }

    /// Per key string index: the last tag + 1 (0: none yet). Keys are few and dense.
    private var keyTags: [UInt8] = []
    private var listTag: UInt8 = 0
    /// The scale of the last decimal double, the default guess for the next.
    private var lastScale = 0

    private func last(_ context: Context) -> UInt64? {
        let stored: UInt8
        switch context {
        case .key(let index): stored = index < UInt64(keyTags.count) ? keyTags[Int(index)] : 0
        case .list: stored = listTag
        }
        return stored == 0 ? nil : UInt64(stored - 1)
    }

    /// The decimal scale to try first for a double in `context`.
    func preferredScale(in context: Context) -> Int {
        if let tag = last(context), tag >= ValueTag.decimal { return Int(tag - ValueTag.decimal) }
        return lastScale
    }

    /// The column code for `tag` (0 when predicted), recording it.
    mutating func code(for tag: UInt64, in context: Context) -> UInt64 {
        let predicted = last(context)
        record(tag, in: context)
        return predicted == tag ? 0 : tag + 1
    }

    /// The tag for column code `code`, recording it; `nil` if `code` is "as predicted" without
    /// a prediction or names no tag.
    @inline(__always)
    mutating func tag(for code: UInt64, in context: Context) -> UInt64? {
        // A key seen before, its tag predicted (nearly every value of a history of edits):
        // recording it again would store what is there.
        if code == 0, case .key(let index) = context, index < UInt64(keyTags.count) {
            let stored = keyTags[Int(index)]
            guard stored != 0 else { return nil }
            let tag = UInt64(stored - 1)
            if tag >= ValueTag.decimal { lastScale = Int(tag - ValueTag.decimal) }
            return tag
        }
        let tag: UInt64
        if code == 0 {
            guard let predicted = last(context) else { return nil }
            tag = predicted
        } else {
            tag = code - 1
        }
        guard tag <= ValueTag.decimal + UInt64(ValueTag.maxScale) else { return nil }
        record(tag, in: context)
        return tag
    }

    private mutating func record(_ tag: UInt64, in context: Context) {
        let stored = UInt8(truncatingIfNeeded: tag + 1)
        switch context {
        case .key(let index):
            // Key indices come from the string table, so they are bounded by the input.
            while keyTags.count <= Int(truncatingIfNeeded: index) { keyTags.append(0) }
            keyTags[Int(index)] = stored
        case .list:
            listTag = stored
        }
        if tag >= ValueTag.decimal { lastScale = Int(tag - ValueTag.decimal) }
    }
}
