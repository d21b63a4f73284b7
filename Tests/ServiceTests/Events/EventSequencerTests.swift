import Testing
@testable import SundialAPI

/// The relay's ordering rule (pure, time driven by the test).
@Suite("Event sequencer: gap-free, strictly increasing ids")
struct EventSequencerTests {
    struct Item: SequencedEvent, Equatable { var id: Int }

    let start = ContinuousClock.now
    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start.advanced(by: .milliseconds(milliseconds)) }

    @Test("contiguous ids go out at once, duplicates and old ids are ignored")
    func contiguous() {
        var sequencer = EventSequencer<Item>(startingAfter: 10, grace: .seconds(1))
        sequencer.ingest([Item(id: 12), Item(id: 11), Item(id: 9)], now: at(0))
        #expect(sequencer.drain(now: at(0)).map(\.id) == [11, 12])
        sequencer.ingest([Item(id: 12), Item(id: 13)], now: at(1))
        #expect(sequencer.drain(now: at(1)).map(\.id) == [13])
        #expect(sequencer.watermark == 13 && !sequencer.hasHoles)
    }

    @Test("an id that commits late is delivered in its place: later ids wait for it")
    func lateCommit() {
        var sequencer = EventSequencer<Item>(startingAfter: 0, grace: .seconds(5))
        sequencer.ingest([Item(id: 1), Item(id: 3), Item(id: 4)], now: at(0))
        #expect(sequencer.drain(now: at(0)).map(\.id) == [1])
        #expect(sequencer.pendingRange == 2...4)
        #expect(sequencer.drain(now: at(100)).isEmpty, "3 and 4 are held while 2 may still commit")
        sequencer.ingest([Item(id: 2), Item(id: 3), Item(id: 4)], now: at(200))
        #expect(sequencer.drain(now: at(200)).map(\.id) == [2, 3, 4])
        #expect(sequencer.abandoned == 0 && sequencer.watermark == 4)
    }

    @Test("an id that never commits is given up after the grace, and delivery continues")
    func abandoned() {
        var sequencer = EventSequencer<Item>(startingAfter: 0, grace: .seconds(1))
        sequencer.ingest([Item(id: 2), Item(id: 5)], now: at(0))
        #expect(sequencer.drain(now: at(999)).isEmpty)
        sequencer.ingest([Item(id: 4)], now: at(500))
        let ready = sequencer.drain(now: at(1000))
        #expect(ready.map(\.id) == [2, 4, 5])
        #expect(sequencer.abandoned == 2, "1 and 3")
        #expect(sequencer.watermark == 5 && !sequencer.hasHoles)
        // An id committing after it was given up is not delivered out of order.
        sequencer.ingest([Item(id: 3), Item(id: 6)], now: at(1100))
        #expect(sequencer.drain(now: at(1100)).map(\.id) == [6])
    }

    @Test("a sequence jump far larger than any set of transactions in flight is not tracked id by id")
    func sequenceJump() {
        var sequencer = EventSequencer<Item>(startingAfter: 0, grace: .milliseconds(10))
        sequencer.ingest([Item(id: 1_000_000)], now: at(0))
        #expect(sequencer.drain(now: at(0)).isEmpty)
        #expect(sequencer.drain(now: at(20)).map(\.id) == [1_000_000])
        #expect(sequencer.abandoned == 999_999)
    }
}
