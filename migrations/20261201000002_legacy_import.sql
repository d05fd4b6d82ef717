-- `waypost import-django`: which Waypost row each imported Django row became. Makes the
-- import idempotent (a second run finds every row here and changes nothing) and keeps the
-- old blog's links working (/post/<id>/, /users/profile/<id>/).
CREATE TABLE legacy_ids (
    kind      TEXT   NOT NULL CHECK (kind IN ('user', 'post', 'rating', 'comment', 'social')),
    legacy_id BIGINT NOT NULL,
    new_id    BIGINT NOT NULL,
    PRIMARY KEY (kind, legacy_id)
);
