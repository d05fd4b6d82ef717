//! The sign-up commands: creating an account with e-mail and password. The sign-up form and
//! the JSON API (`POST /api/users`) share the rules; they differ in what they may tell:
//!
//! - the form never reveals whether an address has an account ([`sign_up_privately`]): a
//!   taken address finishes like a new one ("check your inbox") and its owner gets an e-mail
//!   saying someone tried, as Django-allauth's enumeration prevention does;
//! - the API answers 409 for a taken address ([`sign_up`]): the RealWorld spec requires it and
//!   its answer carries the new account's token. Both count against the same sign-ups per
//!   address limit.

use super::{emails, password, rate_limit, repo, User};
use crate::accounts::rules::{check_email, check_username, MAX_DISPLAY_NAME};
use crate::config::Config;
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

pub struct Registration {
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub password: String,
}

/// Creates an account with e-mail and password (`POST /api/users`): every rule checked
/// first, nothing written when one fails; a taken username or address is a conflict.
pub async fn sign_up(
    state: &AppState,
    client_ip: &str,
    registration: Registration,
) -> Result<User, AppError> {
    let registration = registration.checked(state, client_ip, None).await?;
    let password_hash = password::hash(registration.password.clone()).await?;
    registration.create(state, password_hash).await
}

/// What the sign-up form may learn: nothing about the address.
#[derive(Debug)]
pub enum PrivateSignUp {
    /// A new, unconfirmed account; its confirmation link is queued.
    Created(User),
    /// The address already has an account: its owner was told by e-mail (at most hourly).
    AddressInUse,
}

/// The sign-up form's command: the rules of [`sign_up`], but a taken address finishes like a
/// new one (same work, same answer) and its owner is mailed instead. A taken username is
/// still an error (usernames are public: they are in profile addresses); it is checked
/// before the address, so it can't be used to learn anything about one.
pub async fn sign_up_privately(
    state: &AppState,
    client_ip: &str,
    registration: Registration,
    confirmation: &str,
) -> Result<PrivateSignUp, AppError> {
    let registration = registration
        .checked(state, client_ip, Some(confirmation))
        .await?;
    if repo::username_taken(&state.pool, &registration.username).await? {
        return Err(AppError::conflict("username", "That username is taken."));
    }
    // Hashed whether or not the address is taken: both answers take as long.
    let password_hash = password::hash(registration.password.clone()).await?;
    if let Some(owner) = repo::find_by_email(&state.pool, &registration.email).await? {
        tell_owner(state, &owner).await;
        return Ok(PrivateSignUp::AddressInUse);
    }
    match registration.create(state, password_hash).await {
        Ok(user) => Ok(PrivateSignUp::Created(user)),
        // Taken between the look-up and the insert.
        Err(AppError::Conflict(errors)) if errors.get("email").is_some() => {
            Ok(PrivateSignUp::AddressInUse)
        }
        Err(error) => Err(error),
    }
}

/// "Someone tried to sign up with your address": once an hour per account at most, so the
/// form can't be used to flood an inbox. Failures are logged, never shown (that would tell).
async fn tell_owner(state: &AppState, owner: &User) {
    let key = state.redis_key(&["rl", "signup-notice", &owner.id.to_string()]);
    if rate_limit::take(&state.redis, &key, &rate_limit::Limit::per_hour(1))
        .await
        .is_err()
    {
        return;
    }
    if let Err(error) = emails::sign_up_attempt(state, owner).await {
        tracing::warn!(user_id = owner.id, %error, "could not queue the sign-up notice");
    }
}

impl Registration {
    /// Trimmed, every rule checked (all broken rules reported at once), then counted against
    /// the client's sign-ups: typos cost nothing, a flood of accounts is stopped.
    async fn checked(
        mut self,
        state: &AppState,
        client_ip: &str,
        confirmation: Option<&str>,
    ) -> Result<Self, AppError> {
        self.username = self.username.trim().to_owned();
        self.email = self.email.trim().to_owned();
        self.display_name = self.display_name.trim().to_owned();
        let mut errors = FieldErrors::new();
        self.check(&state.config, &mut errors);
        if confirmation.is_some_and(|c| c != self.password) {
            errors.add("password_confirm", "The two passwords don't match.");
        }
        errors.into_result()?;
        let key = state.redis_key(&["rl", "signup", client_ip]);
        rate_limit::take(
            &state.redis,
            &key,
            &rate_limit::Limit::per_hour(state.config.signups_per_ip_per_hour),
        )
        .await?;
        Ok(self)
    }
}

impl Registration {
    /// Adds every rule the input breaks to `errors` (username, e-mail, password policy).
    fn check(&self, config: &Config, errors: &mut FieldErrors) {
        check_username(&self.username, errors);
        check_email(&self.email, errors);
        if self.display_name.chars().count() > MAX_DISPLAY_NAME {
            errors.add(
                "display_name",
                format!("Use at most {MAX_DISPLAY_NAME} characters."),
            );
        }
        password::check_policy(
            config.password_policy,
            &self.password,
            &self.username,
            &self.email,
            "password",
            errors,
        );
    }

    /// Creates the user (profile and sign-up group included) and queues the verification
    /// e-mail. A taken username or e-mail is a conflict.
    async fn create(self, state: &AppState, password_hash: String) -> Result<User, AppError> {
        let user = repo::create_user(
            &state.pool,
            repo::NewUser {
                username: self.username,
                email: self.email,
                password_hash: Some(password_hash),
                display_name: self.display_name.clone(),
                email_verified: false,
                group: state.config.signup_group.clone(),
            },
        )
        .await?;
        tracing::info!(user_id = user.id, "new account");
        let name = if self.display_name.is_empty() {
            &user.username
        } else {
            &self.display_name
        };
        // The account exists either way; a verification e-mail that couldn't be queued can be
        // sent again from the account page.
        let _ = emails::verification(state, user.id, &user.email, name).await;
        Ok(user)
    }
}
