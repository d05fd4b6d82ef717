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

#[cfg(feature = "ssr")]
async fn sign_up(
    username: String,
    email: String,
    display_name: Option<String>,
    password: String,
    password_confirm: String,
) -> Result<(), AppError> {
    use super::server::registration::{sign_up, Registration};
    use crate::request::{app_state, auth_session, client_ip, start_session};

    let registration = Registration {
        username,
        email,
        display_name: display_name.unwrap_or_default(),
        password,
    };
    let user = sign_up(
        &app_state()?,
        &client_ip(),
        registration,
        Some(&password_confirm),
    )
    .await?;
    start_session(&mut auth_session().await?, &user).await?;
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
