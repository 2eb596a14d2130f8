import Testing
import TesseraCore

/// The README's first example, verbatim, so the documentation cannot drift from the API.
@Test("README first example")
func readmeFirstExample() throws {
    // Two replicas of one document; each writes under its own random replica ID.
    var ada = Document(origin: .human("Ada"))
    let title = try ada.makeObject(.text, forKey: "title")
    try ada.insertText("Sprint plan", at: 0, in: title)

    var grace = ada.fork()                       // a second writer with a fresh ID
    grace.origin = .human("Grace")

    // Offline edits on both sides…
    try ada.insertText(" v2", at: 11, in: title)
    try grace.transact { doc in                  // one transaction = one change
        try doc.insertText("Q3 ", at: 0, in: title)
        try doc.set("colour", to: "blue")
    }

    // …merge in either direction, any number of times.
    try ada.merge(grace)
    try grace.merge(ada)
    let merged = try ada.text(title)
    #expect(merged == "Q3 Sprint plan v2")
    #expect(ada.materialize() == grace.materialize())

    // Undo writes new operations, so it syncs like any edit.
    try grace.undo()
    #expect(try grace.get("colour") == nil)
    #expect(try grace.text(title) == "Sprint plan v2")
}
