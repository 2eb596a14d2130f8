import Testing
@testable import TesseraCore

@Test func smoke() throws {
    var a = Document(replica: ReplicaID(rawValue: 1)!, origin: .human("A"))
    var b = a.fork(replica: ReplicaID(rawValue: 2)!)
    let t = try a.makeObject(.text, forKey: "t")
    try a.insertText("hello", at: 0, in: t)
    try b.merge(a)
    try a.insertText(" world", at: 5, in: t)
    try b.insertText("!", at: 5, in: t)
    try a.set("x", to: 1)
    try b.set("x", to: 2)
    try a.merge(b); try b.merge(a)
    #expect(try a.text(t) == b.text(t))
    #expect(a.materialize() == b.materialize())
    #expect(try a.conflicts("x").count == 2)
    print(try a.text(t), a.materialize())
    try a.undo()
    print(try a.text(t), a.materialize())
}
