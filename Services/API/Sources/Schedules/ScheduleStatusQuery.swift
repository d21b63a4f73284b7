import APISupport
import Domain

extension ListQuery {
    /// `status=pending,recurring` on schedule lists: the derived schedule status (400 for others).
    func scheduleStatuses() throws -> Set<Schedule.Status> {
        guard let text = string("status") else { return [] }
        return Set(try text.split(separator: ",").map { item in
            let name = item.trimmingCharacters(in: .whitespaces).lowercased()
            guard let status = Schedule.Status(rawValue: name) else {
                let allowed = Schedule.Status.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError.badRequest("status: expected one of \(allowed), got \(JSONText.quote(String(item)))")
            }
            return status
        })
    }
}
