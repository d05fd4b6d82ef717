//! Pieces shared by the article pages: cards, bylines, pagination.

use crate::articles::model::{rating_label, ArticleCard, AuthorRef};
use leptos::prelude::*;
use leptos_meta::Link;

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
pub fn ArticleCardView(card: ArticleCard) -> impl IntoView {
    let href = format!("/articles/{}", card.slug);
    let cover = card.cover_image.clone().map(|src| {
        view! {
            <a class="card__cover" href=href.clone() tabindex="-1" aria-hidden="true">
                <img src=src alt="" loading="lazy" width="720" height="405"/>
            </a>
        }
    });
    view! {
        <article class="story-card">
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
                    <span>{format!("{} comments", card.comment_count)}</span>
                </p>
            </div>
        </article>
    }
}

#[component]
pub fn ArticleList(items: Vec<ArticleCard>, #[prop(into)] empty: String) -> impl IntoView {
    if items.is_empty() {
        return view! { <div class="empty-state"><p>{empty}</p></div> }.into_any();
    }
    view! {
        <div class="story-list">
            {items.into_iter().map(|card| view! { <ArticleCardView card/> }).collect_view()}
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
