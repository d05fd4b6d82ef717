//! Long-lived API tokens for scripts, made and revoked on the account page. The token is
//! shown once; only its SHA-256 is stored.

use super::Actor;
use crate::error::AppError;
use crate::state::AppState;
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

/// Makes a token named `name` for the actor, who must type their current password (a token
/// outlives any session: a stolen cookie must not be able to mint one). Returns the token
/// itself, which is never stored.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    name: &str,
    current_password: &str,
) -> Result<String, AppError> {
    let user = actor.signed_in()?;
    let user_id = user.id;
    let pool = &state.pool;
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
    let stored = user.password_hash.clone().unwrap_or_default();
    if current_password.is_empty()
        || stored.is_empty()
        || !super::password::verify(current_password.to_owned(), stored).await?
    {
        return Err(AppError::invalid(
            "password",
            "Enter your current password to make a token.",
        ));
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

/// Revokes one of the actor's tokens; 404 when they have no such active token.
pub async fn revoke(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    let user_id = actor.signed_in()?.id;
    let done = sqlx::query!(
        "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
        id,
        user_id
    )
    .execute(&state.pool)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(AppError::NotFound);
    }
    tracing::info!(user_id, token_id = id, "API token revoked");
    Ok(())
}

fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub struct TokenOwner {
    pub token_id: i64,
    pub user_id: i64,
}

/// The owner of an active token, noting when it was last used (at most hourly, so a busy
/// script doesn't write on every request).
pub async fn owner(pool: &PgPool, token: &str) -> Result<Option<TokenOwner>, sqlx::Error> {
    let hash = hash(token);
    sqlx::query_as!(
        TokenOwner,
        r#"WITH found AS (
               SELECT id, user_id, last_used_at FROM api_tokens
               WHERE token_hash = $1 AND revoked_at IS NULL
           ), touched AS (
               UPDATE api_tokens t SET last_used_at = now() FROM found
               WHERE t.id = found.id
                 AND (found.last_used_at IS NULL OR found.last_used_at < now() - interval '1 hour')
           )
           SELECT id AS "token_id!", user_id AS "user_id!" FROM found"#,
        hash
    )
    .fetch_optional(pool)
    .await
}
