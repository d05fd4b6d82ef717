-- Social sign-in (Google, X) and the staff admin area's audit log.

-- One row per provider identity linked to a user. A provider identity belongs to at most one
-- user, and a user links each provider at most once.
CREATE TABLE social_accounts (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider         TEXT        NOT NULL CHECK (provider IN ('google', 'x')),
    provider_user_id TEXT        NOT NULL CHECK (length(provider_user_id) BETWEEN 1 AND 255),
    user_id          BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- What the provider said (X gives none); informational, never used to sign in.
    email            TEXT        CHECK (length(email) <= 254),
    display_name     TEXT        NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),
    linked_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_login_at    TIMESTAMPTZ,
    UNIQUE (provider, provider_user_id),
    UNIQUE (user_id, provider)
);

-- Every staff action in the admin area: who did what to what, and when. Rows are never
-- updated; the actor's name is kept in case the account is deleted later.
CREATE TABLE audit_log (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_id       BIGINT      REFERENCES users (id) ON DELETE SET NULL,
    actor_username TEXT        NOT NULL,
    action         TEXT        NOT NULL,
    target_kind    TEXT        NOT NULL,
    target_id      TEXT        NOT NULL,
    target_label   TEXT        NOT NULL DEFAULT '',
    detail         TEXT        NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created_at_idx ON audit_log (created_at DESC, id DESC);
