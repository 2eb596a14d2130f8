import Peerbench

/// A JSON document with ordered keys, written the way Python's `json.dump(indent=1)` writes
/// the peers' result files (so the files diff cleanly side by side).
indirect enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// The text, indented by one space per level.
    func rendered(indent: Int = 1) -> String {
        var out = ""
        write(to: &out, level: 0, indent: indent)
        return out
    }

    private func write(to out: inout String, level: Int, indent: Int) {
        let pad = String(repeating: " ", count: (level + 1) * indent)
        let closePad = String(repeating: " ", count: level * indent)
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += CanonicalJSON.double(d)
        case .string(let s): out += CanonicalJSON.value(.string(s))
        case .array(let values):
            if values.isEmpty { out += "[]"; return }
            out += "[\n"
            for (i, value) in values.enumerated() {
                out += pad
                value.write(to: &out, level: level + 1, indent: indent)
                out += i + 1 < values.count ? ",\n" : "\n"
            }
            out += closePad + "]"
        case .object(let entries):
            if entries.isEmpty { out += "{}"; return }
            out += "{\n"
            for (i, (key, value)) in entries.enumerated() {
                out += pad + CanonicalJSON.value(.string(key)) + ": "
                value.write(to: &out, level: level + 1, indent: indent)
                out += i + 1 < entries.count ? ",\n" : "\n"
            }
            out += closePad + "}"
        }
    }
}
