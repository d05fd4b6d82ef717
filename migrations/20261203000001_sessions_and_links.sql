-- One rule for ending sessions, whatever the door (issue #15).
--
-- Every JWT carries the account's session generation at the time it was issued; a password
-- change or reset bumps it, so every older JWT stops working. The one JWT that made the
-- change (if the change came through the API) is named in kept_jwt_id and keeps working.
-- Cookie sessions end through their auth hash (derived from the password hash) and API
-- tokens are revoked row by row.
ALTER TABLE users
    ADD COLUMN session_generation INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN kept_jwt_id TEXT;

-- A verification link confirms only the address it was sent to: verify_email tokens now
-- name it too (in the column change_email tokens already used).
ALTER TABLE account_tokens RENAME COLUMN new_email TO email;
COMMENT ON COLUMN account_tokens.email IS
    'The address a verify_email or change_email link was sent to (and is valid for).';
