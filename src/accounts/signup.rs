//! Sign-up: every new account is a traveller, with a profile, created in one transaction.

use crate::components::form::{action_error, hydrated_flag, Field, FormAlert};
use crate::error::{AppError, FieldErrors};
use leptos::prelude::*;
use leptos_meta::Title;

pub const MAX_DISPLAY_NAME: usize = 80;
/// Paths and words a username must not take (they would shadow routes or confuse readers).
const RESERVED_USERNAMES: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "staff",
    "support",
    "waypost",
    "api",
    "sfn",
    "login",
    "logout",
    "signup",
    "account",
    "authors",
    "writers",
    "articles",
    "search",
    "media",
    "pkg",
    "healthz",
    "feed",
    "me",
    "null",
    "undefined",
];

/// Shared by sign-up and the settings page.
pub fn check_username(username: &str, errors: &mut FieldErrors) {
    let length = username.chars().count();
    if !(3..=30).contains(&length) {
        errors.add("username", "Use 3 to 30 characters.");
    } else if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        errors.add(
            "username",
            "Use only letters, digits, dots, dashes and underscores.",
        );
    } else if RESERVED_USERNAMES.contains(&username.to_ascii_lowercase().as_str()) {
        errors.add(
            "username",
            "That username is reserved. Please pick another.",
        );
    }
}

pub fn check_email(email: &str, errors: &mut FieldErrors) {
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if !valid {
        errors.add(
            "email",
            "Enter a valid e-mail address, like name@example.com.",
        );
    }
}

#[server(prefix = "/sfn", endpoint = "signup")]
pub async fn signup(
    username: String,
    email: String,
    display_name: Option<String>,
    password: String,
    password_confirm: String,
) -> Result<(), AppError> {
    sign_up(username, email, display_name, password, password_confirm)
        .await
        .map_err(AppError::with_status)
}

#[cfg(feature = "ssr")]
async fn sign_up(
    username: String,
    email: String,
    display_name: Option<String>,
    password: String,
    password_confirm: String,
) -> Result<(), AppError> {
    use super::server::{app_state, auth_session, registration};

    let state = app_state()?;
    let registration = registration::Registration {
        username: username.trim().to_owned(),
        email: email.trim().to_owned(),
        display_name: display_name.unwrap_or_default().trim().to_owned(),
        password,
    };
    let mut errors = FieldErrors::new();
    registration.check(&state.config, &mut errors);
    if registration.password != password_confirm {
        errors.add("password_confirm", "The two passwords don't match.");
    }
    errors.into_result()?;
    let user = registration.create(&state).await?;
    let mut auth = auth_session().await?;
    auth.login(&user).await.map_err(|e| {
        tracing::error!(error = %e, "could not log in the new account");
        AppError::Internal
    })?;
    leptos_axum::redirect("/account?welcome=1");
    Ok(())
}

#[component]
pub fn SignupPage() -> impl IntoView {
    view! {
        <Title text="Create your account"/>
        <section class="form-page">
            <h1>"Join Waypost"</h1>
            <p class="lead">"Read stories from travellers everywhere, rate them and join the conversation."</p>
            <div class="card">
                <SignupForm/>
                <super::social::SocialButtons next="/"/>
                <p class="form-footer">"Already have an account? " <a href="/login">"Log in"</a></p>
            </div>
        </section>
    }
}

#[island(lazy)]
fn SignupForm() -> impl IntoView {
    let action = ServerAction::<Signup>::new();
    let error = action_error(action);
    view! {
        <ActionForm action=action attr:aria-label="Create your account" attr:data-hydrated=hydrated_flag()>
            <FormAlert error=error/>
            <Field
                label="Username"
                name="username"
                autocomplete="username"
                hint="3–30 letters, digits, dots, dashes or underscores. It appears in your profile address."
                required=true
                maxlength=30
                error=error
            />
            <Field label="E-mail" name="email" input_type="email" autocomplete="email" required=true error=error/>
            <Field
                label="Display name (optional)"
                name="display_name"
                autocomplete="name"
                maxlength=80
                error=error
            />
            <Field
                label="Password"
                name="password"
                input_type="password"
                autocomplete="new-password"
                hint="At least 10 characters. A few unrelated words make a strong, memorable password."
                required=true
                error=error
            />
            <Field
                label="Confirm password"
                name="password_confirm"
                input_type="password"
                autocomplete="new-password"
                required=true
                error=error
            />
            <button type="submit" class="button" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Creating your account…" } else { "Create account" }}
            </button>
        </ActionForm>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        let check = |name: &str| {
            let mut errors = FieldErrors::new();
            check_username(name, &mut errors);
            errors.is_empty()
        };
        assert!(check("ana_maria-1.x"));
        assert!(!check("ab"));
        assert!(!check("has space"));
        assert!(!check("Admin"));
        assert!(!check("ümlaut"));
    }

    #[test]
    fn emails() {
        let check = |email: &str| {
            let mut errors = FieldErrors::new();
            check_email(email, &mut errors);
            errors.is_empty()
        };
        assert!(check("ana@example.com"));
        assert!(!check("ana@example"));
        assert!(!check("@example.com"));
        assert!(!check("ana @example.com"));
        assert!(!check("a@b@example.com"));
    }
}
