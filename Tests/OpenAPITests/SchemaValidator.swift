import Foundation

/// A JSON Schema (2020-12, as OpenAPI 3.1 uses it) validator for the subset the Sundial
/// document uses. Keywords it does not know make validation fail (`unsupported keyword`),
/// so the document cannot silently rely on a rule nobody checks.
///
/// Supported: boolean schemas, `$ref` (local `#/...` JSON pointers, with sibling keywords),
/// `type` (a name or an array of names; `integer` matches integral numbers), `enum`, `const`,
/// `properties`, `required`, `additionalProperties` (boolean or schema), `items`, `minItems`,
/// `maxItems`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `minLength`,
/// `maxLength` (in Unicode code points), `pattern` (unanchored search), `format` (`date-time`,
/// `uuid`, `uri`; others are annotations), `oneOf` (exactly one), `anyOf`, `allOf`, `not`.
struct SchemaValidator {
    /// The whole document, for `$ref`.
    let root: JSON
    /// Sundial's contract: every instant is UTC with `Z` (API.md), stricter than RFC 3339.
    var requireUTCInstants = true

    static let validationKeywords: Set<String> = [
        "$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "items",
        "minItems", "maxItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "minLength", "maxLength", "pattern", "format", "oneOf", "anyOf", "allOf", "not",
    ]
    /// Keywords that carry no validation rule.
    static let annotationKeywords: Set<String> = [
        "description", "title", "default", "examples", "example", "deprecated", "readOnly", "writeOnly",
        "$comment", "contentMediaType",
    ]

    struct Failure: CustomStringConvertible, Equatable {
        /// Where in the instance (`$.items[2].status`).
        var path: String
        var message: String
        var description: String { "\(path): \(message)" }
    }

    /// Failures of `instance` against `schema`; empty when valid.
    func validate(_ instance: JSON, against schema: JSON, path: String = "$") -> [Failure] {
        var failures: [Failure] = []
        check(instance, schema, path, depth: 0, into: &failures)
        return failures
    }

    func isValid(_ instance: JSON, against schema: JSON) -> Bool {
        validate(instance, against: schema).isEmpty
    }

    /// Resolves a local reference (`#/components/schemas/Schedule`); nil when it points nowhere.
    func resolve(_ reference: String) -> JSON? {
        Self.resolve(reference, in: root)
    }

    static func resolve(_ reference: String, in root: JSON) -> JSON? {
        if reference == "#" { return root }
        guard reference.hasPrefix("#/") else { return nil }
        var node = root
        for raw in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let token = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch node {
            case .object(let members):
                guard let next = members[token] else { return nil }
                node = next
            case .array(let items):
                guard let index = Int(token), items.indices.contains(index) else { return nil }
                node = items[index]
            default:
                return nil
            }
        }
        return node
    }

    // MARK: Checking

    private func check(_ instance: JSON, _ schema: JSON, _ path: String, depth: Int, into failures: inout [Failure]) {
        guard depth < 64 else {
            failures.append(Failure(path: path, message: "schema nesting deeper than 64 ($ref cycle?)"))
            return
        }
        switch schema {
        case .bool(true): return
        case .bool(false):
            failures.append(Failure(path: path, message: "no value is allowed here"))
            return
        case .object: break
        default:
            failures.append(Failure(path: path, message: "invalid schema \(schema)"))
            return
        }
        let keywords = schema.objectValue ?? [:]

        for key in keywords.keys where !Self.validationKeywords.contains(key) && !Self.annotationKeywords.contains(key) && !key.hasPrefix("x-") {
            failures.append(Failure(path: path, message: "unsupported schema keyword \"\(key)\""))
        }

        if let reference = keywords["$ref"] {
            guard let text = reference.stringValue, let target = resolve(text) else {
                failures.append(Failure(path: path, message: "unresolvable $ref \(reference)"))
                return
            }
            check(instance, target, path, depth: depth + 1, into: &failures)
        }

        if let type = keywords["type"] {
            let allowed: [String] = type.stringValue.map { [$0] } ?? type.arrayValue?.compactMap(\.stringValue) ?? []
            let actual = instance.typeName
            let matches = allowed.contains(actual) || (actual == "integer" && allowed.contains("number"))
            if !matches {
                failures.append(Failure(path: path, message: "expected \(allowed.joined(separator: " or ")), got \(actual) \(instance)"))
                return  // the other keywords would only repeat the type error
            }
        }

        if let options = keywords["enum"]?.arrayValue, !options.contains(where: { Self.same($0, instance) }) {
            failures.append(Failure(path: path, message: "\(instance) is not one of \(options.map(\.description).joined(separator: ", "))"))
        }
        if let constant = keywords["const"], !Self.same(constant, instance) {
            failures.append(Failure(path: path, message: "\(instance) is not \(constant)"))
        }

        switch instance {
        case .object(let members):
            checkObject(members, keywords, path, depth: depth, into: &failures)
        case .array(let items):
            if let minimum = keywords["minItems"]?.numberValue, Double(items.count) < minimum {
                failures.append(Failure(path: path, message: "\(items.count) items, fewer than \(Int(minimum))"))
            }
            if let maximum = keywords["maxItems"]?.numberValue, Double(items.count) > maximum {
                failures.append(Failure(path: path, message: "\(items.count) items, more than \(Int(maximum))"))
            }
            if let itemSchema = keywords["items"] {
                for (index, item) in items.enumerated() {
                    check(item, itemSchema, "\(path)[\(index)]", depth: depth + 1, into: &failures)
                }
            }
        case .string(let text):
            checkString(text, keywords, path, into: &failures)
        case .int, .double:
            let number = instance.numberValue ?? 0
            if let minimum = keywords["minimum"]?.numberValue, number < minimum {
                failures.append(Failure(path: path, message: "\(instance) is less than the minimum \(minimum)"))
            }
            if let maximum = keywords["maximum"]?.numberValue, number > maximum {
                failures.append(Failure(path: path, message: "\(instance) is greater than the maximum \(maximum)"))
            }
            if let minimum = keywords["exclusiveMinimum"]?.numberValue, number <= minimum {
                failures.append(Failure(path: path, message: "\(instance) is not greater than \(minimum)"))
            }
            if let maximum = keywords["exclusiveMaximum"]?.numberValue, number >= maximum {
                failures.append(Failure(path: path, message: "\(instance) is not less than \(maximum)"))
            }
        default:
            break
        }

        if let all = keywords["allOf"]?.arrayValue {
            for sub in all { check(instance, sub, path, depth: depth + 1, into: &failures) }
        }
        if let any = keywords["anyOf"]?.arrayValue {
            let results = any.map { validate(instance, $0, path, depth: depth + 1) }
            if !results.contains(where: \.isEmpty) {
                failures.append(Failure(path: path, message: "matches none of anyOf: " + Self.summary(results)))
            }
        }
        if let one = keywords["oneOf"]?.arrayValue {
            let results = one.map { validate(instance, $0, path, depth: depth + 1) }
            let matching = results.filter(\.isEmpty).count
            if matching == 0 {
                failures.append(Failure(path: path, message: "matches none of oneOf: " + Self.summary(results)))
            } else if matching > 1 {
                failures.append(Failure(path: path, message: "matches \(matching) branches of oneOf (exactly one allowed)"))
            }
        }
        if let negated = keywords["not"], validate(instance, negated, path, depth: depth + 1).isEmpty {
            failures.append(Failure(path: path, message: "must not match the `not` schema"))
        }
    }

    private func validate(_ instance: JSON, _ schema: JSON, _ path: String, depth: Int) -> [Failure] {
        var failures: [Failure] = []
        check(instance, schema, path, depth: depth, into: &failures)
        return failures
    }

    private func checkObject(_ members: [String: JSON], _ keywords: [String: JSON], _ path: String, depth: Int, into failures: inout [Failure]) {
        let properties = keywords["properties"]?.objectValue ?? [:]
        for name in keywords["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
            failures.append(Failure(path: path, message: "missing required property \"\(name)\""))
        }
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            let childPath = "\(path).\(name)"
            if let propertySchema = properties[name] {
                check(value, propertySchema, childPath, depth: depth + 1, into: &failures)
            } else if let additional = keywords["additionalProperties"] {
                if additional == .bool(false) {
                    failures.append(Failure(path: childPath, message: "undocumented property (additionalProperties: false)"))
                } else {
                    check(value, additional, childPath, depth: depth + 1, into: &failures)
                }
            }
        }
    }

    private func checkString(_ text: String, _ keywords: [String: JSON], _ path: String, into failures: inout [Failure]) {
        let length = Double(text.unicodeScalars.count)
        if let minimum = keywords["minLength"]?.numberValue, length < minimum {
            failures.append(Failure(path: path, message: "\(Int(length)) characters, fewer than \(Int(minimum))"))
        }
        if let maximum = keywords["maxLength"]?.numberValue, length > maximum {
            failures.append(Failure(path: path, message: "\(Int(length)) characters, more than \(Int(maximum))"))
        }
        if let pattern = keywords["pattern"]?.stringValue {
            if let regex = try? Regex(pattern) {
                if (try? regex.firstMatch(in: text)) == nil {
                    failures.append(Failure(path: path, message: "\(JSON.string(text)) does not match /\(pattern)/"))
                }
            } else {
                failures.append(Failure(path: path, message: "invalid pattern /\(pattern)/"))
            }
        }
        if let format = keywords["format"]?.stringValue, let problem = Self.formatProblem(format, text, requireUTC: requireUTCInstants) {
            failures.append(Failure(path: path, message: problem))
        }
    }

    // MARK: Formats

    /// Why `text` is not a valid `format`; nil when it is (or the format is an annotation only).
    static func formatProblem(_ format: String, _ text: String, requireUTC: Bool) -> String? {
        switch format {
        case "date-time":
            return dateTimeProblem(text, requireUTC: requireUTC)
        case "uuid":
            let hex = Set("0123456789abcdefABCDEF")
            let groups = text.split(separator: "-", omittingEmptySubsequences: false).map(\.count)
            guard groups == [8, 4, 4, 4, 12], text.allSatisfy({ $0 == "-" || hex.contains($0) }) else {
                return "\(JSON.string(text)) is not a UUID"
            }
            return nil
        case "uri":
            guard let components = URLComponents(string: text), components.scheme?.isEmpty == false else {
                return "\(JSON.string(text)) is not an absolute URI"
            }
            return nil
        default:
            return nil
        }
    }

    /// RFC 3339 `date-time` (`2024-03-10T07:30:00Z`, `…:00.123Z`, `…+02:00`), with real field ranges.
    static func dateTimeProblem(_ text: String, requireUTC: Bool) -> String? {
        let bad = "\(JSON.string(text)) is not an RFC 3339 date-time"
        let characters = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= characters.count else { return nil }
            var value = 0
            for index in range {
                let c = characters[index]
                guard (0x30...0x39).contains(c) else { return nil }
                value = value * 10 + Int(c - 0x30)
            }
            return value
        }
        func char(_ index: Int) -> UInt8? { index < characters.count ? characters[index] : nil }
        guard let year = digits(0..<4), char(4) == UInt8(ascii: "-"), let month = digits(5..<7), char(7) == UInt8(ascii: "-"),
              let day = digits(8..<10), char(10) == UInt8(ascii: "T") || char(10) == UInt8(ascii: "t"),
              let hour = digits(11..<13), char(13) == UInt8(ascii: ":"), let minute = digits(14..<16),
              char(16) == UInt8(ascii: ":"), let second = digits(17..<19)
        else { return bad }
        let daysInMonth = [31, (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...12).contains(month), (1...daysInMonth[month - 1]).contains(day), hour < 24, minute < 60, second < 61 else {
            return bad
        }
        var index = 19
        if char(index) == UInt8(ascii: ".") {
            index += 1
            let start = index
            while let c = char(index), (0x30...0x39).contains(c) { index += 1 }
            guard index > start else { return bad }
        }
        let zone = String(decoding: characters[index...], as: UTF8.self)
        if zone == "Z" || zone == "z" { return nil }
        let offset = Array(zone.utf8)
        guard offset.count == 6, offset[0] == UInt8(ascii: "+") || offset[0] == UInt8(ascii: "-"), offset[3] == UInt8(ascii: ":"),
              let offsetHour = Int(String(decoding: offset[1..<3], as: UTF8.self)), offsetHour < 24,
              let offsetMinute = Int(String(decoding: offset[4..<6], as: UTF8.self)), offsetMinute < 60
        else { return bad }
        return requireUTC ? "\(JSON.string(text)) is not in UTC with `Z` (API.md: instants are ISO-8601 UTC with Z)" : nil
    }

    // MARK: Helpers

    /// JSON equality with numbers compared by value (1 == 1.0).
    static func same(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.int, .double), (.double, .int), (.int, .int), (.double, .double):
            return a.numberValue == b.numberValue
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
        default:
            return a == b
        }
    }

    private static func summary(_ results: [[Failure]]) -> String {
        results.enumerated().map { index, failures in
            "[\(index)] " + failures.prefix(2).map(\.description).joined(separator: "; ")
        }.joined(separator: " | ")
    }
}
