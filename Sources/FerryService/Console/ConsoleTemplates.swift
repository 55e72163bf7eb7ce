import Mustache

/// The console's pages and stylesheet.
///
/// Mustache templates (values HTML-escaped by default), a header and footer shared as partials,
/// and a small stylesheet. No script: every action is a form.
enum ConsoleTemplates {
    /// Every template, by name.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in [
            ("header", header), ("footer", footer), ("sign-in", signIn), ("overview", overview),
            ("reviews", reviews), ("review", review), ("jobs", jobs), ("documents", documents),
            ("document", document), ("destinations", destinations), ("audit", audit),
        ] {
            // The templates are constants of this file: each parses.
            try? library.register(text, named: name)
        }
        return library
    }()

    static let header = """
        <!doctype html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Ferry</title>
        <link rel="stylesheet" href="/console/style.css">
        </head>
        <body>
        <header>
        <a class="brand" href="/console/">Ferry</a>
        {{#signedIn}}
        <nav><a href="/console/">{{t.overview}}</a> <a href="/console/reviews">{{t.reviews}}</a>{{#isOperator}} <a href="/console/documents">{{t.documents}}</a> <a href="/console/held">{{t.held}}</a> <a href="/console/dead-letters">{{t.deadLetters}}</a> <a href="/console/destinations">{{t.destinations}}</a> <a href="/console/audit">{{t.audit}}</a>{{/isOperator}}</nav>
        <form method="post" action="/console/sign-out" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <span class="who">{{t.signedInAs}} {{system}}</span> <button>{{t.signOut}}</button>
        </form>
        {{/signedIn}}
        <form method="post" action="/console/language" class="inline lang">
        <input type="hidden" name="back" value="{{path}}">
        <button name="lang" value="en">EN</button><button name="lang" value="ru">RU</button>
        </form>
        </header>
        <main>
        {{#message}}<p class="message" role="status">{{message}}</p>{{/message}}
        """

    static let footer = """
        </main>
        </body>
        </html>
        """

    static let signIn = """
        {{> header}}
        <h1>{{t.console}}</h1>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/console/sign-in" class="stack">
        <label for="token">{{t.token}}</label>
        <input id="token" name="token" type="password" autocomplete="off">
        <button>{{t.signIn}}</button>
        </form>
        {{> footer}}
        """

    static let overview = """
        {{> header}}
        <h1>{{t.overview}}</h1>
        <dl class="figures">
        {{#isOperator}}
        <div><dt>{{t.documents}}</dt><dd id="documents">{{documents}}</dd></div>
        <div><dt>{{t.accepted}}</dt><dd id="accepted">{{accepted}}</dd></div>
        <div><dt>{{t.rejectedCount}}</dt><dd id="rejected">{{rejected}}</dd></div>
        <div><dt>{{t.deliveredCount}}</dt><dd id="delivered">{{delivered}}</dd></div>
        {{/isOperator}}
        <div><dt>{{t.queueDepth}}</dt><dd id="queue-depth">{{queueDepth}}</dd></div>
        <div><dt>{{t.openReviews}}</dt><dd id="open-reviews">{{openReviews}}</dd></div>
        <div><dt>{{t.overdueReviews}}</dt><dd id="overdue-reviews">{{overdueReviews}}</dd></div>
        <div><dt>{{t.held}}</dt><dd id="held">{{held}}</dd></div>
        <div><dt>{{t.deadLetters}}</dt><dd id="dead-letters">{{deadLetters}}</dd></div>
        {{#isOperator}}
        <div><dt>{{t.checkpointAge}}</dt><dd id="checkpoint-age">{{checkpointAge}}</dd></div>
        <div><dt>{{t.freeSpace}}</dt><dd id="free-space">{{freeSpace}}</dd></div>
        <div><dt>{{t.chainCheck}}</dt><dd id="chain-check" class="small">{{chainCheck}}</dd></div>
        {{/isOperator}}
        </dl>
        {{#hasPending}}
        <h2>{{t.oldestPending}}</h2>
        <div class="scroll"><table><tbody>
        {{#pending}}<tr><td>{{destination}}</td><td>{{since}}</td></tr>{{/pending}}
        </tbody></table></div>
        {{/hasPending}}
        {{> footer}}
        """

    static let reviews = """
        {{> header}}
        <h1>{{t.reviews}}</h1>
        {{^reviews}}<p>{{t.noReviews}}</p>{{/reviews}}
        {{#hasReviews}}
        <div class="scroll"><table>
        <thead><tr><th>{{t.key}}</th><th>{{t.destination}}</th><th>{{t.classification}}</th><th>{{t.approvals}}</th><th>{{t.waitingSince}}</th></tr></thead>
        <tbody>
        {{#reviews}}
        <tr><td><a href="/console/reviews/{{link}}">{{subject}}</a></td><td>{{destination}}</td><td>{{classification}}</td><td>{{approvals}}/2</td><td>{{since}}{{#overdue}} <strong>{{t.overdue}}</strong>{{/overdue}}</td></tr>
        {{/reviews}}
        </tbody></table></div>
        {{/hasReviews}}
        {{> footer}}
        """

    static let review = """
        {{> header}}
        <h1>{{t.review}}: {{subject}}</h1>
        <dl class="facts">
        <dt>{{t.destination}}</dt><dd>{{destination}}</dd>
        <dt>{{t.classification}}</dt><dd>{{classification}}</dd>
        <dt>{{t.approvals}}</dt><dd id="approvals">{{approvalCount}}/2{{#approvedBy}} ({{approvedBy}}){{/approvedBy}}</dd>
        <dt>{{t.waitingSince}}</dt><dd>{{since}}{{#overdue}} <strong>{{t.overdue}}</strong>{{/overdue}}</dd>
        <dt>{{t.release}}</dt><dd class="hash">{{sha256}}</dd>
        <dt>{{t.removedFields}}</dt><dd id="removed">{{#removed}}{{removed}}{{/removed}}{{^removed}}{{t.nothing}}{{/removed}}</dd>
        {{#notReleased}}<dt>{{t.notReleased}}</dt><dd>{{notReleased}}</dd>{{/notReleased}}
        </dl>
        {{#record}}<h2>{{t.record}}</h2><pre class="record">{{record}}</pre>{{/record}}
        {{#canDecide}}
        <form method="post" action="/console/reviews/{{link}}/approve" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="sha256" value="{{sha256}}">
        <button>{{t.approve}}</button>
        </form>
        <form method="post" action="/console/reviews/{{link}}/reject" class="stack">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="reason">{{t.reason}}</label><input id="reason" name="reason" required>
        <button>{{t.reject}}</button>
        </form>
        {{/canDecide}}
        {{^canDecide}}<p>{{t.onlyReviewers}}</p>{{/canDecide}}
        {{> footer}}
        """

    /// Held deliveries or dead letters, each with its action behind a confirmation.
    static let jobs = """
        {{> header}}
        <h1>{{title}}</h1>
        {{^hasJobs}}<p>{{t.noJobs}}</p>{{/hasJobs}}
        {{#hasJobs}}
        <div class="scroll"><table>
        <thead><tr><th>{{t.key}}</th><th>{{t.destination}}</th><th>{{t.since}}</th><th>{{t.reason}}</th><th></th></tr></thead>
        <tbody>
        {{#jobs}}
        <tr><td>{{key}}</td><td>{{destination}}</td><td>{{since}}</td><td>{{reason}}</td>
        <td>{{#actions}}<form method="post" action="/console/{{kind}}/{{link}}/{{action}}" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label><input type="checkbox" name="confirm" value="yes" required> {{t.confirm}}</label>
        <button>{{label}}</button></form>{{/actions}}</td></tr>
        {{/jobs}}
        </tbody></table></div>
        {{/hasJobs}}
        {{> footer}}
        """

    /// Documents received, filtered, newest first.
    static let documents = """
        {{> header}}
        <h1>{{t.documents}}</h1>
        <form method="get" action="/console/documents" class="filters">
        <label>{{t.sender}} <input name="sender" value="{{sender}}"></label>
        <label>{{t.from}} <input name="from" value="{{from}}" placeholder="2026-12-07"></label>
        <label>{{t.before}} <input name="before" value="{{before}}"></label>
        <label>{{t.outcome}} <select name="outcome">{{#outcomes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/outcomes}}</select></label>
        <label>{{t.key}} <input name="key" value="{{key}}"></label>
        <button>{{t.filter}}</button>
        </form>
        {{^hasDocuments}}<p>{{t.noJobs}}</p>{{/hasDocuments}}
        {{#hasDocuments}}
        <div class="scroll"><table>
        <thead><tr><th>{{t.document}}</th><th>{{t.sender}}</th><th>{{t.received}}</th><th>{{t.accepted}}</th><th>{{t.duplicates}}</th><th>{{t.rejectedCount}}</th></tr></thead>
        <tbody>
        {{#documents}}
        <tr><td><a href="/console/documents/{{id}}">{{id}}</a></td><td>{{sender}}</td><td>{{receivedAt}}</td><td>{{accepted}}</td><td>{{duplicates}}</td><td>{{rejected}}</td></tr>
        {{/documents}}
        </tbody></table></div>
        {{/hasDocuments}}
        <p class="pages">{{#previous}}<a href="{{previous}}">← {{t.previousPage}}</a> {{/previous}}{{#next}}<a href="{{next}}">{{t.nextPage}} →</a>{{/next}}</p>
        {{> footer}}
        """

    /// One document: each record's outcome and reason, and per destination its state, the
    /// names of the fields removed and the record as released.
    static let document = """
        {{> header}}
        <h1>{{t.document}} {{id}}</h1>
        <dl class="facts">
        <dt>{{t.sender}}</dt><dd>{{sender}}</dd>
        <dt>{{t.received}}</dt><dd>{{receivedAt}}</dd>
        <dt>SHA-256</dt><dd class="hash">{{bodySHA256}}</dd>
        </dl>
        {{#records}}
        <section class="record-entry">
        <h2>{{position}}. {{key}} — {{outcome}}</h2>
        {{#reason}}<p>{{reason}}</p>{{/reason}}
        {{#firstDocument}}<p>{{t.firstIn}} <a href="/console/documents/{{firstDocument}}">{{firstDocument}}</a></p>{{/firstDocument}}
        {{#destinations}}
        <p><strong>{{destination}}</strong>: {{state}}{{#removed}} — {{t.removedFields}}: {{removed}}{{/removed}}</p>
        {{#released}}<details><summary>{{t.record}}</summary><pre class="record">{{released}}</pre></details>{{/released}}
        {{/destinations}}
        {{#input}}<details><summary>{{t.input}}</summary><pre class="record">{{input}}</pre></details>{{/input}}
        </section>
        {{/records}}
        {{> footer}}
        """

    /// The destinations: what each may receive, how, whether people review it, and its queue.
    static let destinations = """
        {{> header}}
        <h1>{{t.destinations}}</h1>
        <div class="scroll"><table>
        <thead><tr><th>{{t.destination}}</th><th>{{t.clearance}}</th><th>{{t.format}} · {{t.deliveredTo}}</th><th>{{t.reviewPolicy}}</th><th>{{t.deliveredCount}}</th><th>{{t.waiting}}</th><th>{{t.failing}}</th><th>{{t.deadLetters}}</th><th>{{t.held}}</th><th>{{t.lastDelivery}}</th><th>{{t.lastFailure}}</th></tr></thead>
        <tbody>
        {{#destinations}}
        <tr><td>{{id}}</td><td>{{clearance}}</td><td>{{format}}<div class="target">{{target}}</div></td><td>{{review}}</td><td>{{delivered}}</td><td>{{waiting}}</td><td>{{failing}}</td><td>{{deadLettered}}</td><td>{{held}}</td><td class="last-delivery">{{lastDelivery}}</td><td class="last-failure">{{lastFailure}}{{#lastError}}<br>{{lastError}}{{/lastError}}</td></tr>
        {{/destinations}}
        </tbody></table></div>
        {{> footer}}
        """

    /// The audit trail, by kind, a page from a sequence on.
    static let audit = """
        {{> header}}
        <h1>{{t.audit}}</h1>
        <p id="chain-check">{{t.chainCheck}}: {{chainCheck}}</p>
        {{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
        <form method="get" action="/console/audit" class="filters">
        <label>{{t.kind}} <input name="kind" value="{{kind}}"></label>
        <label>{{t.fromTime}} <input name="since" value="{{since}}" placeholder="2026-12-07T08:00"></label>
        <label>{{t.fromSequence}} <input name="from" value="{{from}}" inputmode="numeric"></label>
        <button>{{t.filter}}</button>
        </form>
        <div class="scroll"><table>
        <thead><tr><th>#</th><th>{{t.time}}</th><th>{{t.kind}}</th><th>{{t.details}}</th></tr></thead>
        <tbody>
        {{#entries}}
        <tr><td>{{sequence}}</td><td>{{time}}</td><td>{{kind}}</td><td class="hash">{{details}}</td></tr>
        {{/entries}}
        </tbody></table></div>
        <p class="pages">{{#next}}<a href="{{next}}">{{t.nextEntries}} →</a>{{/next}}</p>
        {{> footer}}
        """

    /// The stylesheet: readable at 1280 px and at phone width (tables scroll inside their box,
    /// long values wrap).
    static let stylesheet = """
        *{box-sizing:border-box}
        body{margin:0;font:16px/1.45 system-ui,sans-serif;color:#1b1b1b;background:#fafafa}
        header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;background:#143d59;color:#fff}
        header a{color:#fff}
        .brand{font-weight:700;text-decoration:none;margin-right:auto}
        nav a{margin-right:.8rem}
        main{max-width:80rem;margin:0 auto;padding:1rem}
        .target{font-size:.85rem;color:#555;overflow-wrap:anywhere}
        form.inline{display:inline-flex;gap:.4rem;align-items:center;flex-wrap:wrap}
        form.stack{display:flex;flex-direction:column;gap:.4rem;max-width:28rem;margin:1rem 0}
        input,button{font:inherit;padding:.35rem .6rem;max-width:100%}
        .lang button{padding:.1rem .4rem}
        .scroll{overflow-x:auto;max-width:100%}
        table{border-collapse:collapse;width:100%}
        th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
        dl.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.8rem}
        dl.figures div{background:#fff;border:1px solid #ddd;padding:.6rem}
        dl.figures dd{margin:0;font-size:1.8rem;font-weight:600}
        dl.figures dd.small{font-size:1rem}
        dl.facts{display:grid;grid-template-columns:minmax(8rem,max-content) 1fr;gap:.3rem 1rem}
        dl.facts dd{margin:0}
        .hash,.record{overflow-wrap:anywhere}
        td{overflow-wrap:break-word}
        pre.record{white-space:pre-wrap;background:#fff;border:1px solid #ddd;padding:.6rem}
        .message{background:#e6f4ea;padding:.5rem}
        form.filters{display:flex;flex-wrap:wrap;gap:.4rem .8rem;align-items:end;margin:.5rem 0 1rem}
        form.filters label{display:flex;flex-direction:column;font-size:.9rem}
        select{font:inherit;padding:.3rem}
        section.record-entry{border-top:1px solid #ddd;padding:.4rem 0}
        section.record-entry h2{font-size:1.05rem;margin:.4rem 0}
        .error{background:#fde8e8;padding:.5rem}
        """
}
