//! `/account`: the signed-in user's profile settings and password.

use crate::accounts::model::OwnProfile;
use crate::components::form::{action_error, hydrated_flag, Field, FormAlert};
use crate::components::layout::ServerErrorView;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

#[server(prefix = "/sfn", endpoint = "own_profile")]
pub async fn get_own_profile() -> Result<OwnProfile, AppError> {
    use crate::request::{app_state, require_login};
    async {
        let user = require_login().await?;
        Ok(super::server::repo::own_profile(&app_state()?.pool, user.id).await?)
    }
    .await
    .map_err(AppError::with_status)
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
    use super::server::profile::{update_profile, ProfileChange};
    use crate::request::{actor, app_state};
    async {
        let change = ProfileChange {
            display_name: Some(display_name),
            bio: Some(bio),
            x_handle: Some(x_handle),
            website: Some(website),
            notify_comments: Some(notify_comments.is_some()),
            ..ProfileChange::default()
        };
        update_profile(&app_state()?, &actor().await?, change).await?;
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
    use super::server::credentials::{change_password, PasswordChange};
    use crate::request::{actor, app_state, auth_session, start_session};
    async {
        let user = change_password(
            &app_state()?,
            &actor().await?,
            PasswordChange {
                current_password: Some(current_password),
                new_password,
                confirmation: Some(new_password_confirm),
            },
        )
        .await?;
        // This session carried the old password's hash: renew it (with a fresh id) so it
        // survives while every other session ends.
        start_session(&mut auth_session().await?, &user).await
    }
    .await
    .map_err(AppError::with_status)
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let profile = Resource::new_blocking(|| (), |_| get_own_profile());
    let tokens = super::api_tokens::api_tokens_resource();
    let subscriptions = crate::subscriptions::pages::subscriptions_resource();
    let sign_in_methods = super::social::sign_in_methods_resource();
    let query = use_query_map();
    let notice = move || {
        let query = query.read();
        if query.get("joined").is_some() {
            Some("Welcome to Waypost! Your address is confirmed. Tell readers a little about yourself.")
        } else if query.get("welcome").is_some() {
            Some("Welcome to Waypost! We've e-mailed you a link to confirm your address. Meanwhile, tell readers a little about yourself.")
        } else if query.get("email_switched").is_some() {
            Some("Your account now uses the new address. We've sent it a link: please confirm it.")
        } else if query.get("email_changed").is_some() {
            Some("Your new e-mail address is confirmed and in use.")
        } else if query.get("verified").is_some() {
            Some("Thanks, your e-mail address is confirmed.")
        } else if query.get("verification").is_some() {
            Some("We've sent you a new confirmation link.")
        } else if query.get("subscribed").is_some() {
            Some("You're subscribed: new stories will arrive by e-mail.")
        } else if query.get("subscriptions").is_some() {
            Some("Subscriptions saved.")
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
                        "pixels" => "That picture has too many pixels (at most 40 megapixels). Please choose a smaller one.",
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
                                <crate::subscriptions::pages::AccountSubscriptions data=subscriptions/>
                                <super::social::SignInMethodsSection methods=sign_in_methods/>
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
