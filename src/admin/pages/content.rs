//! `/admin/articles`, `/admin/comments`, `/admin/ratings`: moderating what readers see.

use super::{action_button, admin_error, pager, AdminFrame};
#[cfg(feature = "ssr")]
use super::{parse_page, staff_state};
use crate::admin::model::*;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[server(prefix = "/sfn", endpoint = "admin_articles")]
pub async fn admin_articles(
    q: Option<String>,
    page: Option<String>,
) -> Result<Paged<AdminArticle>, AppError> {
    async {
        let state = staff_state().await?;
        crate::admin::server::articles(&state.pool, q.as_deref().unwrap_or(""), parse_page(page)?)
            .await
    }
    .await
    .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "admin_comments")]
pub async fn admin_comments(page: Option<String>) -> Result<Paged<AdminComment>, AppError> {
    async {
        let state = staff_state().await?;
        crate::admin::server::comments(&state.pool, parse_page(page)?).await
    }
    .await
    .map_err(AppError::with_status)
}

#[component]
pub fn AdminArticlesPage() -> impl IntoView {
    let query = use_query_map();
    let args = move || (query.read().get("q"), query.read().get("page"));
    let data = Resource::new_blocking(args, |(q, page)| admin_articles(q, page));
    let q = move || query.read().get("q").unwrap_or_default();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(articles) => view! {
                        <AdminFrame current="/admin/articles" title="Stories">
                            <form class="admin-search" method="get" action="/admin/articles" role="search">
                                <label for="admin-article-search">"Search stories"</label>
                                <input id="admin-article-search" type="search" name="q" value=q() placeholder="Title or author"/>
                                <button type="submit" class="button button--small">"Search"</button>
                            </form>
                            <div class="table-scroll">
                                <table class="admin-table">
                                    <caption class="visually-hidden">"Stories, last changed first"</caption>
                                    <thead><tr><th scope="col">"Story"</th><th scope="col">"Authors"</th><th scope="col">"Status"</th><th scope="col">"Updated"</th><th scope="col">"Comments"</th><th scope="col">"Actions"</th></tr></thead>
                                    <tbody>
                                        {articles.items.into_iter().map(|a| {
                                            let base = format!("/admin/articles/{}", a.id);
                                            view! {
                                                <tr>
                                                    <td><a href=format!("/articles/{}", a.slug)>{a.title.clone()}</a></td>
                                                    <td>{a.authors.clone()}</td>
                                                    <td>{if a.published { "published" } else { "draft" }}</td>
                                                    <td>{a.updated.clone()}</td>
                                                    <td>{a.comments}</td>
                                                    <td class="admin-actions">
                                                        {a.published.then(|| action_button(format!("{base}/unpublish"), "Unpublish", &a.title, false))}
                                                        {action_button(format!("{base}/delete"), "Delete", &a.title, true)}
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {pager("/admin/articles", &q(), articles.page, articles.pages)}
                        </AdminFrame>
                    }.into_any(),
                    Err(error) => admin_error(error),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AdminCommentsPage() -> impl IntoView {
    let query = use_query_map();
    let page = move || query.read().get("page");
    let data = Resource::new_blocking(page, admin_comments);
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(comments) => view! {
                        <AdminFrame current="/admin/comments" title="Comments">
                            <div class="table-scroll">
                                <table class="admin-table">
                                    <caption class="visually-hidden">"Comments, newest first"</caption>
                                    <thead><tr><th scope="col">"Comment"</th><th scope="col">"By"</th><th scope="col">"On"</th><th scope="col">"When"</th><th scope="col">"Actions"</th></tr></thead>
                                    <tbody>
                                        {comments.items.into_iter().map(|c| {
                                            let base = format!("/admin/comments/{}", c.id);
                                            view! {
                                                <tr class=c.hidden.then_some("is-hidden")>
                                                    <td>{c.excerpt.clone()}{c.hidden.then_some(" (hidden)")}</td>
                                                    <td>{c.author.clone()}</td>
                                                    <td><a href=format!("/articles/{}#comment-{}", c.article_slug, c.id)>{c.article_title.clone()}</a></td>
                                                    <td>{c.created.clone()}</td>
                                                    <td class="admin-actions">
                                                        {if c.hidden {
                                                            action_button(format!("{base}/show"), "Show", &format!("comment {}", c.id), false).into_any()
                                                        } else {
                                                            action_button(format!("{base}/hide"), "Hide", &format!("comment {}", c.id), false).into_any()
                                                        }}
                                                        {action_button(format!("{base}/delete"), "Delete", &format!("comment {}", c.id), true)}
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {pager("/admin/comments", "", comments.page, comments.pages)}
                        </AdminFrame>
                    }.into_any(),
                    Err(error) => admin_error(error),
                }
            })}
        </Suspense>
    }
}

#[server(prefix = "/sfn", endpoint = "admin_ratings")]
pub async fn admin_ratings(
    q: Option<String>,
    page: Option<String>,
) -> Result<Paged<AdminRating>, AppError> {
    async {
        let state = staff_state().await?;
        crate::admin::server::ratings(&state.pool, q.as_deref().unwrap_or(""), parse_page(page)?)
            .await
    }
    .await
    .map_err(AppError::with_status)
}

#[component]
pub fn AdminRatingsPage() -> impl IntoView {
    let query = use_query_map();
    let args = move || (query.read().get("q"), query.read().get("page"));
    let data = Resource::new_blocking(args, |(q, page)| admin_ratings(q, page));
    let q = move || query.read().get("q").unwrap_or_default();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(ratings) => view! {
                        <AdminFrame current="/admin/ratings" title="Ratings">
                            <form class="admin-search" method="get" action="/admin/ratings" role="search">
                                <label for="admin-rating-search">"Search ratings"</label>
                                <input id="admin-rating-search" type="search" name="q" value=q() placeholder="Story title or reader's username"/>
                                <button type="submit" class="button button--small">"Search"</button>
                            </form>
                            <p class="hint">{crate::wording::count(ratings.total, "rating", "ratings")}</p>
                            <div class="table-scroll">
                                <table class="admin-table">
                                    <caption class="visually-hidden">"Ratings, newest first"</caption>
                                    <thead><tr><th scope="col">"Story"</th><th scope="col">"Reader"</th><th scope="col">"Stars"</th><th scope="col">"When"</th><th scope="col">"Actions"</th></tr></thead>
                                    <tbody>
                                        {ratings.items.into_iter().map(|r| {
                                            let target = format!("{}'s rating of {}", r.rater, r.article_title);
                                            view! {
                                                <tr>
                                                    <td><a href=format!("/articles/{}", r.article_slug)>{r.article_title.clone()}</a></td>
                                                    <td><a href=format!("/authors/{}", r.rater)>{r.rater.clone()}</a></td>
                                                    <td>{crate::wording::count(i64::from(r.stars), "star", "stars")}</td>
                                                    <td>{r.when.clone()}</td>
                                                    <td class="admin-actions">
                                                        {action_button(format!("/admin/ratings/{}/{}/delete", r.article_id, r.user_id), "Delete", &target, true)}
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            {pager("/admin/ratings", &q(), ratings.page, ratings.pages)}
                        </AdminFrame>
                    }.into_any(),
                    Err(error) => admin_error(error),
                }
            })}
        </Suspense>
    }
}
