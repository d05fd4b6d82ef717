//! Single-use, expiring tokens sent by e-mail. The link carries 32 random bytes; the database
//! keeps only their SHA-256, so stored rows can't be turned back into working links.

use crate::error::AppError;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    ChangeEmail,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::ChangeEmail => "change_email",
        }
    }

    /// How long a link works.
    pub fn lifetime_minutes(self) -> i64 {
        match self {
            Purpose::VerifyEmail | Purpose::ChangeEmail => 48 * 60,
            Purpose::ResetPassword => 60,
        }
    }
}

fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// A new token for `user_id`, valid for `email` (the address it is sent to, for the two
/// e-mail purposes); earlier unused tokens of the same purpose stop working.
pub async fn issue(
    pool: &PgPool,
    user_id: i64,
    purpose: Purpose,
    email: Option<&str>,
) -> Result<String, AppError> {
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "UPDATE account_tokens SET used_at = now()
         WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
        user_id,
        purpose.as_str(),
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO account_tokens (token_hash, user_id, purpose, email, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5::int))",
        digest(&token),
        user_id,
        purpose.as_str(),
        email,
        purpose.lifetime_minutes() as i32,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(token)
}

pub struct Redeemed {
    pub user_id: i64,
    /// The address the link was sent to.
    pub email: Option<String>,
}

fn looks_like_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a token is valid now, without using it (to show the right form).
pub async fn check(pool: &PgPool, token: &str, purpose: Purpose) -> Result<bool, AppError> {
    if !looks_like_token(token) {
        return Ok(false);
    }
    Ok(sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM account_tokens WHERE token_hash = $1 AND purpose = $2
                  AND used_at IS NULL AND expires_at > now()) AS "valid!""#,
        digest(token),
        purpose.as_str(),
    )
    .fetch_one(pool)
    .await?)
}

/// Uses a token: valid, unexpired and unused, or `None`. The UPDATE makes it single-use even
/// when the same link is opened twice at once.
pub async fn redeem<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    token: &str,
    purpose: Purpose,
) -> Result<Option<Redeemed>, AppError> {
    if !looks_like_token(token) {
        return Ok(None);
    }
    Ok(sqlx::query_as!(
        Redeemed,
        "UPDATE account_tokens SET used_at = now()
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
         RETURNING user_id, email",
        digest(token),
        purpose.as_str(),
    )
    .fetch_optional(executor)
    .await?)
}

/// Cancels the account's unused links of these purposes (its address changed, or a reset
/// made them pointless).
pub async fn cancel<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    user_id: i64,
    purposes: &[Purpose],
) -> Result<(), sqlx::Error> {
    let names: Vec<String> = purposes.iter().map(|p| p.as_str().to_owned()).collect();
    sqlx::query!(
        "UPDATE account_tokens SET used_at = now()
         WHERE user_id = $1 AND purpose = ANY($2) AND used_at IS NULL",
        user_id,
        &names,
    )
    .execute(executor)
    .await?;
    Ok(())
}
