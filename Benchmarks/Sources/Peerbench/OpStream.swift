import Foundation

/// An op stream read from a file in the canonical JSON-lines format of WORKLOADS.md §6
/// (what `bench.py --dump-workloads` writes), plain or gzip.
public struct OpStream: Sendable {
    /// The file it came from.
    public var path: String
    /// The actions, in order.
    public var actions: [ShapeAction]
    /// SHA-256 over the file's lines (each + `"\n"`), i.e. the stream's fingerprint.
    public var fingerprint: String
    /// Lines whose canonical re-serialisation differs from the line itself (0 for a file
    /// written by the reference; anything else means the file is not canonical, or a value
    /// did not survive parsing).
    public var nonCanonicalLines: Int

    /// Reads and parses `path`.
    ///
    /// - Throws: ``InputError`` naming the file, the 1-based line and what is wrong with it.
    public init(contentsOf path: String) throws(InputError) {
        self.path = path
        let bytes = try FileInput.contents(path)
        var actions: [ShapeAction] = []
        var hash = SHA256()
        var nonCanonical = 0
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            lineNumber += 1
            let line = Array(bytes[start..<end])
            start = end + 1
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) {
                continue
            }
            let action: ShapeAction
            do {
                action = try OpStream.parse(line)
            } catch {
                throw .malformedLine(path: path, line: lineNumber, reason: error.reason)
            }
            if Array(CanonicalJSON.line(action).utf8) != line { nonCanonical += 1 }
            hash.update(line)
            hash.update([UInt8(ascii: "\n")])
            actions.append(action)
        }
        self.actions = actions
        fingerprint = hash.hexDigest()
        nonCanonicalLines = nonCanonical
    }

    struct LineError: Error { var reason: String }

    /// Parses one canonical line.
    static func parse(_ line: [UInt8]) throws(LineError) -> ShapeAction {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(line))
        } catch {
            throw LineError(reason: "invalid JSON (\(error.localizedDescription))")
        }
        guard let fields = object as? [String: Any] else { throw LineError(reason: "a line must be a JSON object") }
        func string(_ key: String) throws(LineError) -> String {
            guard let value = fields[key] else { throw LineError(reason: "missing \"\(key)\"") }
            guard let s = value as? String else { throw LineError(reason: "\"\(key)\" must be a string") }
            return s
        }
        func scalar(_ value: Any?, _ what: String) throws(LineError) -> ShapeValue {
            guard let value else { throw LineError(reason: "missing \(what)") }
            if let s = value as? String { return .string(s) }
            guard let number = value as? NSNumber else {
                throw LineError(reason: "\(what) must be a string or a number")
            }
            // JSONSerialization keeps the literal's kind: "12.0" is a double, "12" an integer.
            switch String(cString: number.objCType) {
            case "d", "f":
                return .double(number.doubleValue)
            case "c", "B":
                throw LineError(reason: "\(what) is a boolean; op streams hold strings and numbers only")
            case "Q":
                guard number.uint64Value <= UInt64(Int64.max) else { throw LineError(reason: "\(what) exceeds Int64") }
                return .int(number.int64Value)
            default:
                return .int(number.int64Value)
            }
        }
        switch try string("op") {
        case "create":
            let id = try string("id")
            guard let list = fields["fields"] as? [Any] else { throw LineError(reason: "\"fields\" must be an array") }
            var shapeFields: [ShapeField] = []
            for (i, entry) in list.enumerated() {
                guard let pair = entry as? [Any], pair.count == 2, let key = pair[0] as? String else {
                    throw LineError(reason: "fields[\(i)] must be a [key, value] pair")
                }
                shapeFields.append(ShapeField(key, try scalar(pair[1], "fields[\(i)] value")))
            }
            return .create(id: id, fields: shapeFields)
        case "set":
            return .set(id: try string("id"), key: try string("key"), value: try scalar(fields["value"], "\"value\""))
        case "append":
            return .append(list: try string("list"), value: try scalar(fields["value"], "\"value\""))
        case let other:
            throw LineError(reason: "unknown op \"\(other)\" (expected create, set or append)")
        }
    }
}

/// The `manifest.json` that `bench.py --dump-workloads` writes beside the streams.
public struct OpStreamManifest: Sendable {
    /// Fingerprint by file name.
    public var fingerprints: [String: String]

    /// The manifest in the directory of `streamPath`, if there is one.
    public init?(besides streamPath: String) {
        let directory = (streamPath as NSString).deletingLastPathComponent
        let path = (directory.isEmpty ? "." : directory) + "/manifest.json"
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let files = object["files"] as? [String: Any]
        else { return nil }
        var fingerprints: [String: String] = [:]
        for (name, entry) in files {
            if let entry = entry as? [String: Any], let fp = entry["fingerprint"] as? String { fingerprints[name] = fp }
        }
        self.fingerprints = fingerprints
    }

    /// The fingerprint the manifest records for `streamPath`'s file name.
    public func fingerprint(of streamPath: String) -> String? {
        fingerprints[(streamPath as NSString).lastPathComponent]
    }
}
