import Foundation
import SchedulerCore
import Testing

@Suite("Timer heap")
struct TimerHeapTests {
    @Test("earliest first; ties by id; re-scheduling and cancelling leave stale entries that are skipped")
    func basics() {
        var heap = TimerHeap<String>()
        let t0 = Date(timeIntervalSince1970: 1_000)
        heap.schedule("b", at: t0.addingTimeInterval(10), revision: 1)
        heap.schedule("a", at: t0.addingTimeInterval(10), revision: 1)
        heap.schedule("c", at: t0.addingTimeInterval(5), revision: 1)
        heap.schedule("c", at: t0.addingTimeInterval(20), revision: 2)  // stale entry at +5 stays behind
        heap.schedule("d", at: t0.addingTimeInterval(1), revision: 1)
        heap.cancel("d")
        #expect(heap.count == 3)
        #expect(heap.storedCount == 5)
        #expect(heap.peek()?.id == "a")
        #expect(heap.popDue(now: t0.addingTimeInterval(10)).map(\.id) == ["a", "b"])
        #expect(heap.timer(for: "c") == TimerHeap<String>.Timer(fireAt: t0.addingTimeInterval(20), id: "c", revision: 2))
        #expect(heap.pop()?.revision == 2)
        #expect(heap.pop() == nil)
        #expect(heap.isEmpty)
    }

    @Test("randomized against a sorted-array model", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func matchesModel(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var heap = TimerHeap<Int>()
        var model: [Int: (fireAt: Date, revision: Int64)] = [:]
        var revision: Int64 = 0
        for _ in 0..<5_000 {
            let id = Int.random(in: 0..<200, using: &rng)
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<5:
                revision += 1
                // Few distinct instants so ties are common.
                let fireAt = Date(timeIntervalSince1970: Double(Int.random(in: 0..<50, using: &rng)))
                heap.schedule(id, at: fireAt, revision: revision)
                model[id] = (fireAt, revision)
            case 5..<7:
                heap.cancel(id)
                model[id] = nil
            case 7..<9:
                let expected = model.min { ($0.value.fireAt, $0.key) < ($1.value.fireAt, $1.key) }
                let popped = heap.pop()
                #expect(popped?.id == expected?.key)
                #expect(popped?.fireAt == expected?.value.fireAt)
                #expect(popped?.revision == expected?.value.revision)
                if let key = expected?.key { model[key] = nil }
            default:
                let now = Date(timeIntervalSince1970: Double(Int.random(in: 0..<50, using: &rng)))
                let expected = model.filter { $0.value.fireAt <= now }
                    .sorted { ($0.value.fireAt, $0.key) < ($1.value.fireAt, $1.key) }.map(\.key)
                #expect(heap.popDue(now: now).map(\.id) == expected)
                for key in expected { model[key] = nil }
            }
            #expect(heap.count == model.count)
        }
        #expect(heap.storedCount <= max(64, 2 * heap.count) + 1)
    }

    @Test("100,000 timers push and pop in well under a second")
    func scale() {
        var heap = TimerHeap<Int>()
        var rng = SplitMix64(seed: 42)
        let started = ContinuousClock.now
        for id in 0..<100_000 {
            heap.schedule(id, at: Date(timeIntervalSince1970: Double(UInt32.random(in: 0...UInt32.max, using: &rng))))
        }
        var last = Date.distantPast
        var popped = 0
        while let timer = heap.pop() {
            #expect(timer.fireAt >= last)
            last = timer.fireAt
            popped += 1
        }
        #expect(popped == 100_000)
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
