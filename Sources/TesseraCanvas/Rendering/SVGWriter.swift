/// Builds SVG markup: escapes text for XML and prints numbers the way SVG accepts them.
struct SVGWriter {
    private(set) var output = ""

    /// Opens `<name attributes…>`; `selfClosing` writes `<name …/>`.
    mutating func element(_ name: String, _ attributes: [(String, String)], selfClosing: Bool = false) {
        output += "<" + name
        for (key, value) in attributes { output += " \(key)=\"\(SVGWriter.escape(value))\"" }
        output += selfClosing ? "/>\n" : ">"
    }

    /// Writes `<name attributes…>text</name>`.
    mutating func element(_ name: String, _ attributes: [(String, String)], text: String) {
        element(name, attributes)
        output += SVGWriter.escape(text)
        close(name)
    }

    mutating func close(_ name: String) { output += "</\(name)>\n" }

    mutating func raw(_ markup: String) { output += markup }

    /// Escapes the five XML specials and drops the characters XML 1.0 forbids (most C0
    /// controls, U+FFFE, U+FFFF), which would make the whole file unreadable.
    static func escape(_ text: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// A number rounded to hundredths, without exponent notation; non-finite values print as
    /// 0 and huge ones are clamped, so the output always parses.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let clamped = min(max(value, -1e7), 1e7)
        let rounded = (clamped * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int64(rounded)) }
        return String(rounded)
    }
}

/// Greedy word wrapping with an average glyph width estimate (SVG 1.1 has no text flow).
enum TextLayout {
    /// Average advance of a glyph, as a fraction of the font size, for common sans-serif faces.
    static let averageGlyphWidth = 0.55

    /// `text` broken into lines no wider than `width` at `fontSize`, at most `maxLines` of
    /// them (the last ending in "…" when text was cut).
    static func lines(_ text: String, width: Double, fontSize: Double, maxLines: Int = .max) -> [String] {
        let capacity = count(width / (fontSize * averageGlyphWidth), limit: 10_000)
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                var word = Substring(word)
                while word.count > capacity {
                    if !line.isEmpty { lines.append(line); line = "" }
                    lines.append(String(word.prefix(capacity)))
                    word = word.dropFirst(capacity)
                }
                if line.isEmpty {
                    line = String(word)
                } else if line.count + 1 + word.count <= capacity {
                    line += " " + word
                } else {
                    lines.append(line)
                    line = String(word)
                }
            }
            lines.append(line)
        }
        while lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
        if lines.count > 10_000 { lines.removeLast(lines.count - 10_000) }
        guard lines.count > maxLines, maxLines > 0 else { return lines }
        var kept = Array(lines.prefix(maxLines))
        let last = kept[maxLines - 1]
        kept[maxLines - 1] = String(last.prefix(max(0, capacity - 1))) + "…"
        return kept
    }

    /// `value` rounded down to a count in 1…`limit`: NaN, infinite or huge sizes written by
    /// another tool must not trap in an `Int` conversion.
    static func count(_ value: Double, limit: Int) -> Int {
        guard value.isFinite else { return value > 0 ? limit : 1 }
        return Int(min(max(value.rounded(.down), 1), Double(limit)))
    }
}
