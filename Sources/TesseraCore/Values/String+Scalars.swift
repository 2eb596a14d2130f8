extension String {
    /// A string of `scalars`, encoded to UTF-8 straight into the string's storage.
    ///
    /// `String.UnicodeScalarView.append(contentsOf:)` takes a generic path that cost a third
    /// of a whole-history export (one string per typed run); this is a plain encoding loop.
    init(scalars: some Collection<Unicode.Scalar>) {
        var count = 0
        for scalar in scalars { count += UTF8.width(scalar) }
        guard count > 0 else {
            self = ""
            return
        }
        self.init(unsafeUninitializedCapacity: count) { buffer in
            var written = 0
            for scalar in scalars {
                UTF8.encode(scalar) { byte in
                    buffer[written] = byte
                    written += 1
                }
            }
            return written
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends the UTF-8 encoding of `scalars`.
    mutating func appendUTF8(of scalars: some Collection<Unicode.Scalar>) {
        for scalar in scalars {
            if scalar.value < 0x80 {
                append(UInt8(truncatingIfNeeded: scalar.value))
            } else {
                UTF8.encode(scalar) { append($0) }
            }
        }
    }
}

extension Array where Element == Unicode.Scalar {
    /// Appends the scalars of `text` one at a time: `append(contentsOf: text.unicodeScalars)`
    /// takes a slow generic path (hundreds of instructions for one typed character).
    mutating func append(scalarsOf text: String) {
        for scalar in text.unicodeScalars { append(scalar) }
    }
}
