/// An sRGB colour with alpha, stored in the document as a hex string (`#rrggbb` or `#rrggbbaa`).
///
/// Colours are validated when created, so a board never writes a malformed colour and the
/// SVG renderer never emits one. Values another tool wrote that do not parse read as `nil`.
///
/// ```swift
/// let brand = try Color(hex: "#FF8800")
/// print(brand)                     // "#ff8800"
/// let glass = Color(red: 255, green: 255, blue: 255, alpha: 128)
/// print(glass)                     // "#ffffff80"
/// ```
public struct Color: Hashable, Sendable, CustomStringConvertible {
    /// Red, 0…255.
    public var red: UInt8
    /// Green, 0…255.
    public var green: UInt8
    /// Blue, 0…255.
    public var blue: UInt8
    /// Alpha, 0 (transparent) …255 (opaque).
    public var alpha: UInt8

    /// Creates a colour from its components.
    public init(red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8 = 255) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// Parses `#rgb`, `#rrggbb` or `#rrggbbaa` (case-insensitive).
    ///
    /// - Throws: ``CanvasError/invalidColor(_:)`` for anything else.
    public init(hex: String) throws(CanvasError) {
        guard let parsed = Color(parsing: hex) else { throw .invalidColor(hex) }
        self = parsed
    }

    /// Parses a stored value; `nil` when it is not a hex colour.
    init?(parsing string: String) {
        let bytes = Array(string.utf8)
        guard bytes.first == UInt8(ascii: "#") else { return nil }
        var nibbles: [UInt8] = []
        for byte in bytes.dropFirst() {
            guard let nibble = Color.nibble(byte) else { return nil }
            nibbles.append(nibble)
        }
        switch nibbles.count {
        case 3:
            self.init(red: nibbles[0] * 17, green: nibbles[1] * 17, blue: nibbles[2] * 17)
        case 6, 8:
            let alpha = nibbles.count == 8 ? nibbles[6] << 4 | nibbles[7] : 255
            self.init(red: nibbles[0] << 4 | nibbles[1], green: nibbles[2] << 4 | nibbles[3], blue: nibbles[4] << 4 | nibbles[5], alpha: alpha)
        default:
            return nil
        }
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The canonical form: lowercase `#rrggbb`, or `#rrggbbaa` when not opaque.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = [UInt8(ascii: "#")]
        for component in alpha == 255 ? [red, green, blue] : [red, green, blue, alpha] {
            bytes.append(digits[Int(component >> 4)])
            bytes.append(digits[Int(component & 0xF)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `#rrggbb` without the alpha channel (what SVG 1.1 attributes accept).
    public var opaqueHex: String { Color(red: red, green: green, blue: blue).hex }

    /// Alpha as a fraction, 0…1.
    public var opacity: Double { Double(alpha) / 255 }

    /// The same as ``hex``.
    public var description: String { hex }

    // MARK: Palette

    /// Near-black ink, the default stroke and text colour.
    public static let ink = Color(red: 0x1e, green: 0x1e, blue: 0x1e)
    /// Pure white.
    public static let white = Color(red: 0xff, green: 0xff, blue: 0xff)
    /// Pure black.
    public static let black = Color(red: 0, green: 0, blue: 0)
    /// A soft red.
    public static let red = Color(red: 0xe0, green: 0x31, blue: 0x31)
    /// A soft orange.
    public static let orange = Color(red: 0xf0, green: 0x8c, blue: 0x00)
    /// A soft green.
    public static let green = Color(red: 0x2f, green: 0x9e, blue: 0x44)
    /// A soft blue.
    public static let blue = Color(red: 0x19, green: 0x71, blue: 0xc2)
    /// A soft violet.
    public static let violet = Color(red: 0x70, green: 0x48, blue: 0xe8)
    /// A neutral grey.
    public static let gray = Color(red: 0x86, green: 0x8e, blue: 0x96)
    /// The classic sticky-note yellow.
    public static let stickyYellow = Color(red: 0xff, green: 0xec, blue: 0x99)
    /// A sticky-note pink.
    public static let stickyPink = Color(red: 0xfc, green: 0xc2, blue: 0xd7)
    /// A sticky-note green.
    public static let stickyGreen = Color(red: 0xb2, green: 0xf2, blue: 0xbb)
    /// A sticky-note blue.
    public static let stickyBlue = Color(red: 0xa5, green: 0xd8, blue: 0xff)
}
