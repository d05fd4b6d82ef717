//! Pieces shared by the article pages: cards, bylines, pagination.

use crate::articles::model::{rating_label, ArticleCard, AuthorRef};
use crate::engagement::model::{Access, CardRatings, MAX_STARS, MIN_STARS};
use leptos::prelude::*;
use leptos_meta::Link;
use leptos_router::hooks::use_location;

#[component]
pub fn Byline(authors: Vec<AuthorRef>) -> impl IntoView {
    let count = authors.len();
    authors
        .into_iter()
        .enumerate()
        .map(|(i, author)| {
            let separator = match (i, count) {
                (0, _) => "",
                (i, n) if i + 1 == n => " and ",
                _ => ", ",
            };
            view! {
                {separator}
                <a class="byline__author" href=format!("/authors/{}", author.username)>{author.name}</a>
            }
        })
        .collect_view()
}

#[component]
pub fn ArticleCardView(
    card: ArticleCard,
    /// The star control for this reader, when the list offers one.
    #[prop(optional)]
    stars: Option<CardStars>,
) -> impl IntoView {
    let href = format!("/articles/{}", card.slug);
    let cover = card.cover_image.clone().map(|src| {
        view! {
            <a class="card__cover" href=href.clone() tabindex="-1" aria-hidden="true">
                <img src=src alt="" loading="lazy" width="720" height="405"/>
            </a>
        }
    });
    let stars = stars.map(|stars| view! { <CardRating card=card.clone() stars/> });
    view! {
        <article class="story-card" id=format!("story-{}", card.slug)>
            {cover}
            <div class="story-card__body">
                <h3 class="story-card__title"><a href=href.clone()>{card.title.clone()}</a></h3>
                {card
                    .snippet
                    .clone()
                    .map(|snippet| view! { <p class="story-card__snippet" inner_html=snippet></p> })}
                {(!card.summary.is_empty() && card.snippet.is_none())
                    .then(|| view! { <p class="story-card__summary">{card.summary.clone()}</p> })}
                <p class="story-meta">
                    <span class="byline">"By " <Byline authors=card.authors.clone()/></span>
                    <time datetime=card.published_iso.clone()>{card.published_on.clone()}</time>
                    <span>{format!("{} min read", card.reading_minutes)}</span>
                    <span>{rating_label(card.rating_average, card.rating_count)}</span>
                    <span>{crate::wording::count(card.comment_count, "comment", "comments")}</span>
                </p>
                {stars}
            </div>
        </article>
    }
}

/// What a card's star control shows this reader, and where its form comes back to.
#[derive(Clone)]
pub struct CardStars {
    pub access: Access,
    pub mine: Option<u8>,
    /// The list's own address (path and query).
    pub back: String,
}

/// The story page's star rule on a card, as a plain form (no JavaScript, nothing added to
/// the bundle): five radio buttons and a button. Anonymous readers are sent to log in by the
/// form's handler; readers with an unconfirmed address are told why they can't rate.
#[component]
fn CardRating(card: ArticleCard, stars: CardStars) -> impl IntoView {
    match stars.access {
        Access::Allowed | Access::Anonymous => {}
        Access::Unverified => {
            return view! {
                <p class="card-rating__note">
                    <a href="/account">"Confirm your e-mail address to rate"</a>
                </p>
            }
            .into_any();
        }
        Access::OwnArticle | Access::NotPermitted => return ().into_any(),
    }
    let slug = card.slug.clone();
    let choices = (MIN_STARS..=MAX_STARS)
        .map(|n| {
            let id = format!("rate-{slug}-{n}");
            let label = crate::wording::count(i64::from(n), "star", "stars");
            view! {
                <input type="radio" class="rating__input" id=id.clone() name="stars" value=n.to_string()
                    checked=stars.mine == Some(n) required=true/>
                <label for=id class="rating__star">
                    <span aria-hidden="true">"★"</span>
                    <span class="visually-hidden">{label}</span>
                </label>
            }
        })
        .collect_view();
    let button = if stars.mine.is_some() {
        "Change rating"
    } else {
        "Rate"
    };
    view! {
        <form class="card-rating" method="post" action=format!("/articles/{slug}/rating")>
            <input type="hidden" name="back" value=stars.back/>
            <fieldset class="rating__stars">
                <legend class="visually-hidden">{format!("Your rating of “{}”", card.title)}</legend>
                {choices}
            </fieldset>
            <button type="submit" class="button button--small button--quiet"
                aria-label=format!("{button}: {}", card.title)>{button}</button>
        </form>
    }
    .into_any()
}

/// A list of story cards; with `ratings`, each card offers its star control.
#[component]
pub fn ArticleList(
    items: Vec<ArticleCard>,
    #[prop(into)] empty: String,
    #[prop(optional)] ratings: Option<CardRatings>,
) -> impl IntoView {
    if items.is_empty() {
        return view! { <div class="empty-state"><p>{empty}</p></div> }.into_any();
    }
    let location = use_location();
    let back = match location.search.get_untracked() {
        search if search.is_empty() => location.pathname.get_untracked(),
        search => format!(
            "{}?{}",
            location.pathname.get_untracked(),
            search.trim_start_matches('?')
        ),
    };
    view! {
        <div class="story-list">
            {items
                .into_iter()
                .map(|card| {
                    let stars = ratings.as_ref().map(|r| CardStars {
                        access: r.access_to(card.authors.iter().map(|a| a.username.as_str())),
                        mine: r.mine_for(&card.slug),
                        back: back.clone(),
                    });
                    match stars {
                        Some(stars) => view! { <ArticleCardView card stars/> }.into_any(),
                        None => view! { <ArticleCardView card/> }.into_any(),
                    }
                })
                .collect_view()}
        </div>
    }
    .into_any()
}

/// Page links with `rel=prev/next` (in the links and in `<head>`).
#[component]
pub fn Pagination(
    page: i64,
    total_pages: i64,
    href: impl Fn(i64) -> String + 'static,
) -> impl IntoView {
    if total_pages <= 1 {
        return ().into_any();
    }
    let prev = (page > 1).then(|| href(page - 1));
    let next = (page < total_pages).then(|| href(page + 1));
    let window: Vec<i64> = {
        let mut pages = vec![1, total_pages];
        pages.extend((page - 2).max(1)..=(page + 2).min(total_pages));
        pages.sort_unstable();
        pages.dedup();
        pages
    };
    let mut last = 0;
    let links = window
        .into_iter()
        .map(|n| {
            let gap = n > last + 1;
            last = n;
            let link = if n == page {
                view! { <span class="page-link" aria-current="page">{n}</span> }.into_any()
            } else {
                view! { <a class="page-link" href=href(n)>{n}</a> }.into_any()
            };
            view! {
                {gap.then(|| view! { <span class="page-gap" aria-hidden="true">"…"</span> })}
                {link}
            }
        })
        .collect_view();
    view! {
        {prev.clone().map(|url| view! { <Link rel="prev" href=url/> })}
        {next.clone().map(|url| view! { <Link rel="next" href=url/> })}
        <nav class="pagination" aria-label="Pages">
            {prev.map(|url| view! { <a class="page-link" rel="prev" href=url>"← Newer"</a> })}
            {links}
            {next.map(|url| view! { <a class="page-link" rel="next" href=url>"Older →"</a> })}
        </nav>
    }
    .into_any()
}

/// Builds `/path?a=b&…` from the non-empty parameters, encoded.
pub fn href_with(path: &str, params: &[(&str, Option<String>)]) -> String {
    let query: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| {
            v.as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", crate::articles::model::percent_encode(v)))
        })
        .collect();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}
