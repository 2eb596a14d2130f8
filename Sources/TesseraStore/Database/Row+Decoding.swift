import Foundation
import GRDB
import TesseraCore

/// Checked reads of row columns: GRDB's typed subscripts trap on a value of the wrong type,
/// and a store file is input like any other, so every read goes through `DatabaseValue`
/// and fails with ``StoreError/corruptRow(table:key:reason:)``.
struct RowReader {
    let row: Row
    let table: String
    let key: String

    func corrupt(_ reason: String) -> StoreError { .corruptRow(table: table, key: key, reason: reason) }

    /// The column's raw value; a missing column or a NULL is `nil`.
    func value(_ column: String) -> DatabaseValue? {
        guard row.hasColumn(column) else { return nil }
        let value: DatabaseValue = row[column]
        return value.isNull ? nil : value
    }

    func int64(_ column: String) throws(StoreError) -> Int64 {
        guard case .int64(let number)? = value(column)?.storage else { throw corrupt("\(column) is not an integer") }
        return number
    }

    func uint64(_ column: String) throws(StoreError) -> UInt64 { UInt64(bitPattern: try int64(column)) }

    func replica(_ column: String) throws(StoreError) -> ReplicaID {
        guard let replica = ReplicaID(rawValue: try uint64(column)) else { throw corrupt("\(column) is zero") }
        return replica
    }

    func bytes(_ column: String) throws(StoreError) -> [UInt8] {
        guard case .blob(let data)? = value(column)?.storage else { throw corrupt("\(column) is not a blob") }
        return Array(data)
    }

    func optionalBytes(_ column: String) throws(StoreError) -> [UInt8]? {
        guard value(column) != nil else { return nil }
        return try bytes(column)
    }
}

extension UInt64 {
    /// The `INTEGER` with the same bit pattern.
    var databaseValue: Int64 { Int64(bitPattern: self) }
}

extension ReplicaID {
    /// The `INTEGER` with the same bit pattern.
    var databaseValue: Int64 { rawValue.databaseValue }
}
