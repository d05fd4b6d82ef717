//! Long-lived API tokens for scripts, made and revoked on the account page. The token is
//! shown once; only its SHA-256 is stored.

use crate::error::AppError;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

pub const PREFIX: &str = "wpt_";
pub const MAX_TOKENS_PER_USER: i64 = 20;

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_on: String,
    pub last_used_on: Option<String>,
}

/// Makes a token named `name`; returns the token itself (never stored).
pub async fn create(pool: &PgPool, user_id: i64, name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::invalid(
            "name",
            "Name the token after the script that will use it.",
        ));
    }
    if name.chars().count() > 60 {
        return Err(AppError::invalid("name", "Use at most 60 characters."));
    }
    let active = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL"#,
        user_id
    )
    .fetch_one(pool)
    .await?;
    if active >= MAX_TOKENS_PER_USER {
        return Err(AppError::invalid(
            "name",
            format!("You have {MAX_TOKENS_PER_USER} tokens; revoke one you no longer use first."),
        ));
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let token = format!("{PREFIX}{secret}");
    let hash = hash(&token);
    sqlx::query!(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix) VALUES ($1, $2, $3, $4)",
        user_id,
        name,
        hash,
        &token[..PREFIX.len() + 6],
    )
    .execute(pool)
    .await?;
    tracing::info!(user_id, "API token created");
    Ok(token)
}

pub async fn list(pool: &PgPool, user_id: i64) -> Result<Vec<TokenRow>, sqlx::Error> {
    sqlx::query_as!(
        TokenRow,
        r#"SELECT id, name, prefix,
                  to_char(created_at AT TIME ZONE 'UTC', 'FMDD Mon YYYY') AS "created_on!",
                  to_char(last_used_at AT TIME ZONE 'UTC', 'FMDD Mon YYYY') AS last_used_on
           FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL
           ORDER BY created_at DESC"#,
        user_id
    )
    .fetch_all(pool)
    .await
}

/// Revokes one of the user's tokens; false when there was no such active token.
pub async fn revoke(pool: &PgPool, user_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
        id,
        user_id
    )
    .execute(pool)
    .await?
    .rows_affected();
    Ok(done == 1)
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The owner of an active token, noting when it was last used (at most hourly, so a busy
/// script doesn't write on every request).
pub async fn user_for(pool: &PgPool, token: &str) -> Result<Option<i64>, sqlx::Error> {
    let hash = hash(token);
    sqlx::query_scalar!(
        r#"WITH found AS (
               SELECT id, user_id, last_used_at FROM api_tokens
               WHERE token_hash = $1 AND revoked_at IS NULL
           ), touched AS (
               UPDATE api_tokens t SET last_used_at = now() FROM found
               WHERE t.id = found.id
                 AND (found.last_used_at IS NULL OR found.last_used_at < now() - interval '1 hour')
           )
           SELECT user_id AS "user_id!" FROM found"#,
        hash
    )
    .fetch_optional(pool)
    .await
}
