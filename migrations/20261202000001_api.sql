-- The JSON API's additions, used by the web UI too: favourites, follows, API tokens.

-- A reader's favourite (heart) on an article; the count is kept on the article row, like
-- ratings, so lists never aggregate.
CREATE TABLE favorites (
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    article_id BIGINT      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, article_id)
);
CREATE INDEX favorites_article_idx ON favorites (article_id);
ALTER TABLE articles ADD COLUMN favorite_count BIGINT NOT NULL DEFAULT 0;

-- A reader following a writer: the writer's articles appear in the reader's feed.
CREATE TABLE follows (
    follower_id BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followee_id BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (follower_id, followee_id),
    CHECK (follower_id <> followee_id)
);
CREATE INDEX follows_followee_idx ON follows (followee_id);

-- Long-lived tokens for scripts, made and revoked on the account page. Only a SHA-256 of
-- the token is stored; the token itself is shown once.
CREATE TABLE api_tokens (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT        NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    token_hash   BYTEA       NOT NULL UNIQUE,
    -- The first characters, so the owner can tell tokens apart.
    prefix       TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, created_at DESC);
