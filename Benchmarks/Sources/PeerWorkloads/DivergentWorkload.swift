import Peerbench
import TesseraCore

/// The W2 protocol (WORKLOADS.md §4), for the generated W2 streams or any base/A/B triple
/// read with `--ops`: B imports A's base, both edit offline, each exports its delta since the
/// fork and imports the other's.
struct DivergentWorkload {
    var base: [ShapeAction]
    var sessionA: [ShapeAction]
    var sessionB: [ShapeAction]
    var batch: Int

    /// Operations per side: the larger session's primitive operations (50,500 by default).
    var operationsPerSide: Int {
        max(sessionA.reduce(0) { $0 + $1.primitiveOperationCount }, sessionB.reduce(0) { $0 + $1.primitiveOperationCount })
    }

    var lists: [String] {
        var names: [String] = []
        for case .append(let list, _) in base + sessionA + sessionB where !names.contains(list) { names.append(list) }
        return names
    }

    func runOnce(_ rec: inout Recorder) throws {
        // Untimed set-up: common base, B is an import of A, both at the fork version.
        var a = try ShapeReplica(replica: .peerbenchA, lists: lists)
        try a.apply(base, batch: batch)
        var b = ShapeReplica(document: try Document(decoding: a.document.encodeSnapshot(), replica: .peerbenchB))
        try b.attach()
        let fork = a.document.version
        rec.check("fork_versions_equal", b.document.version == fork)
        let n = operationsPerSide

        let (_, localA) = try Clock.measure { () throws(ReplayFailure) in try a.apply(sessionA, batch: batch) }
        rec.add("local_A_s", localA)
        rec.add("local_A_ops_per_s", localA.rate(n))
        let (_, localB) = try Clock.measure { () throws(ReplayFailure) in try b.apply(sessionB, batch: batch) }
        rec.add("local_B_s", localB)

        let (deltaA, exportA) = Clock.measure { a.document.encodeChanges(since: fork) }
        rec.add("delta_export_A_s", exportA)
        rec.add("delta_A_bytes", count: deltaA.count)
        rec.add("delta_A_bytes_zlib6", count: Zlib.compressedCount(deltaA) ?? -1)
        let (deltaB, exportB) = Clock.measure { b.document.encodeChanges(since: fork) }
        rec.add("delta_export_B_s", exportB)
        rec.add("delta_B_bytes", count: deltaB.count)
        rec.add("delta_B_bytes_zlib6", count: Zlib.compressedCount(deltaB) ?? -1)

        let (_, intoB) = try Clock.measure { () throws(EncodingError) in try b.document.apply(encoded: deltaA) }
        rec.add("import_into_B_s", intoB)
        rec.add("import_into_B_ops_per_s", intoB.rate(n))
        let (_, intoA) = try Clock.measure { () throws(EncodingError) in try a.document.apply(encoded: deltaB) }
        rec.add("import_into_A_s", intoA)
        rec.add("import_into_A_ops_per_s", intoA.rate(n))

        let stateA = a.document.materialize()
        let stateB = b.document.materialize()
        rec.check("converged", stateA == stateB)
        let plain = ShapeReplica.state(of: stateA)
        let checks = try DivergentChecks(base: base, sessionA: sessionA, sessionB: sessionB,
                                         shapes: plain.shapes, lists: plain.lists)
        rec.check("n_shapes_ok", checks.shapeCountOK)
        rec.check("fields_ok", checks.fieldsOK)
        rec.check("bad_fields", checks.badFields)
        rec.check("chat_len_ok", checks.listLengthOK)
        rec.check("chat_order_ok", checks.listOrderOK)
        rec.check("concurrently_written_fields", checks.concurrentlyWrittenFields)
    }
}
