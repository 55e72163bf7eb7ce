import Foundation

/// Batches of items from one producing thread to consuming threads, in order, with at most
/// `capacity` batches waiting, so memory stays flat when the consumers are slower.
///
/// When `capacity` batches wait, a producer given a `help` does not wait for room: it takes the
/// oldest batch and handles it itself, so that its core works instead of idling while the
/// consumers catch up (and no more threads than cores need to be busy).
///
/// A thread is woken only when it has something to do: a batch put wakes one consumer, a batch
/// taken wakes the producer only when it waits for room. (Waking every waiting thread at each
/// step made the kernel's scheduling a twentieth of a conversion's CPU.)
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
    /// Whether the producer waits for room.
    private var producerWaits = false

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
    /// - Parameter help: handles a batch on the producing thread, with its number, when
    ///   `capacity` batches wait; without it the producer waits for room.
    func run(
        _ produce: (_ deliver: (Item) -> Void) -> Ending, help: ((_ number: Int, _ items: [Item]) -> Void)? = nil
    ) {
        var batch: [Item] = []
        batch.reserveCapacity(batchSize)
        let ending = produce { item in
            batch.append(item)
            if batch.count == batchSize {
                put(batch, help: help)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { put(batch, help: help) }
        condition.lock()
        producedEnding = ending
        ended = true
        condition.broadcast()
        condition.unlock()
    }

    private func put(_ batch: [Item], help: ((Int, [Item]) -> Void)?) {
        condition.lock()
        while waiting.count >= capacity {
            if let help {
                let oldest = waiting.removeFirst()
                let number = taken
                taken += 1
                condition.unlock()
                help(number, oldest)
                condition.lock()
                continue
            }
            producerWaits = true
            condition.wait()
        }
        producerWaits = false
        waiting.append(batch)
        // Only consumers can be waiting now: one of them takes the batch.
        condition.signal()
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
        // The producer may be among consumers waiting for a batch: wake them all, to reach it.
        if producerWaits { condition.broadcast() }
        return (number, batch)
    }
}
