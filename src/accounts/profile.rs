//! `/authors/<username>`: an author's public profile.

use crate::accounts::model::{initial, PublicProfile};
use crate::articles::components::{href_with, ArticleList, Pagination};
use crate::articles::list::list_articles;
use crate::articles::model::share_on_x_url;
use crate::components::layout::error_view;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AuthorPageData {
    pub profile: PublicProfile,
    /// Absolute profile URL, for sharing and the canonical link.
    pub url: String,
    pub followers: i64,
    /// Whether the signed-in reader follows them (`None`: nobody signed in, or it's you).
    pub following: Option<bool>,
    /// The newest articles they favourited.
    pub favorites: Vec<crate::articles::model::ArticleCard>,
    /// Whether the signed-in reader gets their stories by e-mail (`None`: nobody signed in).
    pub subscribed: Option<bool>,
    /// The signed-in reader is this author.
    pub own_page: bool,
    /// Where they have been: their stories' places on a map.
    pub places: crate::places::model::PlacesMap,
}

/// How many favourites an author page lists.
pub const PROFILE_FAVORITES: i64 = 6;

#[server(prefix = "/sfn", endpoint = "author_profile")]
pub async fn get_author(username: String) -> Result<AuthorPageData, AppError> {
    use super::server::{follows, repo};
    use crate::articles::model::Sort;
    use crate::articles::server::repo::{list_published, ListFilter};
    use crate::request::{app_state, auth_session};
    async {
        let state = app_state()?;
        let profile = repo::public_profile(&state.pool, &username)
            .await?
            .ok_or(AppError::NotFound)?;
        let url = format!("{}/authors/{}", state.config.site_url, profile.username);
        let author_id = repo::find_by_login(&state.pool, &profile.username)
            .await?
            .map(|u| u.id)
            .ok_or(AppError::NotFound)?;
        let viewer = auth_session().await?.user.map(|u| u.id);
        let subscribed =
            crate::subscriptions::server::is_subscribed(&state, viewer, Some(author_id)).await?;
        let following = match viewer {
            Some(viewer) if viewer != author_id => {
                Some(follows::is_following(&state.pool, viewer, author_id).await?)
            }
            _ => None,
        };
        let filter = ListFilter {
            favorited_by: Some(&profile.username),
            ..Default::default()
        };
        let (favorites, _) =
            list_published(&state.pool, &filter, Sort::Newest, PROFILE_FAVORITES, 0).await?;
        let places =
            crate::places::server::views::author_map(&state.pool, author_id, profile.name())
                .await?;
        Ok(AuthorPageData {
            places,
            followers: follows::follower_count(&state.pool, author_id).await?,
            following,
            favorites,
            profile,
            url,
            subscribed,
            own_page: viewer == Some(author_id),
        })
    }
    .await
    .map_err(AppError::with_status)
}

#[component]
pub fn AuthorPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let username = move || params.read().get("username").unwrap_or_default();
    let profile = Resource::new_blocking(username, get_author);
    let articles = Resource::new_blocking(
        move || (username(), query.read().get("page")),
        |(username, page)| list_articles(page, None, Some(username), None),
    );
    view! {
        <Suspense fallback=|| view! { <p>"Loading profile…"</p> }>
            {move || Suspend::new(async move {
                match (profile.await, articles.await) {
                    (Ok(data), Ok(page)) => {
                        let base = format!("/authors/{}", data.profile.username);
                        let href = move |n: i64| href_with(&base, &[("page", (n > 1).then(|| n.to_string()))]);
                        // Writers only: travellers publish nothing to subscribe to.
                        let subscribe = (data.profile.is_writer && !data.own_page).then(|| view! {
                            <crate::subscriptions::pages::SubscribeForm author=Some(data.profile.username.clone()) subscribed=data.subscribed/>
                        });
                        let name = data.profile.name().to_owned();
                        view! {
                            <ProfileView profile=data.profile url=data.url followers=data.followers following=data.following/>
                            {subscribe}
                            <crate::places::components::WriterPlaces map=data.places name/>
                            <section class="author-stories" aria-labelledby="author-stories-heading">
                                <h2 id="author-stories-heading">"Stories"</h2>
                                <ArticleList items=page.items ratings=page.ratings empty="No published stories yet."/>
                                <Pagination page=page.page total_pages=page.total_pages href/>
                            </section>
                            {(!data.favorites.is_empty()).then(|| view! {
                                <section class="author-stories" aria-labelledby="author-favorites-heading">
                                    <h2 id="author-favorites-heading">"Favourites"</h2>
                                    <ArticleList items=data.favorites empty=""/>
                                </section>
                            })}
                        }
                        .into_any()
                    }
                    (Err(error), _) | (_, Err(error)) => error_view(error),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProfileView(
    profile: PublicProfile,
    url: String,
    followers: i64,
    following: Option<bool>,
) -> impl IntoView {
    let follow = match following {
        // A plain form: works without JavaScript and adds nothing to the bundle.
        Some(on) => view! {
            <form class="inline-form" method="post" action=format!("/authors/{}/follow", profile.username)>
                <input type="hidden" name="on" value=if on { "false" } else { "true" }/>
                <button type="submit" class="button" aria-pressed=if on { "true" } else { "false" }>
                    {if on { "Following" } else { "Follow" }}
                </button>
            </form>
        }
        .into_any(),
        None => ().into_any(),
    };
    let followers = crate::wording::count(followers, "follower", "followers");
    let name = profile.name().to_owned();
    let share = share_on_x_url(&format!("{name} writes about travel on Waypost"), &url);
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
        <Meta name="description" content=description.clone()/>
        <Link rel="canonical" href=url.clone()/>
        <Meta property="og:type" content="profile"/>
        <Meta property="og:title" content=format!("{name} on Waypost")/>
        <Meta property="og:description" content=description.clone()/>
        <Meta property="og:url" content=url.clone()/>
        <Meta name="twitter:card" content="summary"/>
        <Meta name="twitter:title" content=format!("{name} on Waypost")/>
        <Meta name="twitter:description" content=description/>
        <article class="prose-wide">
            <header class="profile-header">
                {avatar}
                <div>
                    <h1>{name.clone()}</h1>
                    <p class="profile-meta">
                        <span>"@"{profile.username.clone()}</span>
                        {profile.is_writer.then(|| view! { <span class="badge">"Writer"</span> })}
                        <span>"Joined "{profile.joined.clone()}</span>
                        <span>{followers}</span>
                    </p>
                    <p class="profile-meta">
                        {profile.x_handle.clone().map(|handle| view! {
                            <a href=format!("https://x.com/{handle}") rel="me noopener" target="_blank">"@"{handle.clone()}" on X"</a>
                        })}
                        {profile.website.clone().map(|site| view! {
                            <a href=site.clone() rel="me noopener nofollow" target="_blank">{site.clone()}</a>
                        })}
                    </p>
                    <div class="article__actions">
                        {follow}
                        <a class="button button--quiet" href=share target="_blank" rel="noopener noreferrer">"Share on X"</a>
                    </div>
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
