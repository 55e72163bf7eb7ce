import Foundation

/// Batches of items from one producing thread to consuming threads, in order, with at most
/// `capacity` batches waiting, so memory stays flat when the consumers are slower.
///
/// `@unchecked Sendable`: every stored property is read and written only while `condition` is
/// locked, except the two constants, so any thread may call any method.
final class Handoff<Item: Sendable, Ending: Sendable>: @unchecked Sendable {
    private let batchSize: Int
    private let capacity: Int
    private let condition = NSCondition()
    private var waiting: [[Item]] = []
    private var taken = 0
    private var ended = false
    private var producedEnding: Ending?

    /// Creates a handoff of batches of `batchSize` items, `capacity` of them waiting at most.
    init(batchSize: Int, capacity: Int) {
        self.batchSize = batchSize
        self.capacity = capacity
    }

    /// What the producer returned; set before ``takeNumbered()`` returns nil.
    var ending: Ending? {
        condition.lock()
        defer { condition.unlock() }
        return producedEnding
    }

    /// Runs the producing side: `produce` delivers items one by one and returns the ending.
    func run(_ produce: (_ deliver: (Item) -> Void) -> Ending) {
        var batch: [Item] = []
        batch.reserveCapacity(batchSize)
        let ending = produce { item in
            batch.append(item)
            if batch.count == batchSize {
                put(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { put(batch) }
        condition.lock()
        producedEnding = ending
        ended = true
        condition.broadcast()
        condition.unlock()
    }

    private func put(_ batch: [Item]) {
        condition.lock()
        while waiting.count >= capacity { condition.wait() }
        waiting.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch with its number (0, 1, 2, … in the order the producer delivered them),
    /// waiting for it; nil once the producer has ended and every batch was taken.
    func takeNumbered() -> (number: Int, items: [Item])? {
        condition.lock()
        defer { condition.unlock() }
        while waiting.isEmpty && !ended { condition.wait() }
        guard !waiting.isEmpty else { return nil }
        let batch = waiting.removeFirst()
        let number = taken
        taken += 1
        condition.broadcast()
        return (number, batch)
    }
}
