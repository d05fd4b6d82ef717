//! Commands that change how an account signs in or where its mail goes: change or reset the
//! password, change or confirm the e-mail address, confirm a verification link. Every door
//! (account pages, the JSON API) calls these, so the rules hold whatever the door:
//!
//! - changing the password or the address needs the current password, or a password login
//!   within [`REAUTH_WINDOW_SECS`] (a JWT from the API's login); a personal API token or a
//!   browser session alone is not enough;
//! - a new address takes effect only when the link sent to it is opened (unless the site
//!   chose `CONFIRM_EMAIL_CHANGE=false`), and a link confirms only the address it was sent to;
//! - a password change or reset ends every other session: cookie sessions, JWTs and API
//!   tokens, but not the one that made the change.

use super::tokens::{self, Purpose};
use super::{emails, password, rate_limit, repo, Actor, Credential, User};
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

/// How long after a password login a JWT may change the password or the address without
/// typing the password again.
pub const REAUTH_WINDOW_SECS: u64 = 10 * 60;

/// Seconds since the epoch: the clock of JWTs and of the re-authentication window.
pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Proves the actor is the account's owner right now: the current password (checked, on
/// `field`), or a recent password login. Nothing else counts.
async fn reauthenticate(
    actor: &Actor,
    user: &User,
    current_password: Option<String>,
    field: &str,
) -> Result<(), AppError> {
    match current_password.filter(|p| !p.is_empty()) {
        Some(typed) => {
            let stored = user.password_hash.clone().unwrap_or_default();
            if stored.is_empty() || !password::verify(typed, stored).await? {
                return Err(AppError::invalid(
                    field,
                    "That is not your current password.",
                ));
            }
            Ok(())
        }
        None => match &actor.credential {
            Credential::Jwt { auth_time, .. }
                if now_secs().saturating_sub(*auth_time) <= REAUTH_WINDOW_SECS =>
            {
                Ok(())
            }
            _ => Err(AppError::invalid(
                field,
                "Enter your current password to change this.",
            )),
        },
    }
}

/// The sessions a change keeps: the credential that made it.
fn kept(actor: &Actor) -> (Option<&str>, Option<i64>) {
    match &actor.credential {
        Credential::Jwt { id, .. } => (Some(id.as_str()), None),
        Credential::ApiToken { id } => (None, Some(*id)),
        Credential::Session | Credential::Anonymous => (None, None),
    }
}

pub struct PasswordChange {
    pub current_password: Option<String>,
    pub new_password: String,
    /// The repeated new password, where the door asks for it.
    pub confirmation: Option<String>,
}

/// Sets a new password and ends every other session. The caller's own cookie session must
/// be renewed by its door (its auth hash changed with the password).
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    change: PasswordChange,
) -> Result<User, AppError> {
    let user = actor.signed_in()?;
    reauthenticate(actor, user, change.current_password, "current_password").await?;
    let mut errors = FieldErrors::new();
    password::check_policy(
        state.config.password_policy,
        &change.new_password,
        &user.username,
        &user.email,
        "new_password",
        &mut errors,
    );
    if change
        .confirmation
        .as_ref()
        .is_some_and(|c| *c != change.new_password)
    {
        errors.add("new_password_confirm", "The two passwords don't match.");
    }
    errors.into_result()?;
    let hash = password::hash(change.new_password).await?;
    let (keep_jwt, keep_token) = kept(actor);
    let mut tx = state.pool.begin().await?;
    repo::set_password(&mut *tx, user.id, &hash).await?;
    repo::end_other_sessions(&mut tx, user.id, keep_jwt, keep_token).await?;
    tokens::cancel(&mut *tx, user.id, &[Purpose::ResetPassword]).await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, "password changed; other sessions ended");
    repo::find_by_id(&state.pool, user.id)
        .await?
        .ok_or(AppError::Unauthenticated)
}

/// Always the same answer, whether or not the address has an account (no enumeration).
pub async fn request_password_reset(
    state: &AppState,
    client_ip: &str,
    email: &str,
) -> Result<(), AppError> {
    let email = email.trim();
    if !email.contains('@') || email.len() > 254 {
        return Err(AppError::invalid(
            "email",
            "Enter the e-mail address of your account.",
        ));
    }
    let limit = rate_limit::Limit {
        max: 5,
        window_secs: 3600,
    };
    for key in [
        state.redis_key(&["rl", "reset", "ip", client_ip]),
        state.redis_key(&["rl", "reset", "email", &email.to_lowercase()]),
    ] {
        rate_limit::take(&state.redis, &key, &limit).await?;
    }
    if let Some(user) = repo::find_by_email(&state.pool, email).await? {
        if user.is_active {
            emails::password_reset(state, user.id, &user.email, &user.username).await?;
        }
    }
    Ok(())
}

fn expired_reset() -> AppError {
    AppError::invalid(
        "token",
        "This reset link has expired or was already used. Ask for a new one.",
    )
}

/// Sets the password a reset link allows and ends every session of the account.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    new_password: String,
    confirmation: &str,
) -> Result<(), AppError> {
    if !tokens::check(&state.pool, token, Purpose::ResetPassword).await? {
        return Err(expired_reset());
    }
    let mut errors = FieldErrors::new();
    password::check_policy(
        state.config.password_policy,
        &new_password,
        "",
        "",
        "password",
        &mut errors,
    );
    if new_password != confirmation {
        errors.add("password_confirm", "The two passwords don't match.");
    }
    errors.into_result()?;
    let hash = password::hash(new_password).await?;
    let mut tx = state.pool.begin().await?;
    let redeemed = tokens::redeem(&mut *tx, token, Purpose::ResetPassword)
        .await?
        .ok_or_else(expired_reset)?;
    let user_id = redeemed.user_id;
    repo::set_password(&mut *tx, user_id, &hash).await?;
    repo::end_other_sessions(&mut tx, user_id, None, None).await?;
    // The reset proves the mailbox is theirs. If the address was never confirmed, whoever
    // created the account (and linked a social login to it) may not have owned it: those
    // links go, so a squatter who typed someone else's address keeps no way in.
    let dropped = repo::drop_social_links_if_unconfirmed(&mut tx, user_id).await?;
    repo::mark_email_verified_in(&mut *tx, user_id).await?;
    tx.commit().await?;
    if dropped > 0 {
        tracing::warn!(
            user_id,
            dropped,
            "password reset on an unconfirmed address removed its social links"
        );
    }
    // The mailbox owner is back in: a login flood against the account stops holding them out.
    let counter = super::sign_in::account_counter(state, &format!("user:{user_id}"));
    if let Err(error) = rate_limit::reset(&state.redis, &counter).await {
        tracing::warn!(%error, user_id, "could not clear the account's login counter");
    }
    tracing::info!(user_id, "password reset; every session ended");
    Ok(())
}

/// What became of a requested address change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailChange {
    /// A confirmation link went to the new address; the old one stays until it is used.
    Pending,
    /// `CONFIRM_EMAIL_CHANGE=false`: the account uses the new (unconfirmed) address now and
    /// a verification link went to it.
    Switched,
}

/// Asks to move the account to `new_email`.
pub async fn request_email_change(
    state: &AppState,
    actor: &Actor,
    new_email: &str,
    current_password: Option<String>,
) -> Result<EmailChange, AppError> {
    let user = actor.signed_in()?;
    let new_email = new_email.trim();
    let mut format = FieldErrors::new();
    crate::accounts::rules::check_email(new_email, &mut format);
    if let Some(problem) = format.0.into_iter().next() {
        return Err(AppError::invalid("new_email", problem.message));
    }
    if new_email.eq_ignore_ascii_case(&user.email) {
        return Err(AppError::invalid(
            "new_email",
            "That is already your address.",
        ));
    }
    reauthenticate(actor, user, current_password, "password").await?;
    if repo::find_by_email(&state.pool, new_email).await?.is_some() {
        return Err(AppError::conflict(
            "new_email",
            "Another account uses that address.",
        ));
    }
    let key = state.redis_key(&["rl", "email-change", &user.id.to_string()]);
    rate_limit::take(
        &state.redis,
        &key,
        &rate_limit::Limit {
            max: 5,
            window_secs: 3600,
        },
    )
    .await?;
    if state.config.confirm_email_change {
        emails::email_change(state, user.id, new_email, &user.username).await?;
        return Ok(EmailChange::Pending);
    }
    let mut tx = state.pool.begin().await?;
    repo::set_email_unverified(&mut tx, user.id, new_email)
        .await
        .map_err(|e| rename_field(e, "new_email"))?;
    // Links sent to the old address mean nothing for the new one.
    tokens::cancel(
        &mut *tx,
        user.id,
        &[Purpose::VerifyEmail, Purpose::ChangeEmail],
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user_id = user.id, "e-mail address switched (unconfirmed)");
    // The address is in use either way; a link that couldn't be queued can be sent again.
    let _ = emails::verification(state, user.id, new_email, &user.username).await;
    Ok(EmailChange::Switched)
}

fn rename_field(error: AppError, field: &str) -> AppError {
    match error {
        AppError::Conflict(errors) => {
            let message = errors.to_string();
            AppError::conflict(field, message)
        }
        other => other,
    }
}

/// Uses an e-mailed link's token, or the `token` field error `expired` (unknown, used or
/// expired links all read the same).
async fn redeem(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    token: &str,
    purpose: Purpose,
    expired: &str,
) -> Result<tokens::Redeemed, AppError> {
    tokens::redeem(&mut **tx, token, purpose)
        .await?
        .ok_or_else(|| AppError::invalid("token", expired))
}

/// Opens an address-change link: the account moves to the address the link was sent to.
pub async fn confirm_email_change(state: &AppState, token: &str) -> Result<i64, AppError> {
    let mut tx = state.pool.begin().await?;
    let redeemed = redeem(
        &mut tx,
        token,
        Purpose::ChangeEmail,
        "This link has expired or was already used. Ask for a new one on your account page.",
    )
    .await?;
    let new_email = redeemed.email.ok_or(AppError::Internal)?;
    repo::change_email(&mut tx, redeemed.user_id, &new_email).await?;
    // Verification links went to the old address.
    tokens::cancel(&mut *tx, redeemed.user_id, &[Purpose::VerifyEmail]).await?;
    tx.commit().await?;
    tracing::info!(user_id = redeemed.user_id, "e-mail address changed");
    Ok(redeemed.user_id)
}

/// Opens a verification link: confirms the address it was sent to, if the account still
/// uses it.
pub async fn verify_email(state: &AppState, token: &str) -> Result<i64, AppError> {
    let mut tx = state.pool.begin().await?;
    let redeemed = redeem(
        &mut tx,
        token,
        Purpose::VerifyEmail,
        "This link has expired or was already used. Log in and ask for a new one from your account page.",
    )
    .await?;
    let sent_to = redeemed.email.unwrap_or_default();
    if !repo::confirm_current_email(&mut *tx, redeemed.user_id, &sent_to).await? {
        return Err(AppError::invalid(
            "token",
            "This link was sent to an address your account no longer uses. Ask for a new one from your account page.",
        ));
    }
    tx.commit().await?;
    tracing::info!(user_id = redeemed.user_id, "e-mail address verified");
    Ok(redeemed.user_id)
}

/// Sends the verification e-mail again (unconfirmed accounts; 3 an hour). `Ok(false)` when
/// the address is already confirmed.
pub async fn resend_verification(state: &AppState, actor: &Actor) -> Result<bool, AppError> {
    let user = actor.signed_in()?;
    if user.email_verified {
        return Ok(false);
    }
    let key = state.redis_key(&["rl", "verify-mail", &user.id.to_string()]);
    rate_limit::take(
        &state.redis,
        &key,
        &rate_limit::Limit {
            max: 3,
            window_secs: 3600,
        },
    )
    .await?;
    let profile = repo::own_profile(&state.pool, user.id).await?;
    let name = if profile.display_name.is_empty() {
        user.username.clone()
    } else {
        profile.display_name
    };
    emails::verification(state, user.id, &user.email, &name).await?;
    Ok(true)
}
