/// The canonical serialisation of op-stream actions (WORKLOADS.md §6): one JSON object per
/// action, no whitespace, ASCII only, keys in a fixed order, doubles in the shortest
/// round-trip form with a fractional part — byte-identical to the reference's
/// `json.dumps(obj, separators=(",", ":"), ensure_ascii=True)`.
public enum CanonicalJSON {
    /// The canonical line of `action` (without the trailing newline).
    ///
    /// ```swift
    /// CanonicalJSON.line(.set(id: "s00060", key: "h", value: .double(102.07)))
    /// // {"op":"set","id":"s00060","key":"h","value":102.07}
    /// ```
    public static func line(_ action: ShapeAction) -> String {
        var out = ""
        out.reserveCapacity(160)
        switch action {
        case .create(let id, let fields):
            out += #"{"op":"create","id":"#
            appendString(id, to: &out)
            out += #","fields":["#
            for (index, field) in fields.enumerated() {
                if index > 0 { out += "," }
                out += "["
                appendString(field.key, to: &out)
                out += ","
                appendValue(field.value, to: &out)
                out += "]"
            }
            out += "]}"
        case .set(let id, let key, let value):
            out += #"{"op":"set","id":"#
            appendString(id, to: &out)
            out += #","key":"#
            appendString(key, to: &out)
            out += #","value":"#
            appendValue(value, to: &out)
            out += "}"
        case .append(let list, let value):
            out += #"{"op":"append","list":"#
            appendString(list, to: &out)
            out += #","value":"#
            appendValue(value, to: &out)
            out += "}"
        }
        return out
    }

    /// The canonical JSON text of one value.
    public static func value(_ value: ShapeValue) -> String {
        var out = ""
        appendValue(value, to: &out)
        return out
    }

    static func appendValue(_ value: ShapeValue, to out: inout String) {
        switch value {
        case .string(let s): appendString(s, to: &out)
        case .int(let i): out += String(i)
        case .double(let d): out += double(d)
        }
    }

    /// A double as Python's `repr` (and so `json.dumps`) writes it: the shortest digits that
    /// round-trip, positional notation for decimal exponents -4 ..< 16 with at least one
    /// fractional digit (`12.0`, `3922.91`), scientific notation otherwise (`1e+16`, `1e-05`).
    ///
    /// Swift's `description` already yields the shortest round-trip digits but switches to
    /// scientific notation at other thresholds (2^53), so the digits are re-laid out here.
    public static func double(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        let (negative, digits, exponent) = decimalDigits(of: d)
        // `exponent` is the decimal exponent of the first digit: value = 0.d1d2... × 10^(exponent + 1).
        var out = negative ? "-" : ""
        if exponent >= -4 && exponent < 16 {
            if exponent < 0 {
                out += "0." + String(repeating: "0", count: -exponent - 1) + digits
            } else if digits.count > exponent + 1 {
                let split = digits.index(digits.startIndex, offsetBy: exponent + 1)
                out += digits[..<split] + "." + digits[split...]
            } else {
                out += digits + String(repeating: "0", count: exponent + 1 - digits.count) + ".0"
            }
        } else {
            out += String(digits.prefix(1))
            if digits.count > 1 { out += "." + digits.dropFirst() }
            let magnitude = abs(exponent)
            out += (exponent < 0 ? "e-" : "e+") + (magnitude < 10 ? "0" : "") + String(magnitude)
        }
        return out
    }

    /// Sign, significant digits (no leading or trailing zeros) and the decimal exponent of
    /// the first digit, taken from Swift's shortest round-trip `description`.
    static func decimalDigits(of d: Double) -> (negative: Bool, digits: String, exponent: Int) {
        var text = Substring(d.magnitude.description)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        var integerPart = Substring(text)
        var fraction = Substring("")
        if let dot = text.firstIndex(of: ".") {
            integerPart = text[..<dot]
            fraction = text[text.index(after: dot)...]
        }
        var digits = String(integerPart) + String(fraction)
        // The first digit's exponent before stripping leading zeros.
        var firstExponent = exponent + integerPart.count - 1
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            firstExponent -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (d.sign == .minus, digits, firstExponent)
    }

    /// A JSON string literal with `ensure_ascii` escaping: `"`, `\` and control characters
    /// escaped, everything outside ASCII as `\uXXXX` (UTF-16 surrogate pairs above U+FFFF).
    static func appendString(_ s: String, to out: inout String) {
        out += "\""
        for unit in s.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        out += "\""
    }
}

/// The fingerprint of an op stream: SHA-256 over `line + "\n"` for every action.
public func fingerprint(_ actions: [ShapeAction]) -> String {
    var hash = SHA256()
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 16)
    for action in actions {
        buffer.append(contentsOf: CanonicalJSON.line(action).utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 {
            hash.update(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }
    hash.update(buffer)
    return hash.hexDigest()
}
