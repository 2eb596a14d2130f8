import TesseraCore

/// How a ``Shape`` maps onto its map in the document: one register per ``ShapeProperty``.
extension Shape {
    /// Reads the shape stored in map `object`, tolerating anything another tool may have
    /// written: a missing or mistyped property reads as its default.
    init(reading object: ObjectID, id: ShapeID, in document: Document) {
        func value(_ property: ShapeProperty) -> Value? { (try? document.get(property.key, in: object)) ?? nil }
        func number(_ property: ShapeProperty, _ fallback: Double) -> Double { value(property)?.doubleValue ?? fallback }
        func string(_ property: ShapeProperty) -> String? { value(property)?.stringValue }
        self.init(kind: ShapeKind(rawValue: string(.kind) ?? ""))
        self.id = id
        x = number(.x, 0)
        y = number(.y, 0)
        w = number(.w, 0)
        h = number(.h, 0)
        rotation = number(.rotation, 0)
        fill = string(.fill).flatMap(Color.init(parsing:))
        stroke = string(.stroke).flatMap(Color.init(parsing:))
        strokeWidth = number(.strokeWidth, 0)
        opacity = number(.opacity, 1)
        if case .object(let textObject)? = value(.text) {
            text = (try? document.text(textObject)) ?? ""
        } else {
            text = string(.text) ?? ""
        }
        z = string(.z).flatMap(FractionalIndex.init)
        parent = string(.parent).map { ShapeID($0) }
        from = string(.from).map { ShapeID($0) }
        to = string(.to).map { ShapeID($0) }
        locked = value(.locked)?.boolValue ?? false
    }

    /// The stored form of a scalar property; `nil` means "absent" (the key is deleted).
    func storedValue(of property: ShapeProperty) -> Value? {
        switch property {
        case .kind: .string(kind.rawValue)
        case .x: .double(x)
        case .y: .double(y)
        case .w: .double(w)
        case .h: .double(h)
        case .rotation: .double(rotation)
        case .fill: fill.map { .string($0.hex) }
        case .stroke: stroke.map { .string($0.hex) }
        case .strokeWidth: .double(strokeWidth)
        case .opacity: .double(opacity)
        case .text: nil  // a Text object, written with splices
        case .z: z.map { .string($0.rawValue) }
        case .parent: parent.map { .string($0.rawValue) }
        case .from: from.map { .string($0.rawValue) }
        case .to: to.map { .string($0.rawValue) }
        case .locked: .bool(locked)
        }
    }

    /// The properties whose values differ between `self` and `other`.
    func differences(from other: Shape) -> [ShapeProperty] {
        ShapeProperty.allCases.filter { property in
            property == .text ? text != other.text : storedValue(of: property) != other.storedValue(of: property)
        }
    }
}

extension Document {
    /// Writes scalar property `property` of `shape` into map `object` (deleting the key for `nil`).
    mutating func writeShapeProperty(_ property: ShapeProperty, of shape: Shape, in object: ObjectID) throws(DocumentError) {
        if let value = shape.storedValue(of: property) {
            try set(property.key, to: value, in: object)
        } else {
            try delete(property.key, in: object)
        }
    }

    /// Turns text object `object` from `old` into `new` with one splice of the differing middle,
    /// so concurrent edits elsewhere in the text survive the merge.
    mutating func replaceText(_ object: ObjectID, from old: String, to new: String) throws(DocumentError) {
        let a = Array(old.unicodeScalars)
        let b = Array(new.unicodeScalars)
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        let deleted = a.count - prefix - suffix
        var inserted = String.UnicodeScalarView()
        inserted.append(contentsOf: b[prefix..<(b.count - suffix)])
        guard deleted > 0 || !inserted.isEmpty else { return }
        try splice(object, at: prefix, deleting: deleted, inserting: String(inserted))
    }
}
