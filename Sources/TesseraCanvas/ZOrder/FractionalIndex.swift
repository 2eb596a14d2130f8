/// A position in a total order that always has room for another position between any two.
///
/// Fractional indices are base-62 digit strings compared byte by byte, as in rocicorp's
/// `fractional-indexing` and Figma's multiplayer layer order: to put an item between two others,
/// write one new key strictly between theirs, and leave every other item alone. That makes a
/// z-order change a single register write, which merges like any other property.
///
/// A key is an *integer part* followed by an optional *fraction*. The integer part's first
/// character encodes its length (`a`…`z`: 2…27 characters, `A`…`Z`: 27…2 characters, for
/// negative integers), so appending or prepending keeps keys short: 62 appends fit in two
/// characters, the next 3 844 in three. The fraction never ends in `0`, so there is always
/// a key between two distinct keys.
///
/// ```swift
/// let first = try FractionalIndex.between(nil, nil)          // "a0"
/// let second = try FractionalIndex.between(first, nil)       // "a1"
/// let middle = try FractionalIndex.between(first, second)    // "a0V"
/// assert(first < middle && middle < second)
/// ```
public struct FractionalIndex: Hashable, Comparable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    /// The key's characters: ASCII base-62 digits.
    public let rawValue: String

    /// Validates `description` as a fractional-index key, or returns `nil`.
    ///
    /// Valid keys are produced by ``between(_:_:)``; this initialiser exists to read keys
    /// back from a document, where any replica may have written anything.
    public init?(_ description: String) {
        guard Self.isValid(Array(description.utf8)) else { return nil }
        rawValue = description
    }

    private init(validated bytes: [UInt8]) {
        rawValue = String(decoding: bytes, as: UTF8.self)
    }

    /// The key `between(nil, nil)` returns: the first key of an empty order.
    public static let initial = FractionalIndex(validated: [UInt8(ascii: "a"), Digits.zero])

    /// The key's characters.
    public var description: String { rawValue }

    /// Byte-wise order, which for base-62 ASCII digits is numeric order.
    public static func < (lhs: FractionalIndex, rhs: FractionalIndex) -> Bool {
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    // MARK: Generating keys

    /// A key strictly between `lower` and `upper`; `nil` stands for the open end.
    ///
    /// With `upper == nil` the key is the shortest one after `lower` (an append); with
    /// `lower == nil` the shortest before `upper`.
    ///
    /// - Throws: ``FractionalIndexError/outOfOrder(lower:upper:)`` unless `lower < upper`.
    /// - Complexity: O(length of the keys).
    public static func between(_ lower: FractionalIndex?, _ upper: FractionalIndex?) throws(FractionalIndexError) -> FractionalIndex {
        if let lower, let upper, !(lower < upper) { throw .outOfOrder(lower: lower, upper: upper) }
        return FractionalIndex(validated: keyBetween(lower.map { Array($0.rawValue.utf8) }, upper.map { Array($0.rawValue.utf8) }))
    }

    /// `count` keys in ascending order, all strictly between `lower` and `upper`.
    ///
    /// The keys are spread by bisection, so their length grows with log(`count`) rather
    /// than with `count` as repeated ``between(_:_:)`` calls would.
    ///
    /// - Throws: ``FractionalIndexError/outOfOrder(lower:upper:)`` unless `lower < upper`.
    public static func keys(count: Int, between lower: FractionalIndex?, and upper: FractionalIndex?) throws(FractionalIndexError) -> [FractionalIndex] {
        if let lower, let upper, !(lower < upper) { throw .outOfOrder(lower: lower, upper: upper) }
        guard count > 0 else { return [] }
        var result: [FractionalIndex] = []
        result.reserveCapacity(count)
        appendKeys(count: count, lower: lower, upper: upper, into: &result)
        return result
    }

    private static func appendKeys(count: Int, lower: FractionalIndex?, upper: FractionalIndex?, into result: inout [FractionalIndex]) {
        guard count > 0 else { return }
        // Open ends are filled by stepping outwards: each step adds at most one character
        // per 62 keys, which is what an append-heavy order wants.
        if upper == nil || lower == nil, count > 1 {
            let ascending = upper == nil
            var keys: [FractionalIndex] = []
            var cursor = ascending ? lower : upper
            for _ in 0..<count {
                let bytes = cursor.map { Array($0.rawValue.utf8) }
                let next = FractionalIndex(validated: ascending ? keyBetween(bytes, nil) : keyBetween(nil, bytes))
                keys.append(next)
                cursor = next
            }
            result.append(contentsOf: ascending ? keys : keys.reversed())
            return
        }
        let middle = FractionalIndex(validated: keyBetween(lower.map { Array($0.rawValue.utf8) }, upper.map { Array($0.rawValue.utf8) }))
        let below = (count - 1) / 2
        appendKeys(count: below, lower: lower, upper: middle, into: &result)
        result.append(middle)
        appendKeys(count: count - 1 - below, lower: middle, upper: upper, into: &result)
    }

    // MARK: The algorithm (after rocicorp/fractional-indexing, CC0)

    enum Digits {
        static let zero = UInt8(ascii: "0")
        static let last = UInt8(ascii: "z")
        static let count = 62

        static func value(_ byte: UInt8) -> Int? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(byte - UInt8(ascii: "A")) + 10
            case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(byte - UInt8(ascii: "a")) + 36
            default: nil
            }
        }

        static func digit(_ value: Int) -> UInt8 {
            switch value {
            case 0..<10: UInt8(ascii: "0") + UInt8(value)
            case 10..<36: UInt8(ascii: "A") + UInt8(value - 10)
            default: UInt8(ascii: "a") + UInt8(value - 36)
            }
        }
    }

    /// The smallest integer part, `A` followed by 26 zeros; a key equal to it would have no predecessor.
    static let smallestInteger: [UInt8] = [UInt8(ascii: "A")] + Array(repeating: Digits.zero, count: 26)

    /// The length of the integer part that starts with `head`, or `nil` for an invalid head.
    static func integerLength(head: UInt8) -> Int? {
        switch head {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(head - UInt8(ascii: "a")) + 2
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(UInt8(ascii: "Z") - head) + 2
        default: nil
        }
    }

    static func isValid(_ key: [UInt8]) -> Bool {
        guard let head = key.first, let length = integerLength(head: head), key.count >= length,
            key.dropFirst().allSatisfy({ Digits.value($0) != nil }),
            key != smallestInteger
        else { return false }
        // A trailing zero in the fraction would leave no key between "x" and "x0".
        return key.count == length || key.last != Digits.zero
    }

    /// A key strictly between two valid keys (`lower < upper` checked by the caller).
    static func keyBetween(_ lower: [UInt8]?, _ upper: [UInt8]?) -> [UInt8] {
        guard let lower else {
            guard let upper else { return [UInt8(ascii: "a"), Digits.zero] }
            let (integer, fraction) = split(upper)
            if integer == smallestInteger { return integer + midpoint(ArraySlice(), fraction[...]) }
            if integer.count < upper.count { return integer }
            // `decrement` only fails below the smallest integer, handled above.
            return decrement(integer) ?? integer + midpoint(ArraySlice(), fraction[...])
        }
        let (lowerInteger, lowerFraction) = split(lower)
        guard let upper else {
            return increment(lowerInteger) ?? lowerInteger + midpoint(lowerFraction[...], nil)
        }
        let (upperInteger, upperFraction) = split(upper)
        if lowerInteger == upperInteger { return lowerInteger + midpoint(lowerFraction[...], upperFraction[...]) }
        if let next = increment(lowerInteger), next.lexicographicallyPrecedes(upper) { return next }
        return lowerInteger + midpoint(lowerFraction[...], nil)
    }

    static func split(_ key: [UInt8]) -> (integer: [UInt8], fraction: [UInt8]) {
        let length = min(integerLength(head: key[0]) ?? key.count, key.count)
        return (Array(key[..<length]), Array(key[length...]))
    }

    /// A digit string strictly between fractions `a` and `b` (`nil`: 1.0), neither ending in zero.
    static func midpoint(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>?) -> [UInt8] {
        var a = a
        var b = b
        var prefix: [UInt8] = []
        if let upper = b {
            // Strip the common prefix, reading `a` as padded with zeros.
            var n = 0
            while n < upper.count, (n < a.count ? a[a.startIndex + n] : Digits.zero) == upper[upper.startIndex + n] { n += 1 }
            if n > 0 {
                prefix = Array(upper.prefix(n))
                a = a.count > n ? a.dropFirst(n) : ArraySlice()
                b = upper.dropFirst(n)
            }
        }
        let digitA = a.first.flatMap(Digits.value) ?? 0
        let digitB = b.map { $0.first.flatMap(Digits.value) ?? 0 } ?? Digits.count
        if digitB - digitA > 1 {
            return prefix + [Digits.digit((digitA + digitB + 1) / 2)]
        }
        // Consecutive first digits.
        if let b, b.count > 1 { return prefix + [b[b.startIndex]] }
        return prefix + [Digits.digit(digitA)] + midpoint(a.dropFirst(), nil)
    }

    static func increment(_ integer: [UInt8]) -> [UInt8]? {
        guard let head = integer.first else { return nil }
        var digits = Array(integer.dropFirst())
        var carry = true
        var i = digits.count - 1
        while carry, i >= 0 {
            let value = (Digits.value(digits[i]) ?? 0) + 1
            if value == Digits.count {
                digits[i] = Digits.zero
            } else {
                digits[i] = Digits.digit(value)
                carry = false
            }
            i -= 1
        }
        guard carry else { return [head] + digits }
        if head == UInt8(ascii: "Z") { return [UInt8(ascii: "a"), Digits.zero] }
        if head == UInt8(ascii: "z") { return nil }
        let newHead = head + 1
        if newHead > UInt8(ascii: "a") { digits.append(Digits.zero) } else { digits.removeLast() }
        return [newHead] + digits
    }

    static func decrement(_ integer: [UInt8]) -> [UInt8]? {
        guard let head = integer.first else { return nil }
        var digits = Array(integer.dropFirst())
        var borrow = true
        var i = digits.count - 1
        while borrow, i >= 0 {
            let value = (Digits.value(digits[i]) ?? 0) - 1
            if value == -1 {
                digits[i] = Digits.last
            } else {
                digits[i] = Digits.digit(value)
                borrow = false
            }
            i -= 1
        }
        guard borrow else { return [head] + digits }
        if head == UInt8(ascii: "a") { return [UInt8(ascii: "Z"), Digits.last] }
        if head == UInt8(ascii: "A") { return nil }
        let newHead = head - 1
        if newHead < UInt8(ascii: "Z") { digits.append(Digits.last) } else { digits.removeLast() }
        return [newHead] + digits
    }
}

/// Why no fractional index could be generated.
public enum FractionalIndexError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `lower` is not strictly below `upper`, so no key lies between them.
    case outOfOrder(lower: FractionalIndex, upper: FractionalIndex)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .outOfOrder(let lower, let upper): "no fractional index between \(lower) and \(upper): not in ascending order"
        }
    }
}
