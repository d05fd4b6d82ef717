//! `/search?q=…`: ranked full-text search with highlighted excerpts.

use crate::articles::components::{href_with, ArticleList, Pagination};
use crate::articles::model::ArticlePage;
use crate::components::layout::error_view;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

#[server(prefix = "/sfn", endpoint = "search_articles")]
pub async fn search_articles(q: String, page: Option<String>) -> Result<ArticlePage, AppError> {
    use crate::articles::list::parse_page;
    use crate::articles::server::repo;
    use crate::request::app_state;
    async {
        let page = parse_page(page.as_deref())?;
        let state = app_state()?;
        let size = state.config.page_size;
        if q.trim().is_empty() {
            return Ok(ArticlePage {
                items: Vec::new(),
                page: 1,
                total_pages: 0,
                total: 0,
            });
        }
        let (items, total) = repo::search(&state.pool, &q, size, (page - 1) * size).await?;
        // Only the best SEARCH_CANDIDATES x 2 matches are ranked; never offer pages past them.
        let rankable = total.min(2 * repo::SEARCH_CANDIDATES);
        let mut result = ArticlePage::new(items, page, rankable, size)?;
        // The summary still tells how many matched in all.
        result.total = total;
        Ok(result)
    }
    .await
    .map_err(AppError::with_status)
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        let q = query.read();
        (q.get("q").unwrap_or_default(), q.get("page"))
    };
    let results = Resource::new_blocking(params, |(q, page)| search_articles(q, page));
    view! {
        <Title text="Search"/>
        <Meta name="robots" content="noindex"/>
        <section class="search-page">
            <h1>"Search"</h1>
            <form class="search-form" action="/search" method="get" role="search">
                <label for="search-q" class="visually-hidden">"Search stories"</label>
                <input id="search-q" type="search" name="q" value=move || params().0 placeholder="Places, writers, \"exact phrases\", -exclusions"/>
                <button type="submit" class="button">"Search"</button>
            </form>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let (q, _) = params();
                    match results.await {
                        Ok(page) if q.trim().is_empty() => {
                            let _ = page;
                            view! { <p class="hint">"Type a word, a place or a writer's name."</p> }.into_any()
                        }
                        Ok(page) => {
                            let href = {
                                let q = q.clone();
                                move |n: i64| href_with("/search", &[("q", Some(q.clone())), ("page", (n > 1).then(|| n.to_string()))])
                            };
                            let summary = match page.total {
                                0 => format!("No stories match “{q}”."),
                                1 => format!("1 story matches “{q}”."),
                                n if n > crate::articles::model::SEARCH_COUNT_CAP => {
                                    format!("More than {} stories match “{q}”; here are the best.", crate::articles::model::SEARCH_COUNT_CAP)
                                }
                                n => format!("{n} stories match “{q}”."),
                            };
                            view! {
                                <h2 class="visually-hidden">"Results"</h2>
                                <p class="search-summary" role="status">{summary}</p>
                                <ArticleList items=page.items empty="Try fewer or different words."/>
                                <Pagination page=page.page total_pages=page.total_pages href/>
                            }
                            .into_any()
                        }
                        Err(error) => error_view(error),
                    }
                })}
            </Suspense>
        </section>
    }
}
