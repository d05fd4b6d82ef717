-- Subscriptions by e-mail (issue #19): readers get new stories of a writer, or of the whole
-- blog, in their inbox; instantly or as a weekly digest.

-- One row per address (stored normalized: trimmed, lower-case). `token` is the capability in
-- every e-mail's links (confirm, unsubscribe, undo): no session needed to use them.
CREATE TABLE subscribers (
    id                   BIGSERIAL PRIMARY KEY,
    email                TEXT NOT NULL UNIQUE CHECK (email = lower(btrim(email))),
    user_id              BIGINT UNIQUE REFERENCES users (id) ON DELETE SET NULL,
    token                TEXT NOT NULL UNIQUE,
    -- A weekly digest instead of one e-mail per story.
    digest               BOOLEAN NOT NULL DEFAULT false,
    -- The last confirmation e-mail: never another within the hour.
    confirmation_sent_at TIMESTAMPTZ,
    -- SendGrid reported a bounce, a block or a spam report: nothing more is sent.
    bounced_at           TIMESTAMPTZ,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- What an address receives: a writer's stories (`author_id`), or every story (NULL).
-- Double opt-in: nothing is sent before `confirmed_at`. One-click unsubscribe sets
-- `unsubscribed_at` on every active row at once (the same instant), which undo clears.
CREATE TABLE subscriptions (
    id              BIGSERIAL PRIMARY KEY,
    subscriber_id   BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    author_id       BIGINT REFERENCES users (id) ON DELETE CASCADE,
    confirmed_at    TIMESTAMPTZ,
    unsubscribed_at TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX subscriptions_scope_idx ON subscriptions (subscriber_id, (coalesce(author_id, 0)));
CREATE INDEX subscriptions_author_idx ON subscriptions (author_id, subscriber_id)
    WHERE confirmed_at IS NOT NULL AND unsubscribed_at IS NULL;

-- A story's first publication (written in the publishing transaction, so it happens once
-- whatever follows: edits, unpublish, republish). Its fan-out walks the subscribers in id
-- order; `cursor` is the last subscriber queued, `recipients` how many were.
CREATE TABLE newsletter_issues (
    article_id   BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    published_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    cursor       BIGINT NOT NULL DEFAULT 0,
    recipients   INT NOT NULL DEFAULT 0,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX newsletter_issues_pending_idx ON newsletter_issues (published_at) WHERE finished_at IS NULL;

-- One weekly digest: `period` is the scheduled moment it covers the week before.
CREATE TABLE digest_runs (
    period      TIMESTAMPTZ PRIMARY KEY,
    cursor      BIGINT NOT NULL DEFAULT 0,
    recipients  INT NOT NULL DEFAULT 0,
    started_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ
);
