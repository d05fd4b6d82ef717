//! `/authors/<username>`: an author's public profile.

use crate::accounts::model::{initial, PublicProfile};
use crate::components::layout::{NotFoundView, ServerErrorView};
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

#[server(prefix = "/sfn", endpoint = "author_profile")]
pub async fn get_author(username: String) -> Result<PublicProfile, AppError> {
    use super::server::{app_state, repo};
    async {
        repo::public_profile(&app_state()?.pool, &username)
            .await?
            .ok_or(AppError::NotFound)
    }
    .await
    .map_err(AppError::with_status)
}

#[component]
pub fn AuthorPage() -> impl IntoView {
    let params = use_params_map();
    let profile = Resource::new(
        move || params.read().get("username").unwrap_or_default(),
        get_author,
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading profile…"</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(profile) => view! { <ProfileView profile/> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFoundView/> }.into_any(),
                    Err(error) => view! { <ServerErrorView message=error.to_string()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProfileView(profile: PublicProfile) -> impl IntoView {
    let name = profile.name().to_owned();
    let description = if profile.bio.is_empty() {
        format!("{name} on Waypost")
    } else {
        profile.bio.chars().take(160).collect()
    };
    let avatar = match profile.avatar_url.clone() {
        Some(url) => view! { <img class="avatar" src=url alt=""/> }.into_any(),
        None => {
            view! { <span class="avatar" aria-hidden="true">{initial(&name)}</span> }.into_any()
        }
    };
    view! {
        <Title text=name.clone()/>
        <Meta name="description" content=description/>
        <article class="prose-wide">
            <header class="profile-header">
                {avatar}
                <div>
                    <h1>{name.clone()}</h1>
                    <p class="profile-meta">
                        <span>"@"{profile.username.clone()}</span>
                        {profile.is_writer.then(|| view! { <span class="badge">"Writer"</span> })}
                        <span>"Joined "{profile.joined.clone()}</span>
                    </p>
                    <p class="profile-meta">
                        {profile.x_handle.clone().map(|handle| view! {
                            <a href=format!("https://x.com/{handle}") rel="me noopener" target="_blank">"@"{handle.clone()}" on X"</a>
                        })}
                        {profile.website.clone().map(|site| view! {
                            <a href=site.clone() rel="me noopener nofollow" target="_blank">{site.clone()}</a>
                        })}
                    </p>
                </div>
            </header>
            <div class="prose">
                {if profile.bio.is_empty() {
                    view! { <p class="hint">{format!("{name} hasn't written a bio yet.")}</p> }.into_any()
                } else {
                    profile.bio.split("\n\n").map(|para| view! { <p>{para.to_owned()}</p> }).collect_view().into_any()
                }}
            </div>
        </article>
    }
}
