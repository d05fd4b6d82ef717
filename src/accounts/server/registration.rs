//! The sign-up command: creating an account with e-mail and password, the one path the
//! sign-up form and the JSON API (`POST /api/users`) share, so both apply the same rules.

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

/// Creates an account with e-mail and password (the sign-up form and `POST /api/users`):
/// every rule checked first, nothing written when one fails. `confirmation` is the repeated
/// password, where the door asks for it.
pub async fn sign_up(
    state: &AppState,
    client_ip: &str,
    mut registration: Registration,
    confirmation: Option<&str>,
) -> Result<User, AppError> {
    registration.username = registration.username.trim().to_owned();
    registration.email = registration.email.trim().to_owned();
    registration.display_name = registration.display_name.trim().to_owned();
    let mut errors = FieldErrors::new();
    registration.check(&state.config, &mut errors);
    if confirmation.is_some_and(|c| c != registration.password) {
        errors.add("password_confirm", "The two passwords don't match.");
    }
    errors.into_result()?;
    // Counted once the input is valid: typos cost nothing, a flood of accounts is stopped.
    let key = state.redis_key(&["rl", "signup", client_ip]);
    rate_limit::take(
        &state.redis,
        &key,
        &rate_limit::Limit::per_hour(state.config.signups_per_ip_per_hour),
    )
    .await?;
    registration.create(state).await
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
    async fn create(self, state: &AppState) -> Result<User, AppError> {
        let password_hash = password::hash(self.password).await?;
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
