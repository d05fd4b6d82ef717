//! `/search?q=…`: ranked full-text search with highlighted excerpts, forgiving half-typed
//! and misspelt words, and the search fields' suggestions as you type.

use crate::articles::components::{href_with, ArticleList, Pagination};
use crate::articles::model::SearchResults;
use crate::components::layout::error_view;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::{Meta, Script, Title};
use leptos_router::hooks::use_query_map;

#[server(prefix = "/sfn", endpoint = "search_articles")]
pub async fn search_articles(q: String, page: Option<String>) -> Result<SearchResults, AppError> {
    use crate::articles::list::parse_page;
    use crate::request::app_state;
    async {
        let page = parse_page(page.as_deref())?;
        let state = app_state()?;
        let actor = crate::request::actor().await?;
        let mut found =
            crate::articles::server::search::find(&state.pool, &q, page, state.config.page_size)
                .await?;
        found.page = crate::articles::list::with_card_ratings(&state, &actor, found.page).await?;
        Ok(found)
    }
    .await
    .map_err(AppError::with_status)
}

/// Titles and writers completing what is typed in a search field (`GET`, for
/// `public/suggest.js`).
#[server(prefix = "/sfn", endpoint = "search_suggestions", input = leptos::server_fn::codec::GetUrl)]
pub async fn search_suggestions(q: String) -> Result<Vec<String>, AppError> {
    use crate::request::app_state;
    async { crate::articles::server::search::suggest(&app_state()?.pool, &q).await }
        .await
        .map_err(AppError::with_status)
}

/// A search field (`name="q"`) that `public/suggest.js` (loaded here) fills with suggestions
/// as you type, in a native `<datalist>`. Without JavaScript it is a plain search field; it
/// adds nothing to the wasm bundle. Its `<label for=id>` is the page's.
#[component]
pub fn SearchField(
    id: &'static str,
    #[prop(into)] value: String,
    placeholder: &'static str,
) -> impl IntoView {
    let list_id = format!("{id}-suggestions");
    view! {
        <Script src="/suggest.js" defer="true"/>
        <input
            id=id
            type="search"
            name="q"
            value=value
            placeholder=placeholder
            list=list_id.clone()
            autocomplete="off"
            data-suggest="true"
        />
        <datalist id=list_id></datalist>
    }
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
                <SearchField
                    id="search-q"
                    value=params().0
                    placeholder="Places, writers, \"exact phrases\", -exclusions"
                />
                <button type="submit" class="button">"Search"</button>
            </form>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let (q, _) = params();
                    match results.await {
                        Ok(_) if q.trim().is_empty() => {
                            view! { <p class="hint">"Type a word, a place or a writer's name."</p> }.into_any()
                        }
                        Ok(SearchResults { page, corrected }) => {
                            let shown = corrected.clone().unwrap_or_else(|| q.clone());
                            let href = {
                                let shown = shown.clone();
                                move |n: i64| href_with("/search", &[("q", Some(shown.clone())), ("page", (n > 1).then(|| n.to_string()))])
                            };
                            let summary = match page.total {
                                0 => format!("No stories match “{q}”."),
                                n if n > crate::articles::model::SEARCH_COUNT_CAP => {
                                    format!("More than {} stories match “{shown}”; here are the best.", crate::articles::model::SEARCH_COUNT_CAP)
                                }
                                n => format!("{} “{shown}”.", crate::wording::count(n, "story matches", "stories match")),
                            };
                            let correction = corrected.map(|better| view! {
                                <p class="search-correction">
                                    {format!("Nothing matched “{q}”, so these are for ")}
                                    <a href=href_with("/search", &[("q", Some(better.clone()))])>{better.clone()}</a> "."
                                </p>
                            });
                            view! {
                                <h2 class="visually-hidden">"Results"</h2>
                                {correction}
                                <p class="search-summary" role="status">{summary}</p>
                                <ArticleList items=page.items ratings=page.ratings empty="Try fewer or different words."/>
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
