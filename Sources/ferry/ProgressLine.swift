import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A line on standard error that says how far a long conversion has come.
///
/// Bytes read of the total and records written per second, once the conversion runs longer than
/// a second, redrawn in place four times a second and cleared at the end. Only for a terminal: a
/// pipe or a file never gets it.
///
/// The counters are atomics, added to by the reading and writing threads; one thread of its own
/// draws the line.
final class ProgressLine: Sendable {
    private let totalBytes: Int?
    private let bytes = Atomic<Int>(0)
    private let records = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let drawn = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let start = ContinuousClock.now

    /// Starts drawing after a second, when standard error is a terminal.
    /// - Returns: nil when standard error is not a terminal.
    static func startIfTerminal(totalBytes: Int?) -> ProgressLine? {
        guard isatty(2) == 1 else { return nil }
        let line = ProgressLine(totalBytes: totalBytes)
        let thread = Thread { line.draw() }
        thread.start()
        return line
    }

    private init(totalBytes: Int?) { self.totalBytes = totalBytes }

    /// Counts bytes read.
    func read(_ count: Int) { bytes.add(count, ordering: .relaxed) }

    /// Counts the records in output written: one per line.
    func wrote(_ output: [UInt8]) {
        let lines = output.withUnsafeBufferPointer { buffer -> Int in
            guard var position = buffer.baseAddress else { return 0 }
            let end = position + buffer.count
            var count = 0
            while position < end, let found = memchr(position, 0x0A, end - position) {
                count += 1
                position = UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) + 1
            }
            return count
        }
        records.add(lines, ordering: .relaxed)
    }

    /// Stops drawing and clears the line; what is written to standard error after it starts on
    /// a clean line.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        finished.wait()
    }

    private func draw() {
        defer { finished.signal() }
        while !stopped.load(ordering: .relaxed) {
            usleep(250_000)
            let elapsed = ContinuousClock.now - start
            guard elapsed >= .seconds(1), !stopped.load(ordering: .relaxed) else { continue }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let megabytes = Double(bytes.load(ordering: .relaxed)) / 1_048_576
            let done = totalBytes.map { String(format: "%.1f of %.1f MB", megabytes, Double($0) / 1_048_576) }
            let rate = Int(Double(records.load(ordering: .relaxed)) / seconds)
            put("\r\u{1B}[Kferry convert: \(done ?? String(format: "%.1f MB", megabytes)), \(rate) records/s")
            drawn.store(true, ordering: .relaxed)
        }
        if drawn.load(ordering: .relaxed) { put("\r\u{1B}[K") }
    }

    private func put(_ text: String) {
        var text = text
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}
