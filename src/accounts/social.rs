//! Social sign-in in the pages: the provider buttons (login, sign-up), the result messages,
//! the account page's sign-in methods, and `/auth/complete` where a new X user gives the
//! e-mail address X doesn't share. The OAuth routes themselves are in `server::social`.

use super::model::{social_message, SignInMethods, SocialProvider};
use crate::components::form::{action_error, Field, FormAlert};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Providers with credentials on this server (rendered on the server only).
fn configured_providers() -> Vec<SocialProvider> {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::state::AppState>()
            .map(|state| {
                SocialProvider::ALL
                    .into_iter()
                    .filter(|p| {
                        crate::accounts::server::oauth::provider_config(&state.config, *p).is_ok()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        Vec::new()
    }
}

/// "Continue with Google / X" — plain links (the flow is redirects, no JavaScript), shown
/// only for configured providers.
#[component]
pub fn SocialButtons(#[prop(into)] next: String) -> impl IntoView {
    let providers = configured_providers();
    (!providers.is_empty()).then(|| {
        let next = crate::articles::model::percent_encode(&next);
        view! {
            <div class="social-login">
                <p class="social-login__or"><span>"or"</span></p>
                <ul class="social-login__list">
                    {providers
                        .into_iter()
                        .map(|p| {
                            let href = format!("/auth/{}/start?next={next}", p.as_str());
                            view! {
                                <li>
                                    <a class=format!("button button--social button--{}", p.as_str()) href=href>
                                        {format!("Continue with {}", p.label())}
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </div>
        }
    })
}

/// The outcome of the last social step (`?social=<code>`), as a fixed message.
#[component]
pub fn SocialNotice() -> impl IntoView {
    let query = use_query_map();
    let code = query.read_untracked().get("social").unwrap_or_default();
    social_message(&code).map(|(text, is_error)| {
        if is_error {
            view! { <p class="alert alert--error" role="alert">{text}</p> }.into_any()
        } else {
            view! { <p class="alert alert--ok" role="status">{text}</p> }.into_any()
        }
    })
}

#[server(prefix = "/sfn", endpoint = "sign_in_methods")]
pub async fn get_sign_in_methods() -> Result<SignInMethods, AppError> {
    use super::server::social;
    use crate::request::{app_state, require_login};
    let user = require_login().await.map_err(AppError::with_status)?;
    let state = app_state()?;
    social::sign_in_methods(&state, user.id).await
}

/// The account page's "Sign-in methods": link or unlink each provider (plain forms).
/// Created with the page's other resources, never inside a `Suspend`: a blocking resource
/// first created while a `Suspend` renders can leave the server render waiting forever
/// (seen as an /account request that never answered under concurrent load).
pub fn sign_in_methods_resource() -> Resource<Result<SignInMethods, AppError>> {
    Resource::new_blocking(|| (), |_| get_sign_in_methods())
}

#[component]
pub fn SignInMethodsSection(methods: Resource<Result<SignInMethods, AppError>>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="sign-in-methods">
            <h2 id="sign-in-methods">"Sign-in methods"</h2>
            <Suspense fallback=|| ()>
                {move || methods.get().map(|result| match result {
                    Ok(methods) => view! { <MethodList methods/> }.into_any(),
                    Err(error) => view! { <p class="alert alert--error" role="alert">{error.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn MethodList(methods: SignInMethods) -> impl IntoView {
    let password = if methods.has_password {
        "Password: set. Change it below."
    } else {
        "Password: none yet. “Forgot your password?” on the login page sends a link to set one."
    };
    view! {
        <p>{password}</p>
        {(!methods.providers.is_empty()).then(|| view! {
            <ul class="sign-in-methods">
                {methods.providers.into_iter().map(|link| {
                    let label = link.provider.label();
                    let provider = link.provider.as_str();
                    match link.linked_as {
                        Some(name) => view! {
                            <li>
                                <span>
                                    <strong>{label}</strong>
                                    {format!(": linked as {name}")}
                                    {link.linked_on.map(|d| format!(" since {d}"))}
                                </span>
                                <form method="post" action=format!("/auth/{provider}/unlink") class="inline-form">
                                    <button type="submit" class="button button--quiet">
                                        {format!("Unlink {label}")}
                                    </button>
                                </form>
                            </li>
                        }.into_any(),
                        None => view! {
                            <li>
                                <span><strong>{label}</strong>": not linked"</span>
                                <form method="post" action=format!("/auth/{provider}/link") class="inline-form">
                                    <button type="submit" class="button button--quiet">
                                        {format!("Link {label}")}
                                    </button>
                                </form>
                            </li>
                        }.into_any(),
                    }
                }).collect_view()}
            </ul>
        })}
    }
}

/// What `/auth/complete` shows about the identity waiting in the session.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingSignup {
    pub provider: SocialProvider,
    pub name: String,
    pub username_suggestion: String,
}

#[server(prefix = "/sfn", endpoint = "pending_social_signup")]
pub async fn get_pending_signup() -> Result<Option<PendingSignup>, AppError> {
    use super::server::social;
    use crate::request::auth_session;
    let auth = auth_session().await?;
    Ok(social::pending_identity(&auth)
        .await
        .map(|identity| PendingSignup {
            provider: identity.provider,
            username_suggestion: social::username_base(&identity.username_hint, &identity.name),
            name: identity.name,
        }))
}

#[server(prefix = "/sfn", endpoint = "complete_social_signup")]
pub async fn complete_social_signup(email: String, username: String) -> Result<(), AppError> {
    complete_signup(email, username)
        .await
        .map_err(AppError::with_status)
}

#[cfg(feature = "ssr")]
async fn complete_signup(email: String, username: String) -> Result<(), AppError> {
    use super::server::{emails, social};
    use crate::error::FieldErrors;
    use crate::request::{app_state, auth_session};

    let mut auth = auth_session().await?;
    let Some(identity) = social::pending_identity(&auth).await else {
        return Err(AppError::BadRequest(
            "This sign-up has expired. Start again with the provider's button.".to_owned(),
        ));
    };
    let email = email.trim().to_owned();
    let username = username.trim().to_owned();
    let mut errors = FieldErrors::new();
    super::rules::check_email(&email, &mut errors);
    super::rules::check_username(&username, &mut errors);
    errors.into_result()?;

    let state = app_state()?;
    let display_name: String = identity.name.chars().take(80).collect();
    // The address is the person's word only: it is verified by e-mail like any sign-up.
    let user = match social::create_social_user(
        &state.pool,
        &identity,
        &email,
        false,
        &display_name,
        Some(&username),
        &state.config.signup_group,
    )
    .await?
    {
        social::Created::User(user) => user,
        social::Created::EmailTaken => {
            return Err(AppError::conflict(
                "email",
                format!(
                    "An account with this e-mail already exists. Log in with its password, then link your {} account on your account page.",
                    identity.provider.label()
                ),
            ))
        }
    };
    let name = if display_name.is_empty() {
        user.username.clone()
    } else {
        display_name
    };
    let _ = emails::verification(&state, user.id, &user.email, &name).await;
    social::log_in(
        &state,
        &mut auth,
        &user,
        identity.provider,
        &identity.subject,
    )
    .await?;
    leptos_axum::redirect("/account?welcome=1");
    Ok(())
}

/// `/auth/complete`: the last step of signing up with a provider that gave no e-mail.
#[component]
pub fn CompleteSignupPage() -> impl IntoView {
    let pending = Resource::new_blocking(|| (), |_| get_pending_signup());
    view! {
        <Title text="Finish signing up"/>
        <section class="form-page">
            <h1>"Almost there"</h1>
            <Suspense fallback=|| ()>
                {move || pending.get().map(|result| match result {
                    Ok(Some(pending)) => view! {
                        <p class="lead">
                            {format!(
                                "You signed in with {} as {}. {} doesn't share e-mail addresses: add yours so we can send you a confirmation link and, if you ever need it, a password reset.",
                                pending.provider.label(),
                                if pending.name.is_empty() { "a new user".to_owned() } else { pending.name.clone() },
                                pending.provider.label(),
                            )}
                        </p>
                        <div class="card">
                            <CompleteSignupForm username=pending.username_suggestion/>
                        </div>
                    }.into_any(),
                    Ok(None) => view! {
                        <p class="alert alert--error" role="alert">
                            "There is no sign-up waiting to be finished. "
                            <a href="/login">"Log in or sign up"</a>
                            " to start again."
                        </p>
                    }.into_any(),
                    Err(error) => view! { <p class="alert alert--error" role="alert">{error.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

/// Server-rendered only (no island: this page is visited once per account, and every
/// reader page shares the wasm budget). Without JavaScript the form posts, and an error comes
/// back in the address and is shown next to its field.
#[component]
fn CompleteSignupForm(username: String) -> impl IntoView {
    let action = ServerAction::<CompleteSocialSignup>::new();
    let error = action_error(action);
    view! {
        <ActionForm action=action attr:aria-label="Finish signing up">
            <FormAlert error=error/>
            <Field label="E-mail" name="email" input_type="email" autocomplete="email" required=true error=error/>
            <Field
                label="Username"
                name="username"
                value=username
                autocomplete="username"
                hint="3–30 letters, digits, dots, dashes or underscores. It appears in your profile address."
                required=true
                maxlength=30
                error=error
            />
            <button type="submit" class="button" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Creating your account…" } else { "Create account" }}
            </button>
        </ActionForm>
    }
}
