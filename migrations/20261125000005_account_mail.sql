-- One-time tokens mailed to users (e-mail verification, password reset, e-mail change).
-- Only a SHA-256 of the token is stored: a database leak doesn't hand out working links.
CREATE TABLE account_tokens (
    token_hash BYTEA       PRIMARY KEY,
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT        NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'change_email')),
    -- The address being confirmed by a change_email token.
    new_email  TEXT        CHECK (position('@' in new_email) > 1),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);

-- Readers choose whether replies and comments on their stories reach them by e-mail.
ALTER TABLE profiles ADD COLUMN notify_comments BOOLEAN NOT NULL DEFAULT TRUE;
