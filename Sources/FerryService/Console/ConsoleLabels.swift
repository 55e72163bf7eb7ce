import Foundation

/// The console's words in English and Russian; data is shown as it is.
enum ConsoleLabels {
    /// The languages the console speaks.
    enum Language: String, CaseIterable {
        case en, ru
    }

    /// The language for a request: an explicit choice (the `lang` cookie) first, else the first
    /// of `Accept-Language` the console speaks, else English.
    static func language(choice: String?, acceptLanguage: String?) -> Language {
        if let choice, let language = Language(rawValue: choice) { return language }
        for part in (acceptLanguage ?? "").split(separator: ",") {
            let tag = part.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            if let language = Language(rawValue: String(tag.prefix(2))) { return language }
        }
        return .en
    }

    /// The labels of a language, by key.
    static func labels(_ language: Language) -> [String: String] {
        var result: [String: String] = [:]
        for (key, english, russian) in table { result[key] = language == .ru ? russian : english }
        return result
    }

    private static let table: [(String, String, String)] = [
        ("console", "Operators' console", "Консоль операторов"),
        ("signIn", "Sign in", "Войти"),
        ("signOut", "Sign out", "Выйти"),
        (
            "token", "Operator's or reviewer's token (empty: your client certificate)",
            "Токен оператора или рецензента (пусто: ваш клиентский сертификат)"
        ),
        (
            "signInFailed", "That token is not an operator's or a reviewer's.",
            "Этот токен не принадлежит оператору или рецензенту."
        ),
        ("tooMany", "Too many sign-in attempts; wait a second.", "Слишком много попыток входа; подождите секунду."),
        ("overview", "Overview", "Обзор"),
        ("reviews", "Reviews", "Проверки"),
        ("signedInAs", "Signed in as", "Вход выполнен:"),
        ("queueDepth", "Deliveries not yet made", "Ожидают доставки"),
        ("openReviews", "Open reviews", "Открытые проверки"),
        ("overdueReviews", "Overdue reviews", "Просроченные проверки"),
        ("held", "Held deliveries", "Задержанные доставки"),
        ("deadLetters", "Dead letters", "Недоставленные"),
        ("review", "Review", "Проверка"),
        ("destination", "Destination", "Получатель"),
        ("key", "Key", "Ключ"),
        ("classification", "Classification", "Гриф"),
        ("approvals", "Approvals", "Одобрения"),
        ("waitingSince", "Waiting since", "Ожидает с"),
        ("overdue", "overdue", "просрочено"),
        ("release", "Release (SHA-256)", "Выпуск (SHA-256)"),
        ("removedFields", "Fields removed for the destination", "Поля, удалённые для получателя"),
        ("nothing", "none", "нет"),
        (
            "record", "The record as the destination would receive it",
            "Запись в том виде, в каком её получит получатель"
        ),
        ("approve", "Approve", "Одобрить"),
        ("reject", "Reject", "Отклонить"),
        ("reason", "Reason", "Причина"),
        ("noReviews", "No review waits for you.", "Проверок, ожидающих вас, нет."),
        ("approved", "Approved.", "Одобрено."),
        ("rejected", "Rejected: it will not be delivered.", "Отклонено: запись не будет доставлена."),
        ("notReleased", "Not released now", "Сейчас не выпускается"),
        ("onlyReviewers", "Only reviewers approve or reject.", "Одобряют и отклоняют только рецензенты."),
        ("onlyOperators", "Only operators act on the queue.", "Действия с очередью доступны только операторам."),
        ("noJobs", "Nothing here.", "Здесь ничего нет."),
        ("documents", "Documents", "Документы"),
        ("document", "Document", "Документ"),
        ("sender", "Sender", "Отправитель"),
        ("from", "Received from", "Получен с"),
        ("before", "Received before", "Получен до"),
        ("outcome", "With a record", "С записью"),
        ("any", "any", "любой"),
        ("filter", "Show", "Показать"),
        ("received", "Received", "Получен"),
        ("accepted", "Accepted", "Принято"),
        ("duplicates", "Duplicates", "Повторы"),
        ("rejectedCount", "Rejected", "Отклонено"),
        ("previousPage", "Newest", "Самые новые"),
        ("nextPage", "Older", "Старше"),
        ("firstIn", "First received in", "Впервые получена в"),
        ("input", "The input as received", "Вход в том виде, в каком получен"),
        ("badFilter", "A filter is not understood", "Фильтр не распознан"),
        ("destinations", "Destinations", "Получатели"),
        ("checkpointAge", "Newest signed checkpoint", "Последняя подписанная контрольная точка"),
        ("freeSpace", "Free space", "Свободное место"),
        ("oldestPending", "Oldest pending delivery", "Самая давняя ожидающая доставка"),
        ("none", "none yet", "пока нет"),
        ("chainCheck", "Audit chain check", "Проверка цепочки журнала"),
        ("chainIntact", "intact", "цела"),
        ("chainBroken", "BROKEN at entry", "НАРУШЕНА на записи"),
        ("clearance", "Cleared for", "Допуск"),
        ("format", "Format", "Формат"),
        ("deliveredTo", "Delivered to", "Куда доставляется"),
        ("reviewPolicy", "Two-person review", "Проверка двумя лицами"),
        ("required", "required", "обязательна"),
        ("notRequired", "not required", "не требуется"),
        ("deliveredCount", "Delivered", "Доставлено"),
        ("waiting", "Waiting", "Ожидают"),
        ("failing", "Failing", "С ошибками"),
        ("audit", "Audit", "Журнал"),
        ("kind", "Kind", "Вид"),
        ("fromSequence", "From entry", "С записи"),
        ("fromTime", "From time (UTC)", "С момента (UTC)"),
        (
            "badTime", "The time is a UTC date or date and time, such as 2026-12-07T08:00.",
            "Момент указывается датой или датой и временем UTC, например 2026-12-07T08:00."
        ),
        ("lastDelivery", "Last delivery", "Последняя доставка"),
        ("lastFailure", "Last failure", "Последняя ошибка"),
        ("time", "Time", "Время"),
        ("details", "Details", "Подробности"),
        ("nextEntries", "Later entries", "Следующие записи"),
        ("since", "Since", "С"),
        ("confirm", "I confirm", "Подтверждаю"),
        ("redecide", "Decide again", "Решить заново"),
        ("retry", "Retry", "Повторить"),
        ("purge", "Purge", "Удалить"),
        ("done", "Done.", "Готово."),
        ("notConfirmed", "Tick the confirmation first.", "Сначала отметьте подтверждение."),
    ]
}
