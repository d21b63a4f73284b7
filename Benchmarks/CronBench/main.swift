// sundial-bench-cron: next-fire computations per second, single-threaded.
//
//   swift run -c release sundial-bench-cron [--seconds 1.0] [--strict]
//
// Each row chains `next(after:)` from 2024-01-01T00:00:00Z for about
// `--seconds` (restarting from the start instant when the chain passes 100
// years or runs out), after a warm-up that fills the zone's offset cache.
// `--strict` exits with status 1 when a target is missed.
import Cron
import Foundation

struct BenchCase {
    var expression: String
    var zone: String
    var target: Double
    var note: String
}

struct BenchResult {
    var benchCase: BenchCase
    var perSecond: Double
    var calls: Int
    var checksum: Double
    var met: Bool { perSecond >= benchCase.target }
}

enum CronBenchmark {
    static let start = Date(timeIntervalSince1970: 1_704_067_200)  // 2024-01-01T00:00:00Z
    static let restartAfter = start.addingTimeInterval(100 * 365.2425 * 86_400)

    static func cases() -> [BenchCase] {
        var cases: [BenchCase] = []
        for zone in ["UTC", "America/New_York"] {
            cases.append(BenchCase(expression: "*/5 * * * *", zone: zone, target: 1_000_000, note: ""))
            cases.append(BenchCase(expression: "0 9 * * 1-5", zone: zone, target: 1_000_000, note: ""))
            cases.append(BenchCase(expression: "30 2 1 * *", zone: zone, target: 1_000_000, note: ""))
            cases.append(BenchCase(expression: "15 14 1 * 5", zone: zone, target: 1_000_000, note: ""))
            cases.append(BenchCase(expression: "0 0 29 2 1", zone: zone, target: 50_000, note: "rare (Vixie OR)"))
            cases.append(BenchCase(expression: "0 0 29 2 */7", zone: zone, target: 50_000, note: "Feb 29 AND Sunday"))
        }
        return cases
    }

    static func measure(_ benchCase: BenchCase, seconds: Double) throws -> BenchResult {
        let schedule = try CronSchedule(expression: benchCase.expression, timeZoneIdentifier: benchCase.zone)
        var cursor = start
        var checksum = 0.0
        func step() {
            if let next = schedule.next(after: cursor), next < restartAfter {
                cursor = next
                checksum += next.timeIntervalSince1970
            } else {
                cursor = start
            }
        }
        for _ in 0..<2_000 { step() }  // warm-up: caches, page faults

        cursor = start
        let clock = ContinuousClock()
        let began = clock.now
        let budget = Duration.milliseconds(Int64(seconds * 1_000))
        var calls = 0
        while clock.now - began < budget {
            for _ in 0..<1_000 { step() }
            calls += 1_000
        }
        let elapsed = clock.now - began
        let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return BenchResult(benchCase: benchCase, perSecond: Double(calls) / elapsedSeconds, calls: calls, checksum: checksum)
    }

    static func run(seconds: Double, strict: Bool) throws -> Bool {
        print("sundial-bench-cron: next(after:) chained for ~\(seconds) s per row, single thread")
        let header = "expression".padding(toLength: 15, withPad: " ", startingAt: 0) + "  "
            + "zone".padding(toLength: 17, withPad: " ", startingAt: 0) + "  "
            + "next()/s".leftPadded(12) + "  " + "target".leftPadded(10) + "  met  note"
        print(header)
        print(String(repeating: "-", count: header.count + 20))
        var allMet = true
        var checksum = 0.0
        for benchCase in cases() {
            let result = try measure(benchCase, seconds: seconds)
            allMet = allMet && result.met
            checksum += result.checksum
            print(
                benchCase.expression.padding(toLength: 15, withPad: " ", startingAt: 0) + "  "
                    + benchCase.zone.padding(toLength: 17, withPad: " ", startingAt: 0) + "  "
                    + grouped(Int(result.perSecond)).leftPadded(12) + "  "
                    + grouped(Int(benchCase.target)).leftPadded(10) + "  "
                    + (result.met ? "yes" : "NO ") + "  " + benchCase.note
            )
        }
        print(allMet ? "All targets met." : "Some targets were MISSED.")
        print("(checksum \(checksum.truncatingRemainder(dividingBy: 1e9)))")
        return allMet || !strict
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return out
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

var seconds = 1.0
var strict = false
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--seconds":
        if let value = arguments.next().flatMap(Double.init), value > 0 { seconds = value }
    case "--strict":
        strict = true
    default:
        print("usage: sundial-bench-cron [--seconds N] [--strict]")
        exit(2)
    }
}
do {
    exit(try CronBenchmark.run(seconds: seconds, strict: strict) ? 0 : 1)
} catch {
    print("benchmark failed: \(error)")
    exit(1)
}
