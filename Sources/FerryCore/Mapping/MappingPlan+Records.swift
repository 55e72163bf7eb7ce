/// What a conversion makes of a record through the one walk: a canonical record, its NDJSON
/// line, or every problem it has.
extension MappingPlan {
    /// Appends the record's canonical line (envelope with id and data, and a line feed) when it
    /// maps and validates without a problem.
    /// - Parameters:
    ///   - headerTime: the document's ``headerTime(of:with:)``, when it has one.
    ///   - output: buffers reused from record to record.
    /// - Returns: false, with nothing appended, when the record has a problem
    ///   (``problems(of:with:headerTime:)`` then says which).
    package func appendLine(
        of record: RecordNode, with selector: any RecordSelector, headerTime: RecordMapper.Time?,
        to lines: inout [UInt8], output: inout CanonicalBytesOutput
    ) -> Bool {
        output.reset()
        var stop = FirstProblemStops()
        guard let walked = try? walk(record, with: selector, headerTime: headerTime, into: &output, problems: &stop),
            let key = walked.key
        else { return false }
        envelope.write(
            subject: key, id: CanonicalRecord.id(prefix: idPrefix, canonicalData: output.canonical), time: walked.time,
            classification: validator.classification(of: walked.readByRules), into: &lines
        ) {
            $0.append(contentsOf: output.ordered)
        }
        lines.append(0x0A)
        return true
    }

    /// The canonical record, when the record maps and validates without a problem.
    /// - Parameter headerTime: the document's ``headerTime(of:with:)``, when it has one.
    package func canonicalRecord(
        of record: RecordNode, with selector: any RecordSelector, headerTime: RecordMapper.Time?
    ) -> CanonicalRecord? {
        var tree = RecordTreeOutput()
        var stop = FirstProblemStops()
        guard let walked = try? walk(record, with: selector, headerTime: headerTime, into: &tree, problems: &stop),
            let key = walked.key
        else { return nil }
        let schema = mapping.schema
        return CanonicalRecord(
            type: schema.recordType, source: source, subject: key, dataschema: schema.dataschema, time: walked.time,
            classification: validator.classification(of: walked.readByRules), data: tree.data)
    }

    /// Every problem of a record, each with its pointer, and its key as read.
    /// - Parameter headerTime: the document's ``headerTime(of:with:)``, when it has one.
    package func problems(
        of record: RecordNode, with selector: any RecordSelector, headerTime: RecordMapper.Time?
    ) -> (problems: [RecordProblem], key: String?) {
        var nothing = DiscardingOutput()
        var every = EveryProblem()
        let walked = walk(record, with: selector, headerTime: headerTime, into: &nothing, problems: &every)
        return (every.problems, walked.key)
    }
}
