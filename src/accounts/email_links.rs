//! Pages reached from e-mailed links: confirming an address and resetting a password, plus
//! asking for those e-mails. Opening a link never changes anything by itself (mail scanners
//! open links too): the page shows a button or a form that does.

use crate::components::form::{action_error, hydrated_flag, Field, FormAlert};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Confirms the address a verification link was sent to. Opened in the browser that signed
/// up (its session names the new account), it also signs the account in: the form never did,
/// so that it could answer alike for taken and free addresses.
#[server(prefix = "/sfn", endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    use super::signup::PENDING_SIGNUP_KEY;
    use crate::request::{app_state, auth_session, start_session};
    async {
        let state = app_state()?;
        let user_id = super::server::credentials::verify_email(&state, &token).await?;
        let mut auth = auth_session().await?;
        let pending = auth
            .session
            .get::<Option<i64>>(PENDING_SIGNUP_KEY)
            .await?
            .flatten();
        if auth.user.is_none() && pending == Some(user_id) {
            auth.session
                .remove::<Option<i64>>(PENDING_SIGNUP_KEY)
                .await?;
            if let Some(user) = super::server::repo::find_by_id(&state.pool, user_id).await? {
                start_session(&mut auth, &user).await?;
                leptos_axum::redirect("/account?joined=1");
                return Ok(());
            }
        }
        leptos_axum::redirect(if auth.user.is_some() {
            "/account?verified=1"
        } else {
            "/login?verified=1"
        });
        Ok(())
    }
    .await
    .map_err(AppError::with_status)
}

/// Sends the verification e-mail again (signed-in, unverified users; rate limited).
#[server(prefix = "/sfn", endpoint = "resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    use crate::request::{actor, app_state};
    async {
        let sent =
            super::server::credentials::resend_verification(&app_state()?, &actor().await?).await?;
        leptos_axum::redirect(if sent {
            "/account?verification=sent"
        } else {
            "/account"
        });
        Ok(())
    }
    .await
    .map_err(AppError::with_status)
}

/// Always the same answer, whether or not the address has an account (no enumeration).
#[server(prefix = "/sfn", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::request::{app_state, client_ip};
    super::server::credentials::request_password_reset(&app_state()?, &client_ip(), &email)
        .await
        .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "reset_password")]
pub async fn reset_password(
    token: String,
    password: String,
    password_confirm: String,
) -> Result<(), AppError> {
    async {
        let state = crate::request::app_state()?;
        super::server::credentials::reset_password(&state, &token, password, &password_confirm)
            .await?;
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
    use super::server::credentials::{self, EmailChange};
    use crate::request::{actor, app_state};
    async {
        let changed = credentials::request_email_change(
            &app_state()?,
            &actor().await?,
            &new_email,
            Some(password),
        )
        .await?;
        if changed == EmailChange::Switched {
            leptos_axum::redirect("/account?email_switched=1");
        }
        Ok(())
    }
    .await
    .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "confirm_email_change")]
pub async fn confirm_email_change(token: String) -> Result<(), AppError> {
    async {
        super::server::credentials::confirm_email_change(&crate::request::app_state()?, &token)
            .await?;
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
