/// A number with its noun in the singular or the plural: "1 record", "2 records".
/// - Parameter plural: the plural, when it is not the noun with an s ("audit entries").
func counted(_ number: Int, _ noun: String, plural: String? = nil) -> String {
    "\(number) \(number == 1 ? noun : plural ?? noun + "s")"
}
