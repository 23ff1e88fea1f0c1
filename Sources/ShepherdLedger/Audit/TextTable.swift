/// An aligned plain-text table: the first `leading` columns left-aligned (names), the rest
/// right-aligned (numbers); a rule above the last row when `totalRow` is set.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    var leading = 1
    var totalRow = false

    func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index < leading ? cell + pad : pad + cell
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var lines = [line(header)]
        for (index, row) in rows.enumerated() {
            if totalRow, index == rows.count - 1, rows.count > 1 {
                lines.append(String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1)))
            }
            lines.append(line(row))
        }
        return lines.joined(separator: "\n")
    }
}
