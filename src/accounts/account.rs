//! `/account`: the signed-in user's profile settings and password.

use crate::accounts::model::OwnProfile;
use crate::components::form::{action_error, hydrated_flag, Field, FormAlert};
use crate::components::layout::ServerErrorView;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

pub const MAX_BIO: usize = 2000;
pub const MAX_WEBSITE: usize = 200;

#[server(prefix = "/sfn", endpoint = "own_profile")]
pub async fn get_own_profile() -> Result<OwnProfile, AppError> {
    use super::server::{app_state, repo, require_login};
    async {
        let user = require_login().await?;
        Ok(repo::own_profile(&app_state()?.pool, user.id).await?)
    }
    .await
    .map_err(AppError::with_status)
}

/// Normalises an X handle: accepts `@name`, `name` or an x.com/twitter.com profile URL.
pub fn normalize_x_handle(raw: &str) -> Result<Option<String>, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let without_url = [
        "https://x.com/",
        "https://twitter.com/",
        "x.com/",
        "twitter.com/",
    ]
    .iter()
    .find_map(|prefix| trimmed.strip_prefix(prefix))
    .unwrap_or(trimmed);
    let handle = without_url.trim_start_matches('@').trim_end_matches('/');
    let valid = (1..=15).contains(&handle.len())
        && handle
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(Some(handle.to_owned()))
    } else {
        Err("An X handle has 1–15 letters, digits or underscores, like @waypost.".to_owned())
    }
}

/// Only http(s) links: anything else (e.g. `javascript:`) would be a script in a profile.
pub fn normalize_website(raw: &str) -> Result<Option<String>, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let candidate = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let lower = candidate.to_ascii_lowercase();
    let host_ok = candidate
        .split_once("://")
        .map(|(_, rest)| rest.split('/').next().unwrap_or(""))
        .is_some_and(|host| host.contains('.') && !host.contains(' '));
    if (lower.starts_with("https://") || lower.starts_with("http://"))
        && host_ok
        && candidate.len() <= MAX_WEBSITE
        && !candidate.chars().any(char::is_whitespace)
    {
        Ok(Some(candidate))
    } else {
        Err("Enter a web address like https://example.com.".to_owned())
    }
}

#[server(prefix = "/sfn", endpoint = "update_profile")]
pub async fn update_profile(
    display_name: String,
    bio: String,
    x_handle: String,
    website: String,
    /// A checkbox: present ("on") when ticked, absent otherwise.
    notify_comments: Option<String>,
) -> Result<(), AppError> {
    use super::server::{app_state, repo, require_login};
    async {
        let user = require_login().await?;
        let display_name = display_name.trim().to_owned();
        let bio = bio.trim().to_owned();
        let mut errors = crate::error::FieldErrors::new();
        if display_name.chars().count() > super::signup::MAX_DISPLAY_NAME {
            errors.add("display_name", "Use at most 80 characters.");
        }
        if bio.chars().count() > MAX_BIO {
            errors.add("bio", format!("Keep your bio under {MAX_BIO} characters."));
        }
        let x_handle = normalize_x_handle(&x_handle).unwrap_or_else(|message| {
            errors.add("x_handle", message);
            None
        });
        let website = normalize_website(&website).unwrap_or_else(|message| {
            errors.add("website", message);
            None
        });
        errors.into_result()?;
        let state = app_state()?;
        repo::update_profile(
            &state.pool,
            user.id,
            repo::ProfileUpdate {
                display_name,
                bio,
                x_handle,
                website,
                notify_comments: notify_comments.is_some(),
            },
        )
        .await?;
        // Articles carry their authors' names for sorting and search.
        let articles =
            crate::articles::server::repo::article_ids_by_author(&state.pool, user.id).await?;
        crate::articles::server::repo::refresh_author_names(&state.pool, &articles).await?;
        crate::cache::invalidate_current().await;
        // A full page load: the server-rendered header then shows the new name.
        leptos_axum::redirect("/account?saved=1");
        Ok(())
    }
    .await
    .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_confirm: String,
) -> Result<(), AppError> {
    use super::server::{app_state, auth_session, password, repo};
    async {
        let mut auth = auth_session().await?;
        let user = auth.user.clone().ok_or(AppError::Unauthenticated)?;
        let stored = user.password_hash.clone().unwrap_or_default();
        if !password::verify(current_password, stored).await? {
            return Err(AppError::invalid(
                "current_password",
                "That is not your current password.",
            ));
        }
        let state = app_state()?;
        let mut errors = crate::error::FieldErrors::new();
        password::check_policy(
            state.config.password_policy,
            &new_password,
            &user.username,
            &user.email,
            "new_password",
            &mut errors,
        );
        if new_password != new_password_confirm {
            errors.add("new_password_confirm", "The two passwords don't match.");
        }
        errors.into_result()?;
        let hash = password::hash(new_password).await?;
        repo::set_password(&state.pool, user.id, &hash).await?;
        // The session's auth hash derives from the password hash: log in again with the new
        // one so this session survives while every other session ends.
        let updated = repo::find_by_id(&state.pool, user.id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        auth.login(&updated).await.map_err(|e| {
            tracing::error!(error = %e, "could not refresh the session after a password change");
            AppError::Internal
        })?;
        Ok(())
    }
    .await
    .map_err(AppError::with_status)
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let profile = Resource::new_blocking(|| (), |_| get_own_profile());
    let tokens = super::api_tokens::api_tokens_resource();
    let query = use_query_map();
    let notice = move || {
        let query = query.read();
        if query.get("welcome").is_some() {
            Some("Welcome to Waypost! We've e-mailed you a link to confirm your address. Meanwhile, tell readers a little about yourself.")
        } else if query.get("email_changed").is_some() {
            Some("Your new e-mail address is confirmed and in use.")
        } else if query.get("verified").is_some() {
            Some("Thanks, your e-mail address is confirmed.")
        } else if query.get("verification").is_some() {
            Some("We've sent you a new confirmation link.")
        } else if query.get("saved").is_some() {
            Some("Profile saved.")
        } else {
            None
        }
    };
    view! {
        <Title text="Your account"/>
        <section class="form-page form-page--wide">
            <h1>"Your account"</h1>
            {move || notice().map(|text| view! { <p class="alert alert--ok" role="status">{text}</p> })}
            <super::social::SocialNotice/>
            {move || {
                query.read().get("avatar_error").map(|code| {
                    let text = match code.as_str() {
                        "size" => "That picture is too large. Please choose a smaller one.",
                        _ => "That file is not a JPEG, PNG, WebP or GIF picture.",
                    };
                    view! { <p class="alert alert--error" role="alert">{text}</p> }
                })
            }}
            <Suspense fallback=|| view! { <p>"Loading your settings…"</p> }>
                {move || Suspend::new(async move {
                    match profile.await {
                        Ok(profile) => {
                            let profile_url = format!("/authors/{}", profile.username);
                            let unverified = (!profile.email_verified).then(|| view! {
                                <div class="alert alert--warn" role="note">
                                    <p>"Please confirm " <strong>{profile.email.clone()}</strong> " with the link we e-mailed you: until then you can read but not rate or comment."</p>
                                    // A plain form: works with or without JavaScript.
                                    <form method="post" action="/sfn/resend_verification" class="inline-form">
                                        <button type="submit" class="button button--quiet">"Send the link again"</button>
                                    </form>
                                </div>
                            });
                            view! {
                                {unverified}
                                <div class="card">
                                    <h2>"Profile"</h2>
                                    <p class="hint">
                                        "Signed in as " <strong>{profile.email.clone()}</strong> " ("
                                        <a href="/account/email">"change"</a> "). Your public page: "
                                        <a href=profile_url.clone()>{profile_url.clone()}</a>
                                    </p>
                                    <ProfileForm profile/>
                                </div>
                                <div class="card">
                                    <h2>"Picture"</h2>
                                    // A plain form: works the same with or without JavaScript.
                                    <form class="avatar-form" method="post" action="/media/avatar" enctype="multipart/form-data">
                                        <div class="field">
                                            <label for="avatar-file">"Profile picture"</label>
                                            <p class="hint" id="avatar-hint">"A JPEG, PNG, WebP or GIF; shown round on your profile."</p>
                                            <input id="avatar-file" type="file" name="file" required=true accept="image/jpeg,image/png,image/webp,image/gif" aria-describedby="avatar-hint"/>
                                        </div>
                                        <button type="submit" class="button button--quiet">"Upload picture"</button>
                                    </form>
                                </div>
                                <super::social::SignInMethodsSection/>
                                <super::api_tokens::ApiTokensSection tokens/>
                                <div class="card">
                                    <h2>"Password"</h2>
                                    <PasswordForm/>
                                </div>
                            }
                            .into_any()
                        }
                        Err(AppError::Unauthenticated) => {
                            view! { <Redirect path="/login?next=/account"/> }.into_any()
                        }
                    Err(error) => view! { <ServerErrorView message=error.to_string()/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[island(lazy)]
fn ProfileForm(profile: OwnProfile) -> impl IntoView {
    let action = ServerAction::<UpdateProfile>::new();
    let error = action_error(action);
    view! {
        <ActionForm action=action attr:aria-label="Profile" attr:data-hydrated=hydrated_flag()>
            <FormAlert error=error/>
            <Field label="Display name" name="display_name" value=profile.display_name autocomplete="name" maxlength=80 error=error/>
            <Field
                label="Bio"
                name="bio"
                value=profile.bio
                multiline=true
                maxlength=2000
                hint="A few lines about you and the places you write about."
                error=error
            />
            <Field label="X handle" name="x_handle" value=profile.x_handle hint="For example @waypost." error=error/>
            <Field label="Website" name="website" input_type="url" value=profile.website autocomplete="url" error=error/>
            <div class="field field--check">
                <input type="checkbox" id="field-notify" name="notify_comments" value="on" checked=profile.notify_comments/>
                <label for="field-notify">"E-mail me when someone replies to my comments or comments on my stories"</label>
            </div>
            <button type="submit" class="button" disabled=move || action.pending().get()>
                {move || if action.pending().get() { "Saving…" } else { "Save profile" }}
            </button>
        </ActionForm>
    }
}

#[island(lazy)]
fn PasswordForm() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let error = action_error(action);
    view! {
        <ActionForm action=action attr:aria-label="Change password" attr:data-hydrated=hydrated_flag()>
            <FormAlert error=error/>
            <Show when=move || matches!(action.value().get(), Some(Ok(())))>
                <p class="alert alert--ok" role="status">"Password changed. Other devices have been signed out."</p>
            </Show>
            <Field label="Current password" name="current_password" input_type="password" autocomplete="current-password" required=true error=error/>
            <Field label="New password" name="new_password" input_type="password" autocomplete="new-password" hint="At least 10 characters." required=true error=error/>
            <Field label="Confirm new password" name="new_password_confirm" input_type="password" autocomplete="new-password" required=true error=error/>
            <button type="submit" class="button" disabled=move || action.pending().get()>"Change password"</button>
        </ActionForm>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_handles() {
        assert_eq!(
            normalize_x_handle("@way_post").unwrap(),
            Some("way_post".into())
        );
        assert_eq!(
            normalize_x_handle("https://x.com/waypost/").unwrap(),
            Some("waypost".into())
        );
        assert_eq!(normalize_x_handle("  ").unwrap(), None);
        assert!(normalize_x_handle("way post").is_err());
        assert!(normalize_x_handle("sixteen_chars_xx").is_err());
    }

    #[test]
    fn websites() {
        assert_eq!(
            normalize_website("example.com").unwrap(),
            Some("https://example.com".into())
        );
        assert!(normalize_website("javascript:alert(1)").is_err());
        assert!(normalize_website("https://exa mple.com").is_err());
        assert!(normalize_website("ftp://example.com").is_err());
    }
}
