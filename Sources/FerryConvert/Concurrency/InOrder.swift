import Foundation

/// Results of several producing threads, handed out in the order of their numbers; a producer
/// waits while its result is `capacity` or more ahead of the next one handed out, so memory
/// stays flat when one producer is slow.
///
/// A thread is woken only when it may go on: the consumer when the result it waits for is put,
/// producers when a result handed out may give them room.
///
/// `@unchecked Sendable`: every stored property is read and written only while `condition` is
/// locked, except the two constants, so any thread may call any method.
final class InOrder<Result: Sendable>: @unchecked Sendable {
    private let capacity: Int
    private let producers: Int
    private let condition = NSCondition()
    private var results: [Int: Result] = [:]
    private var nextNumber = 0
    private var endedProducers = 0
    /// Whether the consumer waits for the next result, and how many producers wait for room.
    private var consumerWaits = false
    private var producersWaiting = 0

    /// Creates an ordering of results from `producers` threads, `capacity` ahead at most.
    init(capacity: Int, producers: Int) {
        self.capacity = capacity
        self.producers = producers
    }

    /// Stores result number `number`, waiting while it is too far ahead.
    func put(_ result: Result, number: Int) {
        condition.lock()
        while number >= nextNumber + capacity {
            producersWaiting += 1
            condition.wait()
            producersWaiting -= 1
        }
        results[number] = result
        if consumerWaits && number == nextNumber { condition.broadcast() }
        condition.unlock()
    }

    /// Tells that a producer will put nothing more.
    func producerEnded() {
        condition.lock()
        endedProducers += 1
        condition.broadcast()
        condition.unlock()
    }

    /// The next result in order, waiting for it; nil once every producer has ended and every
    /// result was handed out.
    func next() -> Result? {
        condition.lock()
        defer { condition.unlock() }
        while results[nextNumber] == nil && endedProducers < producers {
            consumerWaits = true
            condition.wait()
        }
        consumerWaits = false
        guard let result = results.removeValue(forKey: nextNumber) else { return nil }
        nextNumber += 1
        if producersWaiting > 0 { condition.broadcast() }
        return result
    }
}
