import FerryConvert

extension ConversionReport {
    /// The exit status by the documented rule: the highest that applies.
    var exitStatus: ExitStatus {
        var status = ExitStatus.success
        if rejected > 0 { status = max(status, .rejects) }
        if !malformed.isEmpty { status = max(status, .dataError) }
        if !unopenable.isEmpty { status = max(status, .noInput) }
        return status
    }
}
