//! Log in and log out.

use crate::components::form::{action_error, hydrated_flag, Field, FormAlert};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Only same-site paths: `//evil.example` or `https://…` would be an open redirect.
pub fn safe_next(next: Option<&str>) -> String {
    match next.map(str::trim) {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && path.chars().all(|c| c.is_ascii_graphic() && c != '\\') =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[server(prefix = "/sfn", endpoint = "login")]
pub async fn login(login: String, password: String, next: Option<String>) -> Result<(), AppError> {
    log_in(login, password, next)
        .await
        .map_err(AppError::with_status)
}

#[cfg(feature = "ssr")]
async fn log_in(login: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use super::server::sign_in;
    use crate::error::FieldErrors;
    use crate::request::{app_state, auth_session, client_ip, start_session};

    let login = login.trim().to_owned();
    let mut errors = FieldErrors::new();
    if login.is_empty() {
        errors.add("login", "Enter your e-mail address or username.");
    }
    if password.is_empty() {
        errors.add("password", "Enter your password.");
    }
    errors.into_result()?;

    let state = app_state()?;
    let Some(user) = sign_in::attempt(&state, &client_ip(), login, password).await? else {
        return Err(AppError::invalid(
            "password",
            "That e-mail/username and password don't match an active account. Check them and try again.",
        ));
    };
    let mut auth = auth_session().await?;
    start_session(&mut auth, &user).await?;
    // A social identity that was waiting for proof of ownership (same e-mail) is linked now.
    let linked = super::server::social::link_pending_after_login(&state.pool, &auth, &user).await;
    if linked.is_some() {
        leptos_axum::redirect("/account?social=linked");
    } else {
        leptos_axum::redirect(&safe_next(next.as_deref()));
    }
    Ok(())
}

#[server(prefix = "/sfn", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let mut auth = crate::request::auth_session()
        .await
        .map_err(AppError::with_status)?;
    auth.logout().await.map_err(|e| {
        tracing::error!(error = %e, "could not end the session");
        AppError::Internal.with_status()
    })?;
    leptos_axum::redirect("/");
    Ok(())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = query.read_untracked().get("next").unwrap_or_default();
    view! {
        <Title text="Log in"/>
        <section class="form-page">
            <h1>"Welcome back"</h1>
            {query.read_untracked().get("reset").map(|_| view! {
                <p class="alert alert--ok" role="status">"Your password is changed. Log in with the new one."</p>
            })}
            {query.read_untracked().get("verified").map(|_| view! {
                <p class="alert alert--ok" role="status">"Your address is confirmed. Log in to start."</p>
            })}
            <super::social::SocialNotice/>
            <p class="lead">"Log in to rate stories and join the conversation."</p>
            <div class="card">
                <LoginForm next=next.clone()/>
                <super::social::SocialButtons next/>
                <p class="form-footer"><a href="/password-reset">"Forgot your password?"</a></p>
                <p class="form-footer">"New to Waypost? " <a href="/signup">"Create an account"</a></p>
            </div>
        </section>
    }
}

#[island(lazy)]
fn LoginForm(next: String) -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let error = action_error(action);
    view! {
        <ActionForm action=action attr:aria-label="Log in" attr:data-hydrated=hydrated_flag()>
            <FormAlert error=error/>
            <input type="hidden" name="next" value=next/>
            <Field label="E-mail or username" name="login" autocomplete="username" required=true error=error/>
            <Field
                label="Password"
                name="password"
                input_type="password"
                autocomplete="current-password"
                required=true
                error=error
            />
            <button type="submit" class="button" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Logging in…" } else { "Log in" }}
            </button>
        </ActionForm>
    }
}

/// `/logout`: a confirmation page, because logging out changes state and so must be a POST.
#[component]
pub fn LogoutPage() -> impl IntoView {
    view! {
        <Title text="Log out"/>
        <section class="form-page">
            <h1>"Log out"</h1>
            <div class="card">
                <p>"You can log back in any time."</p>
                <LogoutButton class="button".to_owned()/>
            </div>
        </section>
    }
}

/// A one-button form; used in the header and on `/logout`. A plain form POST (the server
/// function redirects home): the header is on every page, and an island here would make every
/// page load the wasm bundle.
#[component]
pub fn LogoutButton(class: String) -> impl IntoView {
    view! {
        <form method="post" action="/sfn/logout" class="inline-form">
            <button type="submit" class=class>"Log out"</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_limited_to_local_paths() {
        assert_eq!(safe_next(Some("/account")), "/account");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(
            safe_next(Some("/a\r\nSet-Cookie: x=1")),
            "/",
            "no header injection"
        );
        assert_eq!(safe_next(Some("/caf\u{e9}")), "/");
    }
}
