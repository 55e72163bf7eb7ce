import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// A task executor with one thread of its own at a lower scheduling priority (`nice` 10): work
/// that runs on it — the delivery workers' re-checking, rendering and signing — takes the CPU
/// only when request handling does not want it, so a sender's answer does not wait behind a
/// delivery batch.
///
/// Over time the deliveries still get every idle cycle.
final class LowPriorityExecutor: TaskExecutor, @unchecked Sendable {
    /// The process's one low-priority thread.
    static let shared = LowPriorityExecutor(name: "ferry-background", niceness: 10)

    private let condition = NSCondition()
    private var queue: [UnownedJob] = []

    private init(name: String, niceness: Int32) {
        let thread = Thread { [self] in
            #if canImport(Glibc)
                // On Linux the nice value is per thread, and `who` 0 is the calling thread: the
                // process's other threads keep their priority.
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
            #endif
            runJobs()
        }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    private func runJobs() {
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
