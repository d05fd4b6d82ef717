//! The account e-mails: each issues a token and queues a message (never sends in the request).

use super::tokens::{self, Purpose};
use crate::error::AppError;
use crate::mail::templates;
use crate::state::AppState;

fn link(state: &AppState, path: &str, token: &str) -> String {
    format!("{}{path}?token={token}", state.config.site_url)
}

/// A stable idempotency key for one token's e-mail (redelivery never sends it twice).
fn key(kind: &str, user_id: i64, token: &str) -> String {
    format!("{kind}-{user_id}-{}", &token[..16.min(token.len())])
}

async fn queue(state: &AppState, email: crate::mail::Email) -> Result<(), AppError> {
    state
        .mail
        .enqueue(email)
        .await
        .map(|_| ())
        .map_err(|error| {
            tracing::error!(%error, "could not queue an e-mail");
            AppError::Internal
        })
}

pub async fn verification(
    state: &AppState,
    user_id: i64,
    to: &str,
    name: &str,
) -> Result<(), AppError> {
    let token = tokens::issue(&state.pool, user_id, Purpose::VerifyEmail, Some(to)).await?;
    let email = templates::verify_email(
        key("verify", user_id, &token),
        to,
        name,
        &link(state, "/verify-email", &token),
        Purpose::VerifyEmail.lifetime_minutes() / 60,
    );
    queue(state, email).await
}

pub async fn password_reset(
    state: &AppState,
    user_id: i64,
    to: &str,
    name: &str,
) -> Result<(), AppError> {
    let token = tokens::issue(&state.pool, user_id, Purpose::ResetPassword, None).await?;
    let email = templates::reset_password(
        key("reset", user_id, &token),
        to,
        name,
        &link(state, "/password-reset/confirm", &token),
        Purpose::ResetPassword.lifetime_minutes(),
    );
    queue(state, email).await
}

pub async fn email_change(
    state: &AppState,
    user_id: i64,
    new_email: &str,
    name: &str,
) -> Result<(), AppError> {
    let token = tokens::issue(&state.pool, user_id, Purpose::ChangeEmail, Some(new_email)).await?;
    let email = templates::confirm_email_change(
        key("change", user_id, &token),
        new_email,
        name,
        &link(state, "/confirm-email", &token),
        Purpose::ChangeEmail.lifetime_minutes() / 60,
    );
    queue(state, email).await
}

/// Someone tried to sign up with the address of an existing account (the form didn't say so).
pub async fn sign_up_attempt(state: &AppState, owner: &super::User) -> Result<(), AppError> {
    let hour = time::OffsetDateTime::now_utc().unix_timestamp() / 3600;
    let email = templates::sign_up_attempt(
        format!("signup-attempt-{}-{hour}", owner.id),
        &owner.email,
        &owner.username,
        &format!("{}/login", state.config.site_url),
        &format!("{}/password-reset", state.config.site_url),
    );
    queue(state, email).await
}
