import Peerbench
import TesseraCore

/// The W1 protocol (WORKLOADS.md §3), for the generated W1 stream or any single-writer op
/// stream read with `--ops`: A applies the stream; each export variant is imported into a
/// fresh B, read twice and checked against the sequential reference replay.
struct SingleWriterWorkload {
    var actions: [ShapeAction]
    var expected: ReferenceState
    var totalOperations: Int
    var batch: Int

    /// Root lists the stream appends to.
    var lists: [String] {
        var names: [String] = []
        for case .append(let list, _) in actions where !names.contains(list) { names.append(list) }
        return names
    }

    func runOnce(_ rec: inout Recorder) throws {
        var a = try ShapeReplica(replica: .peerbenchA, lists: lists)
        let (_, local) = try Clock.measure { () throws(ReplayFailure) in try a.apply(actions, batch: batch) }
        rec.add("local_s", local)
        rec.add("local_ops_per_s", local.rate(totalOperations))

        for variant in ExportVariant.allCases {
            let p = variant.prefix
            let (data, export) = Clock.measure { variant.export(a.document) }
            rec.add(p + "export_s", export)
            rec.add(p + "bytes", count: data.count)
            rec.add(p + "bytes_zlib6", count: Zlib.compressedCount(data) ?? -1)
            let (b, opening) = try Clock.measure { () throws(EncodingError) in try variant.open(data, replica: .peerbenchB) }
            rec.add(p + "import_s", opening)
            rec.add(p + "import_ops_per_s", opening.rate(totalOperations))
            let (state, first) = Clock.measure { b.materialize() }
            rec.add(p + "read_after_import_s", first)
            let (again, warm) = Clock.measure { b.materialize() }
            rec.add(p + "read_warm_s", warm)
            let plain = ShapeReplica.state(of: state)
            let difference = expected.firstDifference(shapes: plain.shapes, lists: plain.lists)
            if let difference { Console.warn("\(p)state differs from the reference: \(difference)") }
            rec.check(p + "state_equals_expected", difference == nil && again == state)
            if variant == .snapshot {
                // Tessera only: the first edit after opening the export, which decodes a lazily
                // opened snapshot's history (every writer needs the log it appends to).
                var edited = consume b
                let (_, edit) = try Clock.measure { () throws(DocumentError) in try edited.set("edited", to: .bool(true)) }
                rec.add("first_edit_after_import_s", edit)
            }
        }
    }
}
