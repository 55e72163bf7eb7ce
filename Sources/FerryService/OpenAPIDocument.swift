extension GatewayService {
    /// The OpenAPI 3.1 description of the service, served at `/openapi.yaml`.
    ///
    /// A test checks that its paths, methods and statuses are exactly the service's endpoints.
    public static let openAPIDocument = #"""
        openapi: 3.1.0
        info:
          title: Ferry gateway
          version: "1"
          description: >-
            Receives legacy exports and canonical records from authenticated senders, converts,
            validates, routes and releases them by marking, and delivers them durably and signed.
        components:
          securitySchemes:
            bearer:
              type: http
              scheme: bearer
              description: A sender's, operator's or reviewer's token; the gateway stores only its salted hash.
            mutualTLS:
              type: mutualTLS
              description: A client certificate signed by the configured client CA, named by its SHA-256 fingerprint.
          schemas:
            Error:
              type: object
              required: [error]
              properties:
                error: { type: string }
                code: { type: string }
            Review:
              type: object
              required: [id, destination, record_id, subject, classification, sha256, state, approvals, held_since, overdue]
              properties:
                id: { type: string, description: the delivery job it holds back }
                destination: { type: string }
                record_id: { type: string }
                subject: { type: string }
                classification: { type: string, enum: [public, internal, restricted, secret] }
                sha256: { type: string, description: the released record under review (its canonical id) }
                state: { type: string, enum: [open, approved, rejected] }
                approvals:
                  type: array
                  items:
                    type: object
                    properties:
                      reviewer: { type: string }
                      time: { type: string, format: date-time }
                held_since: { type: string, format: date-time }
                overdue: { type: boolean, description: open longer than review.timeout; never released by time }
                rejected_by: { type: [string, "null"] }
                reason: { type: [string, "null"] }
            DocumentReport:
              type: object
              required: [document, sender, received_at, body_sha256, accepted, duplicates, rejected, records]
              properties:
                document: { type: string }
                sender: { type: string }
                received_at: { type: string, format: date-time }
                body_sha256: { type: string }
                accepted: { type: integer }
                duplicates: { type: integer }
                rejected: { type: integer }
                page:
                  type: object
                  description: Present when not every record is listed, or a page was asked for.
                  properties:
                    outcome: { type: [string, "null"] }
                    offset: { type: integer }
                    limit: { type: integer }
                    more: { type: boolean }
                error: { type: string }
                diagnostics:
                  type: array
                  items:
                    type: object
                    properties:
                      line: { type: integer }
                      column: { type: integer }
                      code: { type: string }
                      message: { type: string }
                records:
                  type: array
                  items:
                    type: object
                    required: [position, outcome, key]
                    properties:
                      position: { type: integer }
                      outcome: { type: string, enum: [accepted, duplicate, rejected] }
                      id: { type: string }
                      first_document: { type: string, description: "For a duplicate: the document that first carried the record." }
                      key: { type: [string, "null"] }
                      line: { type: integer }
                      reason: { type: string }
                      input: { type: string, description: The rejected record's text (operators only). }
                      unrouted: { type: boolean }
                      destinations:
                        type: array
                        items:
                          type: object
                          required: [destination, state]
                          properties:
                            destination: { type: string }
                            state: { type: string, enum: [pending, waiting, leased, delivered, dead-lettered, blocked, held, in-review, purged] }
                            removed_fields: { type: array, items: { type: string } }
                            released_id:
                              type: string
                              description: >-
                                The id of the record as released to this destination, when fields were
                                removed: what the destination holds, linked here to the record it came from.
          responses:
            Error:
              description: The request was refused; the reason names no field values.
              content:
                application/json:
                  schema: { $ref: "#/components/schemas/Error" }
        security:
          - bearer: []
          - mutualTLS: []
        paths:
          /v1/documents:
            get:
              summary: Documents received, newest first (operators; a sender sees its own)
              parameters:
                - { name: sender, in: query, schema: { type: string } }
                - { name: from, in: query, description: received at or after (RFC 3339 or a date), schema: { type: string } }
                - { name: before, in: query, description: received before (RFC 3339 or a date), schema: { type: string } }
                - { name: outcome, in: query, description: with a record of this outcome, schema: { type: string, enum: [accepted, duplicate, rejected] } }
                - { name: key, in: query, description: that carried a record with this key, schema: { type: string } }
                - { name: offset, in: query, schema: { type: integer, minimum: 0, default: 0 } }
                - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 1000, default: 100 } }
              responses:
                "200":
                  description: A page of documents with their record counts.
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          documents:
                            type: array
                            items:
                              type: object
                              properties:
                                document: { type: string }
                                sender: { type: string }
                                received_at: { type: string, format: date-time }
                                body_sha256: { type: string }
                                accepted: { type: integer }
                                duplicates: { type: integer }
                                rejected: { type: integer }
                          offset: { type: integer }
                          limit: { type: integer }
                "400": { $ref: "#/components/responses/Error" }
                "401": { $ref: "#/components/responses/Error" }
                "403": { $ref: "#/components/responses/Error" }
            post:
              summary: Send a document
              description: >-
                A legacy XML export (read with the mapping named by the query parameter `mapping`, the
                header `Ferry-Mapping`, or the sender's configured mapping) or canonical records (a JSON
                array, one object, or NDJSON). The answer comes only after everything accepted is
                committed to disk.
              parameters:
                - { name: mapping, in: query, required: false, schema: { type: string } }
                - { name: Ferry-Mapping, in: header, required: false, schema: { type: string } }
                - { name: Idempotency-Key, in: header, required: false, schema: { type: string } }
              requestBody:
                required: true
                content:
                  application/xml: { schema: { type: string } }
                  application/json: { schema: {} }
                  application/x-ndjson: { schema: { type: string } }
              responses:
                "202":
                  description: Accepted and committed; per-record outcomes.
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/DocumentReport" }
                "401": { $ref: "#/components/responses/Error" }
                "403": { $ref: "#/components/responses/Error" }
                "413": { $ref: "#/components/responses/Error" }
                "415": { $ref: "#/components/responses/Error" }
                "422":
                  description: Nothing was accepted (not well-formed, or every record rejected), or the Idempotency-Key was used with another body.
                  content:
                    application/json:
                      schema:
                        oneOf:
                          - { $ref: "#/components/schemas/DocumentReport" }
                          - { $ref: "#/components/schemas/Error" }
                "429": { $ref: "#/components/responses/Error" }
                "503": { $ref: "#/components/responses/Error" }
          /v1/documents/{id}:
            get:
              summary: A document's status per record and destination
              description: >-
                The totals count every record; the records listed are a page: by default the first
                1,000 of each outcome, or `limit` (at most 1,000) of one `outcome` from `offset` on.
                `page.more` says whether records are left.
              parameters:
                - { name: id, in: path, required: true, schema: { type: string } }
                - { name: outcome, in: query, required: false, schema: { type: string, enum: [accepted, duplicate, rejected] } }
                - { name: offset, in: query, required: false, schema: { type: integer, minimum: 0 } }
                - { name: limit, in: query, required: false, schema: { type: integer, minimum: 1, maximum: 1000 } }
              responses:
                "200":
                  description: The document's report; operators also see rejected inputs.
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/DocumentReport" }
                "400": { $ref: "#/components/responses/Error" }
                "401": { $ref: "#/components/responses/Error" }
                "404": { $ref: "#/components/responses/Error" }
          /v1/keys:
            get:
              summary: The gateway's public signing keys
              security: []
              responses:
                "200":
                  description: Ed25519 public keys by key id.
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          keys:
                            type: array
                            items:
                              type: object
                              properties:
                                key_id: { type: string }
                                algorithm: { type: string, const: Ed25519 }
                                public_key: { type: string, contentEncoding: base64 }
                                fingerprint: { type: string, description: "sha256:<hex> of the raw public key, to pin it" }
                                current: { type: boolean }
          /v1/dead-letters:
            get:
              summary: Deliveries out of attempts (operators)
              responses:
                "200":
                  description: The dead letters, in queue order.
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          dead_letters:
                            type: array
                            items:
                              type: object
                              properties:
                                id: { type: string }
                                destination: { type: string }
                                key: { type: string }
                                records: { type: array, items: { type: string } }
                                attempts: { type: integer }
                                last_error: { type: [string, "null"] }
                "401": { $ref: "#/components/responses/Error" }
                "403": { $ref: "#/components/responses/Error" }
          /v1/dead-letters/{id}/retry:
            post:
              summary: Try a dead letter again (operators)
              parameters:
                - { name: id, in: path, required: true, schema: { type: string } }
              responses:
                "204": { description: Pending again, attempts reset. }
                "401": { $ref: "#/components/responses/Error" }
                "403": { $ref: "#/components/responses/Error" }
                "404": { $ref: "#/components/responses/Error" }
                "409": { $ref: "#/components/responses/Error" }
          /v1/dead-letters/{id}:
            delete:
              summary: Purge a dead letter, releasing later records of its key (operators)
              parameters:
                - { name: id, in: path, required: true, schema: { type: string } }
              responses:
                "204": { description: Purged. }
                "401": { $ref: "#/components/responses/Error" }
                "403": { $ref: "#/components/responses/Error" }
                "404": { $ref: "#/components/responses/Error" }
                "409": { $ref: "#/components/responses/Error" }
          /v1/audit:
            get:
              summary: A page of the audit trail (operators)
              parameters:
                - { name: from, in: query, description: the first sequence, schema: { type: integer, minimum: 0, default: 1 } }
                - { name: since, in: query, description: "from the first entry stamped at or after this UTC date or date and time (2026-12-07, 2026-12-07T08:00)", schema: { type: string } }
                - { name: kind, in: query, description: only entries of this kind, schema: { type: string } }
                - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 1000, default: 100 } }
              responses:
                "200":
                  description: Entries in sequence order; `ferry audit verify` checks the chain.
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          entries:
                            type: array
                            items:
                              type: object
                              properties:
                                sequence: { type: integer }
                                time: { type: string, format: date-time }
                                kind: { type: string }
                                details: { type: object }
                                hash: { type: string }
                "400": { $ref: "#/components/responses/Error" }
                "401": { $ref: "#/components/responses/Error" }
                "403": { $ref: "#/components/responses/Error" }
          /v1/held:
            get:
              summary: Deliveries the configuration stopped, kept for a new decision (operators)
              responses:
                "200":
                  description: The held jobs, in queue order, each with the later jobs of its key waiting behind it.
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          held:
                            type: array
                            items:
                              type: object
                              properties:
                                id: { type: string }
                                destination: { type: string }
                                key: { type: string }
                                records: { type: array, items: { type: string } }
                                reason: { type: string }
                                held_since: { type: string, format: date-time }
                                waiting: { type: integer, description: later jobs of the key waiting behind it }
                "401": { $ref: "#/components/responses/Error" }
                "403": { $ref: "#/components/responses/Error" }
          /v1/held/{id}/redecide:
            post:
              summary: Decide a held job again at its next delivery, against the configuration then (operators)
              parameters:
                - { name: id, in: path, required: true, schema: { type: string } }
              responses:
                "204": { description: Pending again; delivered, blocked or held again by the decision at delivery. }
                "401": { $ref: "#/components/responses/Error" }
                "403": { $ref: "#/components/responses/Error" }
                "404": { $ref: "#/components/responses/Error" }
                "409": { $ref: "#/components/responses/Error" }
          /v1/reviews:
            get:
              summary: Open reviews within the caller's clearance, oldest first (reviewers, operators)
              parameters:
                - { name: destination, in: query, schema: { type: string } }
                - { name: offset, in: query, schema: { type: integer, minimum: 0, default: 0 } }
                - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 1000, default: 100 } }
              responses:
                "200":
                  description: The open reviews.
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          reviews: { type: array, items: { $ref: "#/components/schemas/Review" } }
                          offset: { type: integer }
                          limit: { type: integer }
                "400": { $ref: "#/components/responses/Error" }
                "401": { $ref: "#/components/responses/Error" }
                "403": { $ref: "#/components/responses/Error" }
          /v1/reviews/{id}:
            get:
              summary: One review, with the record as the destination would get it now (reviewers, operators)
              description: >-
                Removed fields are named, never shown. A review above the caller's clearance is 404,
                as if it did not exist.
              parameters:
                - { name: id, in: path, required: true, schema: { type: string } }
              responses:
                "200":
                  description: The review, with `record`, `removed_fields` and `release_changed` (or `not_released`).
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Review" }
                "401": { $ref: "#/components/responses/Error" }
                "403": { $ref: "#/components/responses/Error" }
                "404": { $ref: "#/components/responses/Error" }
          /v1/reviews/{id}/approve:
            post:
              summary: Approve the release under review (reviewers); the second different reviewer's approval releases it
              parameters:
                - { name: id, in: path, required: true, schema: { type: string } }
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [sha256]
                      properties:
                        sha256: { type: string, description: the release reviewed (the review's sha256) }
              responses:
                "200":
                  description: Counted; `state` is `approved` once two different reviewers approved.
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Review" }
                "400": { $ref: "#/components/responses/Error" }
                "401": { $ref: "#/components/responses/Error" }
                "403": { $ref: "#/components/responses/Error" }
                "404": { $ref: "#/components/responses/Error" }
                "409":
                  description: >-
                    review.duplicate (the same reviewer again), review.closed (approved or rejected already),
                    review.stale (the sha256 is not the release under review),
                    review.restarted (the release changed: the review opened again, approvals cleared),
                    review.not-released (the record would not go now).
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Error" }
          /v1/reviews/{id}/reject:
            post:
              summary: Reject the record (reviewers); the review ends and the delivery is blocked
              parameters:
                - { name: id, in: path, required: true, schema: { type: string } }
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [reason]
                      properties:
                        reason: { type: string, minLength: 1 }
              responses:
                "200":
                  description: Rejected.
                  content:
                    application/json:
                      schema: { $ref: "#/components/schemas/Review" }
                "400": { $ref: "#/components/responses/Error" }
                "401": { $ref: "#/components/responses/Error" }
                "403": { $ref: "#/components/responses/Error" }
                "404": { $ref: "#/components/responses/Error" }
                "409": { $ref: "#/components/responses/Error" }
          /healthz:
            get:
              summary: The process is alive
              security: []
              responses:
                "200": { description: Alive. }
          /readyz:
            get:
              summary: The store accepts writes, the disk has room and the configuration is loaded
              security: []
              responses:
                "200": { description: "Ready; `audit` gives the newest checkpoint, its age in seconds and the entries it does not cover yet." }
                "503": { description: Not ready; the problems are listed. }
          /metrics:
            get:
              summary: Prometheus metrics (operators)
              responses:
                "200":
                  description: Received, rejected, delivered, retries, dead letters, queue depth, latency histograms.
                  content:
                    text/plain: { schema: { type: string } }
                "401": { $ref: "#/components/responses/Error" }
                "403": { $ref: "#/components/responses/Error" }
          /openapi.yaml:
            get:
              summary: This document
              security: []
              responses:
                "200":
                  description: OpenAPI 3.1.
                  content:
                    application/yaml: { schema: { type: string } }
        """#
}
