//! The index (`/`), tag pages (`/tags/<tag>`) and the article list on author pages.

use crate::articles::components::{href_with, ArticleList, Pagination};
use crate::articles::model::{ArticleCard, ArticlePage, Sort};
use crate::articles::search::SearchField;
use crate::components::layout::error_view;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Parses `?page=`: absent means 1; anything but a positive integer is a 400.
pub fn parse_page(raw: Option<&str>) -> Result<i64, AppError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(1),
        Some(value) => match value.parse::<i64>() {
            Ok(page) if (1..=1_000_000).contains(&page) => Ok(page),
            _ => Err(AppError::BadRequest(format!(
                "\"{}\" is not a page number. Pages are numbered 1, 2, 3…",
                value.chars().take(40).collect::<String>()
            ))),
        },
    }
}

#[server(prefix = "/sfn", endpoint = "list_articles")]
pub async fn list_articles(
    page: Option<String>,
    sort: Option<String>,
    author: Option<String>,
    tag: Option<String>,
) -> Result<ArticlePage, AppError> {
    use crate::articles::server::repo::{self, ListFilter};
    use crate::request::app_state;
    async {
        let page = parse_page(page.as_deref())?;
        let sort = Sort::parse(sort.as_deref()).ok_or_else(|| {
            AppError::BadRequest("Sort by author, -author, date, -date or rating.".to_owned())
        })?;
        let state = app_state()?;
        let actor = crate::request::actor().await?;
        let size = state.config.page_size;
        let filter = ListFilter {
            author: author.as_deref().filter(|a| !a.is_empty()),
            tag: tag.as_deref().filter(|t| !t.is_empty()),
            ..Default::default()
        };
        let (items, total) =
            repo::list_published(&state.pool, &filter, sort, size, (page - 1) * size).await?;
        with_card_ratings(&state, &actor, ArticlePage::new(items, page, total, size)?).await
    }
    .await
    .map_err(AppError::with_status)
}

/// The page with each card's star control for `actor`. Doors take the actor *before* their
/// first query: the request's context is read while the render surely holds it, not after a
/// wait on the database (a restart made such late reads fail).
#[cfg(feature = "ssr")]
pub async fn with_card_ratings(
    state: &crate::state::AppState,
    actor: &crate::accounts::server::Actor,
    mut page: ArticlePage,
) -> Result<ArticlePage, AppError> {
    page.ratings = crate::engagement::server::card_ratings(&state.pool, actor, &page.items).await?;
    Ok(page)
}

/// The last few articles this browser opened (kept in a cookie, not a server session).
#[server(prefix = "/sfn", endpoint = "recently_viewed")]
pub async fn recently_viewed() -> Result<Vec<ArticleCard>, AppError> {
    use crate::articles::view::recent_slugs;
    use crate::request::app_state;
    let slugs = recent_slugs();
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    let state = app_state()?;
    let mut cards = crate::articles::server::repo::by_slugs(&state.pool, &slugs).await?;
    cards.sort_by_key(|c| {
        slugs
            .iter()
            .position(|s| *s == c.slug)
            .unwrap_or(usize::MAX)
    });
    Ok(cards)
}

#[component]
pub fn HomePage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        let q = query.read();
        (q.get("page"), q.get("sort"), q.get("author"), q.get("tag"))
    };
    let list = Resource::new_blocking(params, |(page, sort, author, tag)| {
        list_articles(page, sort, author, tag)
    });
    let recent = Resource::new_blocking(|| (), |_| recently_viewed());
    view! {
        <Title text=""/>
        <section class="hero">
            <h1>"Stories from the road, told by the people who walked it."</h1>
            <p class="lead">
                "Waypost is where travellers read, rate and discuss first-hand travel writing — and where writers publish it."
            </p>
            <form class="search-form" action="/search" method="get" role="search">
                <label for="hero-search" class="visually-hidden">"Search stories"</label>
                <SearchField id="hero-search" value="" placeholder="Search stories, places, writers…"/>
                <button type="submit" class="button">"Search"</button>
            </form>
        </section>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let recent = recent.await.unwrap_or_default();
                (!recent.is_empty()).then(|| view! {
                    <section class="recent" aria-labelledby="recent-heading">
                        <h2 id="recent-heading">"Recently viewed"</h2>
                        <ul class="recent__list">
                            {recent.into_iter().map(|card| view! {
                                <li><a href=format!("/articles/{}", card.slug)>{card.title}</a></li>
                            }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Suspense>
        <Suspense fallback=|| view! { <p>"Loading stories…"</p> }>
            {move || Suspend::new(async move {
                let (_, sort, author, tag) = params();
                match list.await {
                    Ok(page) => view! { <StoryIndex page sort author tag/> }.into_any(),
                    Err(error) => error_view(error),
                }
            })}
        </Suspense>
        // The same form for everyone (the page is cached): a signed-in reader who types their
        // verified address is subscribed at once.
        <crate::subscriptions::pages::SubscribeForm author=None subscribed=None/>
    }
}

#[component]
fn StoryIndex(
    page: ArticlePage,
    sort: Option<String>,
    author: Option<String>,
    tag: Option<String>,
) -> impl IntoView {
    let current = Sort::parse(sort.as_deref()).unwrap_or(Sort::Newest);
    let href = {
        let (sort, author, tag) = (sort.clone(), author.clone(), tag.clone());
        move |n: i64| {
            href_with(
                "/",
                &[
                    ("page", (n > 1).then(|| n.to_string())),
                    ("sort", sort.clone()),
                    ("author", author.clone()),
                    ("tag", tag.clone()),
                ],
            )
        }
    };
    let heading = match (&author, &tag) {
        (Some(a), _) if !a.is_empty() => format!("Stories by @{a}"),
        (_, Some(t)) if !t.is_empty() => format!("Stories tagged “{t}”"),
        _ => "Latest stories".to_owned(),
    };
    view! {
        <section aria-labelledby="latest-heading">
            <div class="list-header">
                <h2 id="latest-heading">{heading}</h2>
                <form class="sort-form" method="get" action="/">
                    {author.clone().filter(|a| !a.is_empty()).map(|a| view! { <input type="hidden" name="author" value=a/> })}
                    {tag.clone().filter(|t| !t.is_empty()).map(|t| view! { <input type="hidden" name="tag" value=t/> })}
                    <label for="sort">"Sort by"</label>
                    <select id="sort" name="sort">
                        {Sort::ALL.into_iter().map(|s| view! {
                            <option value=s.param() selected=s == current>{s.label()}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="button button--quiet">"Apply"</button>
                </form>
            </div>
            <ArticleList items=page.items ratings=page.ratings empty="No stories have been published yet. Check back soon — our writers are on the road."/>
            <Pagination page=page.page total_pages=page.total_pages href/>
        </section>
    }
}

#[component]
pub fn TagPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let source = move || {
        (
            params.read().get("tag").unwrap_or_default(),
            query.read().get("page"),
        )
    };
    let list = Resource::new_blocking(source, |(tag, page)| {
        list_articles(page, None, None, Some(tag))
    });
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let (tag, _) = source();
                match list.await {
                    Ok(page) if page.total > 0 => {
                        let href = {
                            let tag = tag.clone();
                            move |n: i64| href_with(&format!("/tags/{tag}"), &[("page", (n > 1).then(|| n.to_string()))])
                        };
                        view! {
                            <Title text=format!("Stories tagged {tag}")/>
                            <h1>{format!("Stories tagged “{tag}”")}</h1>
                            <h2 class="visually-hidden">"Stories"</h2>
                            <ArticleList items=page.items ratings=page.ratings empty=""/>
                            <Pagination page=page.page total_pages=page.total_pages href/>
                        }
                        .into_any()
                    }
                    Ok(_) => error_view(AppError::NotFound),
                    Err(error) => error_view(error),
                }
            })}
        </Suspense>
    }
}

#[cfg(test)]
mod tests {
    use super::parse_page;

    #[test]
    fn pages() {
        assert_eq!(parse_page(None).unwrap(), 1);
        assert_eq!(parse_page(Some("3")).unwrap(), 3);
        assert!(parse_page(Some("abc")).is_err());
        assert!(parse_page(Some("0")).is_err());
        assert!(parse_page(Some("-1")).is_err());
        assert!(parse_page(Some("99999999999999999999")).is_err());
    }
}
