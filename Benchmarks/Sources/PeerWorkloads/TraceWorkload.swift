import Peerbench
import TesseraCore

/// The W3 protocol (WORKLOADS.md §5): replay an editing trace into root text `text` of a
/// fresh A with the native API (one `transact` per trace transaction), export, open in a
/// fresh B, read, check against the trace's end content.
struct TraceWorkload {
    var trace: EditingTrace
    var batch: Int

    /// The timed local replay: the trace's transactions, `batch` at a time, into `text` of
    /// `document`. A function of its own (not inlined), so that a profiler can single it out
    /// (`valgrind --tool=callgrind --toggle-collect='*replayLocally*'`).
    @inline(never)
    func replayLocally(into document: inout Document, text: ObjectID) throws(DocumentError) {
        let ends = trace.transactionEnds
        let batch = max(1, batch)
        try trace.patches.withUnsafeBufferPointer { patches throws(DocumentError) in
            var t = 0
            var first = 0
            while t < ends.count {
                t = min(ends.count, t + batch)
                let end = ends[t - 1]
                try document.transact { (doc: inout Document) throws(DocumentError) in
                    for p in first..<end {
                        // Fields read in place: a copy of the patch retained and released its
                        // string, harness work that is not the engine's.
                        let position = patches[p].position
                        let deleteCount = patches[p].deleteCount
                        if deleteCount > 0 { try doc.remove(at: position, count: deleteCount, in: text) }
                        if !patches[p].insert.isEmpty { try doc.insertText(patches[p].insert, at: position, in: text) }
                    }
                }
                first = end
            }
        }
    }

    func runOnce(_ rec: inout Recorder) throws {
        let patches = trace.patchCount
        let heapBefore = Machine.liveHeapBytes
        var a = Document(replica: .peerbenchA)
        let text = try a.makeObject(.text, forKey: "text")
        let (_, local) = try Clock.measure { () throws(DocumentError) in try replayLocally(into: &a, text: text) }
        rec.add("local_s", local)
        rec.add("local_patches_per_s", local.rate(patches))
        rec.add("local_doc_heap_bytes", count: Machine.liveHeapBytes - heapBefore)
        rec.check("local_text_ok", try a.text(text) == trace.endContent)

        for variant in ExportVariant.allCases {
            let p = variant.prefix
            let (data, export) = Clock.measure { variant.export(a) }
            rec.add(p + "export_s", export)
            rec.add(p + "bytes", count: data.count)
            rec.add(p + "bytes_zlib6", count: Zlib.compressedCount(data) ?? -1)
            let heapBeforeImport = Machine.liveHeapBytes
            let (b, opening) = try Clock.measure { () throws(EncodingError) in try variant.open(data, replica: .peerbenchB) }
            rec.add(p + "import_s", opening)
            rec.add(p + "import_patches_per_s", opening.rate(patches))
            // The first read finds the text by name and reads it, as the peers' do
            // (`doc.get_text("text").to_string()`); a lazily opened snapshot decodes here.
            let (string, read) = try Clock.measure { () throws(DocumentError) -> String? in
                guard case .object(let imported)? = try b.get("text") else { return nil }
                return try b.text(imported)
            }
            rec.add(p + "read_after_import_s", read)
            // Measured after the read, so a lazily opened document counts its decoded state
            // (and the string read, 105 kB for automerge-paper).
            rec.add(p + "import_doc_heap_bytes", count: Machine.liveHeapBytes - heapBeforeImport)
            guard let string else {
                rec.check(p + "text_equals_endContent", false)
                continue
            }
            rec.check(p + "text_equals_endContent", string == trace.endContent)
            rec.check(p + "text_length", string.unicodeScalars.count)
            if variant == .snapshot {
                // Tessera only: the first keystroke after opening the export. Every writer needs
                // the log it appends to, so a lazily opened snapshot decodes its history here.
                var edited = consume b
                let (_, edit) = try Clock.measure { () throws(DocumentError) in
                    guard case .object(let imported)? = try edited.get("text") else { return }
                    try edited.insertText("x", at: 0, in: imported)
                }
                rec.add("first_edit_after_import_s", edit)
            }
        }
    }
}
