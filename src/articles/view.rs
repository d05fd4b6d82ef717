//! `/articles/<slug>`: reading an article.

use crate::articles::components::Byline;
use crate::articles::model::{share_on_x_url, ArticleView};
use crate::components::form::ConfirmAddressFirst;
use crate::components::layout::error_view;
use crate::engagement::Discussion;
use crate::error::AppError;
use crate::places::components::StoryPlaces;
use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

pub const RECENT_COOKIE: &str = "waypost_recent";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ArticleLookup {
    Found(Box<ArticleView>),
    /// The article was renamed; the response is already a 301 to its new address.
    Moved(String),
}

/// Slugs from the recently-viewed cookie of the current request (only well-formed ones).
#[cfg(feature = "ssr")]
pub fn recent_slugs() -> Vec<String> {
    use_context::<http::request::Parts>()
        .map(|parts| crate::articles::server::recent::slugs_from(&parts.headers))
        .unwrap_or_default()
}

#[server(prefix = "/sfn", endpoint = "get_article")]
pub async fn get_article(slug: String) -> Result<ArticleLookup, AppError> {
    use crate::articles::server::{may_see, repo};
    use crate::request::app_state;
    async {
        let state = app_state()?;
        // Who is reading, before the first query (the request's context is read while the
        // render surely holds it, not after a wait on the database).
        let actor = crate::request::actor().await?;
        let Some(row) = repo::by_slug(&state.pool, &slug).await? else {
            // An old address sends on only to a story this reader may see.
            let renamed = match repo::renamed_to(&state.pool, &slug).await? {
                Some(article) if may_see(&actor, &article) => Some(article),
                _ => None,
            };
            return match renamed {
                Some(current) => {
                    let location = format!("/articles/{}", current.slug);
                    leptos_axum::redirect(&location);
                    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                        response.set_status(http::StatusCode::MOVED_PERMANENTLY);
                    }
                    Ok(ArticleLookup::Moved(location))
                }
                None => Err(AppError::NotFound),
            };
        };
        let can_edit = actor.can_edit(&row.author_ids);
        let published = row.status == "published";
        if !published && !can_edit {
            // Drafts don't exist for anyone but their authors and staff.
            return Err(AppError::NotFound);
        }
        let favorited = match actor.id() {
            Some(user_id) if published => Some(
                crate::engagement::server::favorites::is_favorite(&state.pool, user_id, row.id)
                    .await?,
            ),
            _ => None,
        };
        let places =
            crate::places::server::views::story_map(&state.pool, row.id, &row.title).await?;
        let engagement = if published {
            Some(crate::engagement::server::for_article(&state.pool, &actor, &row).await?)
        } else {
            None
        };
        Ok(ArticleLookup::Found(Box::new(ArticleView {
            id: row.id,
            url: format!("{}/articles/{}", state.config.site_url, row.slug),
            slug: row.slug,
            title: row.title,
            summary: row.summary,
            body_html: row.body_html,
            toc: row.toc.0,
            reading_minutes: row.reading_minutes,
            cover_image: row.cover_image,
            cover_alt: row.cover_alt,
            published,
            published_on: row.published_on,
            published_iso: row.published_iso,
            authors: row.authors.0,
            tags: row.tags.0,
            engagement,
            can_edit,
            favorites: row.favorite_count,
            favorited,
            places,
        })))
    }
    .await
    .map_err(AppError::with_status)
}

#[component]
pub fn ArticlePage() -> impl IntoView {
    let params = use_params_map();
    let article = Resource::new_blocking(
        move || params.read().get("slug").unwrap_or_default(),
        get_article,
    );
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match article.await {
                    Ok(ArticleLookup::Found(article)) => view! { <ArticleBody article=*article/> }.into_any(),
                    Ok(ArticleLookup::Moved(to)) => view! { <p>"This story moved to " <a href=to.clone()>{to.clone()}</a></p> }.into_any(),
                    Err(error) => error_view(error),
                }
            })}
        </Suspense>
    }
}

/// A table of contents is worth showing from this many headings on.
const TOC_MIN_ENTRIES: usize = 3;

#[component]
fn ArticleBody(article: ArticleView) -> impl IntoView {
    let description = if article.summary.is_empty() {
        article.title.clone()
    } else {
        article.summary.clone()
    };
    let share = share_on_x_url(&article.title, &article.url);
    let site = article
        .url
        .split("/articles/")
        .next()
        .unwrap_or_default()
        .to_owned();
    let image = article.cover_image.clone().map(|src| {
        if src.starts_with('/') {
            format!("{site}{src}")
        } else {
            src
        }
    });
    let toc = (article.toc.len() >= TOC_MIN_ENTRIES).then(|| {
        view! {
            <nav class="toc" aria-labelledby="toc-heading">
                <h2 id="toc-heading">"In this story"</h2>
                <ol>
                    {article.toc.iter().map(|entry| view! {
                        <li class=format!("toc__level-{}", entry.level)><a href=format!("#{}", entry.id)>{entry.text.clone()}</a></li>
                    }).collect_view()}
                </ol>
            </nav>
        }
    });
    view! {
        <Title text=article.title.clone()/>
        <Meta name="description" content=description.clone()/>
        <Link rel="canonical" href=article.url.clone()/>
        <Meta property="og:type" content="article"/>
        <Meta property="og:title" content=article.title.clone()/>
        <Meta property="og:description" content=description.clone()/>
        <Meta property="og:url" content=article.url.clone()/>
        <Meta name="twitter:card" content=if image.is_some() { "summary_large_image" } else { "summary" }/>
        <Meta name="twitter:title" content=article.title.clone()/>
        <Meta name="twitter:description" content=description/>
        // OpenGraph's place: the story's first place.
        {article.places.places.first().map(|place| view! {
            <Meta property="place:location:latitude" content=format!("{:.4}", place.lat)/>
            <Meta property="place:location:longitude" content=format!("{:.4}", place.lon)/>
        })}
        {image.map(|src| view! {
            <Meta property="og:image" content=src.clone()/>
            <Meta name="twitter:image" content=src/>
        })}
        <article class="article">
            <header class="article__header">
                {(!article.published).then(|| view! { <p class="badge badge--draft">"Draft — only you and staff can see this"</p> })}
                {(!article.tags.is_empty()).then(|| view! {
                    <p class="article__tags">
                        {article.tags.iter().map(|t| view! { <a class="tag" href=format!("/tags/{}", t.slug)>{t.name.clone()}</a> }).collect_view()}
                    </p>
                })}
                <h1 class="article__title">{article.title.clone()}</h1>
                {(!article.summary.is_empty()).then(|| view! { <p class="article__summary">{article.summary.clone()}</p> })}
                <p class="story-meta">
                    <span class="byline">"By " <Byline authors=article.authors.clone()/></span>
                    {article.published_on.clone().map(|on| view! { <time datetime=article.published_iso.clone()>{on}</time> })}
                    <span>{format!("{} min read", article.reading_minutes)}</span>
                </p>
                <div class="article__actions">
                    {article.published.then(|| view! {
                        <FavoriteControl slug=article.slug.clone() count=article.favorites favorited=article.favorited/>
                    })}
                    <a class="button button--quiet" href=share target="_blank" rel="noopener noreferrer">"Share on X"</a>
                    {article.can_edit.then(|| view! {
                        <a class="button button--quiet" href=format!("/articles/{}/edit", article.slug)>"Edit"</a>
                    })}
                </div>
            </header>
            {article.cover_image.clone().map(|src| view! {
                <figure class="article__cover"><img src=src alt=article.cover_alt.clone() width="1200" height="675"/></figure>
            })}
            <StoryPlaces map=article.places.clone()/>
            {toc}
            <div class="article__body prose" inner_html=article.body_html.clone()></div>
        </article>
        {article.engagement.map(|engagement| {
            // Rendered here, not in the island: the reason and the button cost the bundle nothing.
            let unconfirmed = engagement.viewer.comment == crate::engagement::model::Access::Unverified;
            view! {
                {unconfirmed.then(|| view! {
                    <ConfirmAddressFirst to="rate stories and join conversations"/>
                })}
                <Discussion article_id=article.id slug=article.slug.clone() engagement/>
            }
        })}
    }
}

/// The heart: a plain form (no JavaScript, nothing added to the page's bundle) that
/// favourites or unfavourites, then comes back here. Anonymous readers are sent to log in.
#[component]
fn FavoriteControl(slug: String, count: i64, favorited: Option<bool>) -> impl IntoView {
    let label = crate::wording::count(count, "favourite", "favourites");
    match favorited {
        None => view! {
            <a class="button button--quiet" href=format!("/login?next=/articles/{slug}")>
                <span aria-hidden="true">"♡ "</span>{label}<span class="visually-hidden">" — log in to favourite"</span>
            </a>
        }
        .into_any(),
        Some(on) => view! {
            <form class="inline-form" method="post" action=format!("/articles/{slug}/favorite")>
                <input type="hidden" name="on" value=if on { "false" } else { "true" }/>
                <button type="submit" class="button button--quiet" aria-pressed=if on { "true" } else { "false" }>
                    <span aria-hidden="true">{if on { "♥ " } else { "♡ " }}</span>
                    {if on { "Favourited" } else { "Favourite" }}
                    " · "{label}
                </button>
            </form>
        }
        .into_any(),
    }
}
