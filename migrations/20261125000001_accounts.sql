-- Accounts: users, their profiles, groups and permissions (Django's auth model, tightened).

CREATE TABLE users (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username          TEXT        NOT NULL CHECK (username ~ '^[A-Za-z0-9_.-]{3,30}$'),
    email             TEXT        NOT NULL CHECK (position('@' in email) > 1),
    -- NULL for accounts that only sign in through a social provider.
    password_hash     TEXT,
    is_staff          BOOLEAN     NOT NULL DEFAULT FALSE,
    is_active         BOOLEAN     NOT NULL DEFAULT TRUE,
    email_verified_at TIMESTAMPTZ,
    last_login_at     TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Case-insensitive uniqueness: "Ana@Example.com" and "ana@example.com" are one account.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username));

CREATE TABLE profiles (
    user_id      BIGINT      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    display_name TEXT        NOT NULL DEFAULT '' CHECK (length(display_name) <= 80),
    bio          TEXT        NOT NULL DEFAULT '' CHECK (length(bio) <= 2000),
    avatar_url   TEXT        CHECK (length(avatar_url) <= 500),
    x_handle     TEXT        CHECK (x_handle ~ '^[A-Za-z0-9_]{1,15}$'),
    website      TEXT        CHECK (length(website) <= 200),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE groups (
    id          INT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE permissions (
    id          INT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    codename    TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE group_permissions (
    group_id      INT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    permission_id INT NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, permission_id)
);

CREATE TABLE user_groups (
    user_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id INT    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
);
CREATE INDEX user_groups_group_id_idx ON user_groups (group_id);
