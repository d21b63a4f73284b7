/// One of the five fields of a cron expression, parsed.
public struct CronField: Sendable, Hashable {
    /// Which field this is; fixes its range and whether names are allowed.
    public enum Kind: Int, Sendable, Hashable, CaseIterable {
        case minute, hour, dayOfMonth, month, dayOfWeek

        /// The name used in error messages: `minute`, `day-of-week`, ...
        public var name: String {
            switch self {
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfMonth: "day-of-month"
            case .month: "month"
            case .dayOfWeek: "day-of-week"
            }
        }

        /// Values accepted in the text (day-of-week 7 is Sunday again).
        public var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        /// Three-letter names (index + offset = value), for month and day-of-week.
        var names: [String] {
            switch self {
            case .month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
            default: []
            }
        }

        var nameOffset: Int { self == .month ? 1 : 0 }
    }

    /// One comma-separated item: `*`, `5`, `1-5`, `*/15`, `1-30/2`, `MON/2`.
    public struct Item: Sendable, Hashable {
        public enum Base: Sendable, Hashable {
            /// `*`
            case all
            /// `a`; with a step it means `a-max`.
            case value(Int)
            /// `a-b` with `a <= b`.
            case range(Int, Int)
        }

        public var base: Base
        /// `/n`, `n >= 1`; nil when the item has no step.
        public var step: Int?

        /// First and last value the item spans before stepping.
        func bounds(in kind: Kind) -> ClosedRange<Int> {
            switch base {
            case .all: kind == .dayOfWeek ? 0...6 : kind.range
            case .value(let v): step == nil ? v...v : v...kind.range.upperBound
            case .range(let a, let b): a...b
            }
        }
    }

    public let kind: Kind
    /// The field exactly as written (after macro expansion).
    public let text: String
    public let items: [Item]
    /// Bit `v` set when value `v` matches. Day-of-week 7 is folded into 0.
    public let bits: UInt64

    init(kind: Kind, text: String, items: [Item]) {
        self.kind = kind
        self.text = text
        self.items = items
        var bits: UInt64 = 0
        for item in items {
            let step = item.step ?? 1
            for value in stride(from: item.bounds(in: kind).lowerBound, through: item.bounds(in: kind).upperBound, by: step) {
                bits |= 1 << UInt64(kind == .dayOfWeek && value == 7 ? 0 : value)
            }
        }
        self.bits = bits
    }

    /// Vixie cron: a day field is restricted when its text does not start with `*`.
    public var isRestricted: Bool { !text.hasPrefix("*") }

    /// The matching values in increasing order (day-of-week: 0...6).
    public var values: [Int] {
        (0..<64).filter { bits & (1 << UInt64($0)) != 0 }
    }

    public func contains(_ value: Int) -> Bool {
        guard value >= 0, value < 64 else { return false }
        let folded = kind == .dayOfWeek && value == 7 ? 0 : value
        return bits & (1 << UInt64(folded)) != 0
    }
}
