/// A property of a shape, each stored as its own register in the shape's map.
///
/// Because every property is a separate last-writer-wins register, concurrent edits of
/// different properties of one shape (one person moves it while another recolours it) both
/// survive a merge; only concurrent writes of the *same* property conflict.
public enum ShapeProperty: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// ``Shape/kind``, a string.
    case kind
    /// ``Shape/x``, a double.
    case x
    /// ``Shape/y``, a double.
    case y
    /// ``Shape/w``, a double.
    case w
    /// ``Shape/h``, a double.
    case h
    /// ``Shape/rotation`` in degrees, a double.
    case rotation
    /// ``Shape/fill``, a hex colour string (absent for none).
    case fill
    /// ``Shape/stroke``, a hex colour string (absent for none).
    case stroke
    /// ``Shape/strokeWidth``, a double.
    case strokeWidth
    /// ``Shape/opacity``, a double in 0…1.
    case opacity
    /// ``Shape/text``, a Text object.
    case text
    /// ``Shape/z``, a fractional-index string.
    case z
    /// ``Shape/parent``, a shape ID string.
    case parent
    /// ``Shape/from``, a shape ID string.
    case from
    /// ``Shape/to``, a shape ID string.
    case to
    /// ``Shape/locked``, a bool.
    case locked

    /// The key in the shape's map (the same as the case name).
    public var key: String { rawValue }

    /// The storage key.
    public var description: String { rawValue }
}
