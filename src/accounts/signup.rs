//! Sign-up: every new account is a traveller, with a profile, created in one transaction.

use crate::components::form::{action_error, hydrated_flag, Field, FormAlert};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

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

/// The session key naming the account this browser just created: its confirmation link,
/// opened here, signs it in.
#[cfg(feature = "ssr")]
pub const PENDING_SIGNUP_KEY: &str = "signup.pending";

/// The form's answer is the same whether the address was free or taken (nothing stored in
/// the session tells either: both store the key).
#[cfg(feature = "ssr")]
async fn sign_up(
    username: String,
    email: String,
    display_name: Option<String>,
    password: String,
    password_confirm: String,
) -> Result<(), AppError> {
    use super::server::registration::{sign_up_privately, PrivateSignUp, Registration};
    use crate::request::{app_state, auth_session, client_ip};

    let registration = Registration {
        username,
        email,
        display_name: display_name.unwrap_or_default(),
        password,
    };
    let outcome =
        sign_up_privately(&app_state()?, &client_ip(), registration, &password_confirm).await?;
    let pending: Option<i64> = match outcome {
        PrivateSignUp::Created(user) => Some(user.id),
        PrivateSignUp::AddressInUse => None,
    };
    let auth = auth_session().await?;
    auth.session.insert(PENDING_SIGNUP_KEY, pending).await?;
    leptos_axum::redirect("/signup/check-email");
    Ok(())
}

/// `/signup/check-email`: where every sign-up ends, whatever the address.
#[component]
pub fn CheckEmailPage() -> impl IntoView {
    view! {
        <Title text="Check your inbox"/>
        <section class="form-page">
            <h1>"Check your inbox"</h1>
            <div class="card">
                <p class="lead">"We've sent a link to the address you gave. Open it in this browser to confirm the address and finish creating your account."</p>
                <p>"The link works once and expires in 48 hours. Nothing there after a few minutes? Look in the spam folder, or "
                    <a href="/signup">"sign up again"</a>" if the address had a typo."</p>
                <p class="form-footer">"Already have an account? " <a href="/login">"Log in"</a>
                    " · " <a href="/password-reset">"Forgot your password?"</a></p>
            </div>
        </section>
    }
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
