import FerryCore
import Foundation

/// The time zones `zone:` names, from Foundation's `TimeZone` (ICU's zone data).
struct FoundationTimeZones: TimeZoneProvider {
    func zone(named identifier: String) -> (any TimeZoneRules)? {
        TimeZone(identifier: identifier).map { FoundationTimeZone(zone: $0, identifier: identifier) }
    }
}

/// One zone's offsets through Foundation.
struct FoundationTimeZone: TimeZoneRules {
    let zone: TimeZone
    let identifier: String

    /// The proleptic Gregorian calendar in UTC, for turning local times into seconds and back.
    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar
    }()

    func offsets(forLocal time: DatePattern.Parts) -> [Int] {
        let local = Self.seconds(time)
        // The offsets in force a day either side and at the time itself are the candidates; a
        // candidate holds when the instant it gives has that offset.
        let candidates = Set([-86_400, 0, 86_400].map { offset(at: local + $0) })
        return candidates.filter { offset(at: local - $0) == $0 }.sorted(by: >)
    }

    func localTime(of time: DatePattern.Parts, offset: Int) -> DatePattern.Parts {
        let instant = Self.seconds(time) - offset
        return Self.parts(instant + self.offset(at: instant))
    }

    private func offset(at seconds: Int) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    private static func seconds(_ time: DatePattern.Parts) -> Int {
        let components = DateComponents(
            year: time.date.year, month: time.date.month, day: time.date.day, hour: time.hour, minute: time.minute,
            second: time.second)
        return Int(utc.date(from: components)?.timeIntervalSince1970 ?? 0)
    }

    private static func parts(_ seconds: Int) -> DatePattern.Parts {
        let components = utc.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        let date =
            CalendarDate(year: components.year ?? 1970, month: components.month ?? 1, day: components.day ?? 1)
            ?? CalendarDate(year: 1970, month: 1, day: 1)!
        return DatePattern.Parts(
            date: date, hour: components.hour ?? 0, minute: components.minute ?? 0, second: components.second ?? 0)
    }
}
