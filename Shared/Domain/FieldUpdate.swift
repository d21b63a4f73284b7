/// One field of a partial update (`PUT` is partial in the API): the key was absent (leave the
/// field as it is), explicitly `null` (clear it), or carries a value.
public enum FieldUpdate<Value: Sendable & Equatable>: Sendable, Equatable {
    case absent
    case null
    case value(Value)

    public var isPresent: Bool {
        if case .absent = self { return false }
        return true
    }

    /// The value to store: the current one when absent, nil when cleared.
    public func applied(to current: Value?) -> Value? {
        switch self {
        case .absent: current
        case .null: nil
        case .value(let value): value
        }
    }
}
