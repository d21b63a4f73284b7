/// A plain text table: upper-case headers, columns padded to their widest cell, long cells
/// cut with `…` at the column's limit.
struct Table {
    struct Column {
        var title: String
        var limit: Int

        init(_ title: String, limit: Int = 60) {
            self.title = title
            self.limit = limit
        }
    }

    var columns: [Column]
    var rows: [[String]] = []

    init(_ columns: [Column]) {
        self.columns = columns
    }

    mutating func add(_ cells: [String]) {
        rows.append(cells)
    }

    func render() -> String {
        let cells = rows.map { row in
            columns.indices.map { index in
                Self.cut(index < row.count ? Self.oneLine(row[index]) : "", columns[index].limit)
            }
        }
        let headers = columns.map { $0.title.uppercased() }
        let widths = columns.indices.map { index in
            max(headers[index].count, cells.map { $0[index].count }.max() ?? 0)
        }
        func line(_ values: [String]) -> String {
            var text = ""
            for (index, value) in values.enumerated() {
                if index == values.count - 1 {
                    text += value
                } else {
                    text += value + String(repeating: " ", count: widths[index] - value.count + 2)
                }
            }
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        return ([line(headers)] + cells.map(line)).joined(separator: "\n")
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    static func cut(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }
}
