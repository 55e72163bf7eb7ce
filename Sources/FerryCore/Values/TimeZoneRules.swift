/// The offsets of a named time zone, for the mapping language's `zone:`.
///
/// FerryCore holds no zone data: whoever loads mappings hands ``MappingLoader`` a
/// ``TimeZoneProvider`` (FerryConvert's reads Foundation's `TimeZone`, ICU's zone data).
public protocol TimeZoneRules: Sendable {
    /// The zone's name as the mapping writes it (`America/New_York`).
    var identifier: String { get }

    /// The offsets from UTC, in seconds east, that a local date and time has in the zone: none
    /// when the clocks skip it (a daylight-saving gap), two when they pass it twice (an overlap),
    /// the earlier instant's first.
    func offsets(forLocal time: DatePattern.Parts) -> [Int]

    /// The local date and time in the zone of an instant, given as a date and time with its offset.
    func localTime(of time: DatePattern.Parts, offset: Int) -> DatePattern.Parts
}

/// Finds time zones by name for ``MappingLoader``.
public protocol TimeZoneProvider: Sendable {
    /// The zone of an IANA name, or nil when there is none.
    func zone(named identifier: String) -> (any TimeZoneRules)?
}
