import Foundation

extension ScheduleFields {
    /// The snake_case names of the fields that differ, for the `schedule_updated` activity.
    static func changedFields(from old: ScheduleFields, to new: ScheduleFields) -> [String] {
        zip(Mirror(reflecting: old).children, Mirror(reflecting: new).children).compactMap { before, after in
            guard let label = before.label, String(describing: before.value) != String(describing: after.value) else { return nil }
            return snakeCase(label)
        }
    }

    /// `notifyWebhookURL` → `notify_webhook_url`.
    static func snakeCase(_ name: String) -> String {
        var result = ""
        var previousLower = false
        for character in name {
            if character.isUppercase {
                if previousLower { result.append("_") }
                result.append(Character(character.lowercased()))
                previousLower = false
            } else {
                result.append(character)
                previousLower = true
            }
        }
        return result
    }
}
