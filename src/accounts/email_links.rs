//! Pages reached from e-mailed links: confirming an address and resetting a password, plus
//! asking for those e-mails. Opening a link never changes anything by itself (mail scanners
//! open links too): the page shows a button or a form that does.

use crate::components::form::{action_error, hydrated_flag, Field, FormAlert};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Confirms the address a verification link was sent to.
#[server(prefix = "/sfn", endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    use super::server::{app_state, repo, tokens};
    async {
        let state = app_state()?;
        let redeemed = tokens::redeem(&state.pool, &token, tokens::Purpose::VerifyEmail)
            .await?
            .ok_or_else(|| {
                AppError::invalid(
                    "token",
                    "This link has expired or was already used. Log in and ask for a new one from your account page.",
                )
            })?;
        repo::mark_email_verified(&state.pool, redeemed.user_id).await?;
        tracing::info!(user_id = redeemed.user_id, "e-mail address verified");
        leptos_axum::redirect("/account?verified=1");
        Ok(())
    }
    .await
    .map_err(AppError::with_status)
}

/// Sends the verification e-mail again (signed-in, unverified users; rate limited).
#[server(prefix = "/sfn", endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    use super::server::{app_state, emails, rate_limit, repo, require_login};
    async {
        let user = require_login().await?;
        let state = app_state()?;
        if user.email_verified {
            leptos_axum::redirect("/account");
            return Ok(());
        }
        let key = state.redis_key(&["rl", "verify-mail", &user.id.to_string()]);
        let limit = rate_limit::Limit {
            max: 3,
            window_secs: 3600,
        };
        rate_limit::check(&state.redis, &key, &limit).await?;
        rate_limit::hit(&state.redis, &key, &limit).await?;
        let profile = repo::own_profile(&state.pool, user.id).await?;
        let name = if profile.display_name.is_empty() {
            user.username.clone()
        } else {
            profile.display_name
        };
        emails::verification(&state, user.id, &user.email, &name).await?;
        leptos_axum::redirect("/account?verification=sent");
        Ok(())
    }
    .await
    .map_err(AppError::with_status)
}

/// Always the same answer, whether or not the address has an account (no enumeration).
#[server(prefix = "/sfn", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use super::server::{app_state, client_ip, emails, rate_limit, repo};
    async {
        let email = email.trim().to_owned();
        if !email.contains('@') || email.len() > 254 {
            return Err(AppError::invalid(
                "email",
                "Enter the e-mail address of your account.",
            ));
        }
        let state = app_state()?;
        let limit = rate_limit::Limit {
            max: 5,
            window_secs: 3600,
        };
        for key in [
            state.redis_key(&["rl", "reset", "ip", &client_ip()]),
            state.redis_key(&["rl", "reset", "email", &email.to_lowercase()]),
        ] {
            rate_limit::check(&state.redis, &key, &limit).await?;
            rate_limit::hit(&state.redis, &key, &limit).await?;
        }
        if let Some(user) = repo::find_by_email(&state.pool, &email).await? {
            if user.is_active {
                emails::password_reset(&state, user.id, &user.email, &user.username).await?;
            }
        }
        Ok(())
    }
    .await
    .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "reset_password")]
pub async fn reset_password(
    token: String,
    password: String,
    password_confirm: String,
) -> Result<(), AppError> {
    use super::server::{app_state, password as passwords, repo, tokens};
    use crate::error::FieldErrors;
    async {
        let state = app_state()?;
        let expired = || {
            AppError::invalid(
                "token",
                "This reset link has expired or was already used. Ask for a new one.",
            )
        };
        if !tokens::check(&state.pool, &token, tokens::Purpose::ResetPassword).await? {
            return Err(expired());
        }
        let mut errors = FieldErrors::new();
        passwords::check_policy(
            state.config.password_policy,
            &password,
            "",
            "",
            "password",
            &mut errors,
        );
        if password != password_confirm {
            errors.add("password_confirm", "The two passwords don't match.");
        }
        errors.into_result()?;
        let hash = passwords::hash(password).await?;
        let mut tx = state.pool.begin().await?;
        let redeemed = tokens::redeem(&mut *tx, &token, tokens::Purpose::ResetPassword)
            .await?
            .ok_or_else(expired)?;
        // A new hash also ends every session of the account (the session carries it).
        repo::set_password(&mut *tx, redeemed.user_id, &hash).await?;
        // The reset proves the mailbox is theirs. If the address was never confirmed, whoever
        // created the account (and linked a social login to it) may not have owned it: those
        // links go, so a squatter who typed someone else's address keeps no way in.
        let dropped = sqlx::query!(
            "DELETE FROM social_accounts s USING users u
             WHERE s.user_id = u.id AND u.id = $1 AND u.email_verified_at IS NULL",
            redeemed.user_id
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        repo::mark_email_verified_in(&mut *tx, redeemed.user_id).await?;
        tx.commit().await?;
        if dropped > 0 {
            tracing::warn!(
                user_id = redeemed.user_id,
                dropped,
                "password reset on an unconfirmed address removed its social links"
            );
        }
        tracing::info!(user_id = redeemed.user_id, "password reset");
        leptos_axum::redirect("/login?reset=1");
        Ok(())
    }
    .await
    .map_err(AppError::with_status)
}

/// `/verify-email?token=…`
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    view! {
        <Title text="Confirm your e-mail address"/>
        <section class="form-page">
            <h1>"Confirm your e-mail address"</h1>
            <div class="card">
                <p>"One click and your address is confirmed, so you can rate stories and comment."</p>
                <VerifyEmailForm token/>
            </div>
        </section>
    }
}

#[island(lazy)]
fn VerifyEmailForm(token: String) -> impl IntoView {
    let action = ServerAction::<VerifyEmail>::new();
    let error = action_error(action);
    view! {
        <ActionForm action=action attr:aria-label="Confirm e-mail address" attr:data-hydrated=hydrated_flag()>
            <FormAlert error=error/>
            {move || error.get().and_then(|e| e.field("token")).map(|m| view! { <p class="alert alert--error" role="alert">{m}</p> })}
            <input type="hidden" name="token" value=token/>
            <button type="submit" class="button">"Confirm my address"</button>
        </ActionForm>
    }
}

/// `/password-reset`: ask for a reset link.
#[component]
pub fn PasswordResetPage() -> impl IntoView {
    view! {
        <Title text="Reset your password"/>
        <section class="form-page">
            <h1>"Forgot your password?"</h1>
            <p class="lead">"Enter your account's e-mail address and we'll send you a link to choose a new one."</p>
            <div class="card">
                <ResetRequestForm/>
                <p class="form-footer">"Remembered it? " <a href="/login">"Log in"</a></p>
            </div>
        </section>
    }
}

#[island(lazy)]
fn ResetRequestForm() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = action_error(action);
    let sent = move || matches!(action.value().get(), Some(Ok(())));
    view! {
        <ActionForm action=action attr:aria-label="Reset password" attr:data-hydrated=hydrated_flag()>
            <Show when=sent>
                <p class="alert alert--ok" role="status">
                    "If an account uses that address, a reset link is on its way. It works for one hour."
                </p>
            </Show>
            <FormAlert error=error/>
            <Field label="E-mail" name="email" input_type="email" autocomplete="email" required=true error=error/>
            <button type="submit" class="button" disabled=move || action.pending().get()>"Send reset link"</button>
        </ActionForm>
    }
}

/// `/password-reset/confirm?token=…`: choose the new password.
#[component]
pub fn PasswordResetConfirmPage() -> impl IntoView {
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    view! {
        <Title text="Choose a new password"/>
        <section class="form-page">
            <h1>"Choose a new password"</h1>
            <div class="card">
                <ResetPasswordForm token/>
            </div>
        </section>
    }
}

#[island(lazy)]
fn ResetPasswordForm(token: String) -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let error = action_error(action);
    view! {
        <ActionForm action=action attr:aria-label="Set a new password" attr:data-hydrated=hydrated_flag()>
            <FormAlert error=error/>
            {move || error.get().and_then(|e| e.field("token")).map(|m| view! {
                <p class="alert alert--error" role="alert">{m} " " <a href="/password-reset">"Ask for a new link"</a></p>
            })}
            <input type="hidden" name="token" value=token/>
            <Field label="New password" name="password" input_type="password" autocomplete="new-password" hint="At least 10 characters." required=true error=error/>
            <Field label="Confirm new password" name="password_confirm" input_type="password" autocomplete="new-password" required=true error=error/>
            <button type="submit" class="button" disabled=move || action.pending().get()>"Set new password"</button>
        </ActionForm>
    }
}

/// Asks to move the account to a new address: a confirmation link goes to that address; the
/// old one stays until the link is used.
#[server(prefix = "/sfn", endpoint = "request_email_change")]
pub async fn request_email_change(new_email: String, password: String) -> Result<(), AppError> {
    use super::server::{app_state, emails, password as passwords, repo, require_login};
    async {
        let user = require_login().await?;
        let new_email = new_email.trim().to_owned();
        let mut errors = crate::error::FieldErrors::new();
        let mut format = crate::error::FieldErrors::new();
        super::signup::check_email(&new_email, &mut format);
        for problem in format.0 {
            errors.add("new_email", problem.message);
        }
        if new_email.eq_ignore_ascii_case(&user.email) {
            errors.add("new_email", "That is already your address.");
        }
        errors.into_result()?;
        let state = app_state()?;
        let hash = user.password_hash.clone().unwrap_or_default();
        if hash.is_empty() || !passwords::verify(password, hash).await? {
            return Err(AppError::invalid(
                "password",
                "That isn't your current password.",
            ));
        }
        if repo::find_by_email(&state.pool, &new_email)
            .await?
            .is_some()
        {
            return Err(AppError::conflict(
                "new_email",
                "Another account uses that address.",
            ));
        }
        emails::email_change(&state, user.id, &new_email, &user.username).await?;
        Ok(())
    }
    .await
    .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "confirm_email_change")]
pub async fn confirm_email_change(token: String) -> Result<(), AppError> {
    use super::server::{app_state, repo, tokens};
    async {
        let state = app_state()?;
        let mut tx = state.pool.begin().await?;
        let redeemed = tokens::redeem(&mut *tx, &token, tokens::Purpose::ChangeEmail)
            .await?
            .ok_or_else(|| {
                AppError::invalid(
                    "token",
                    "This link has expired or was already used. Ask for a new one on your account page.",
                )
            })?;
        let new_email = redeemed.new_email.ok_or(AppError::Internal)?;
        repo::change_email(&mut tx, redeemed.user_id, &new_email).await?;
        tx.commit().await?;
        tracing::info!(user_id = redeemed.user_id, "e-mail address changed");
        leptos_axum::redirect("/account?email_changed=1");
        Ok(())
    }
    .await
    .map_err(AppError::with_status)
}

/// `/account/email`: change the account's e-mail address.
#[component]
pub fn ChangeEmailPage() -> impl IntoView {
    view! {
        <Title text="Change your e-mail address"/>
        <section class="form-page">
            <h1>"Change your e-mail address"</h1>
            <p class="lead">"We'll send a link to the new address; your current one stays in use until you click it."</p>
            <div class="card">
                <ChangeEmailForm/>
                <p class="form-footer"><a href="/account">"Back to your account"</a></p>
            </div>
        </section>
    }
}

#[island(lazy)]
fn ChangeEmailForm() -> impl IntoView {
    let action = ServerAction::<RequestEmailChange>::new();
    let error = action_error(action);
    let sent = move || matches!(action.value().get(), Some(Ok(())));
    view! {
        <ActionForm action=action attr:aria-label="Change e-mail address" attr:data-hydrated=hydrated_flag()>
            <Show when=sent>
                <p class="alert alert--ok" role="status">"Check your new inbox: the confirmation link works for 48 hours."</p>
            </Show>
            <FormAlert error=error/>
            <Field label="New e-mail address" name="new_email" input_type="email" autocomplete="email" required=true error=error/>
            <Field label="Current password" name="password" input_type="password" autocomplete="current-password" required=true error=error/>
            <button type="submit" class="button" disabled=move || action.pending().get()>"Send confirmation link"</button>
        </ActionForm>
    }
}

/// `/confirm-email?token=…`
#[component]
pub fn ConfirmEmailChangePage() -> impl IntoView {
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    view! {
        <Title text="Confirm your new e-mail address"/>
        <section class="form-page">
            <h1>"Confirm your new e-mail address"</h1>
            <div class="card">
                <ConfirmEmailChangeForm token/>
            </div>
        </section>
    }
}

#[island(lazy)]
fn ConfirmEmailChangeForm(token: String) -> impl IntoView {
    let action = ServerAction::<ConfirmEmailChange>::new();
    let error = action_error(action);
    view! {
        <ActionForm action=action attr:aria-label="Confirm new e-mail address" attr:data-hydrated=hydrated_flag()>
            <FormAlert error=error/>
            {move || error.get().and_then(|e| e.field("token")).map(|m| view! { <p class="alert alert--error" role="alert">{m}</p> })}
            <input type="hidden" name="token" value=token/>
            <button type="submit" class="button">"Use this address"</button>
        </ActionForm>
    }
}
