//! `/following`: the signed-in reader's feed — new stories by the writers they follow.

use crate::articles::components::{href_with, ArticleList, Pagination};
use crate::articles::model::ArticlePage;
use crate::components::layout::error_view;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[server(prefix = "/sfn", endpoint = "following_feed")]
pub async fn following_feed(page: Option<String>) -> Result<ArticlePage, AppError> {
    use crate::articles::list::parse_page;
    use crate::articles::model::Sort;
    use crate::articles::server::repo::{self, ListFilter};
    use crate::request::{app_state, require_login};
    async {
        let page = parse_page(page.as_deref())?;
        let user = require_login().await?;
        let state = app_state()?;
        let actor = crate::request::actor().await?;
        let size = state.config.page_size;
        let filter = ListFilter {
            followed_by: Some(user.id),
            ..Default::default()
        };
        let (items, total) =
            repo::list_published(&state.pool, &filter, Sort::Newest, size, (page - 1) * size)
                .await?;
        crate::articles::list::with_card_ratings(
            &state,
            &actor,
            ArticlePage::new(items, page, total, size)?,
        )
        .await
    }
    .await
    .map_err(AppError::with_status)
}

#[component]
pub fn FollowingPage() -> impl IntoView {
    let query = use_query_map();
    let list = Resource::new_blocking(move || query.read().get("page"), following_feed);
    view! {
        <Title text="Following"/>
        <h1>"Following"</h1>
        <p class="lead">"New stories from the writers you follow. Follow a writer from their profile page."</p>
        <Suspense fallback=|| view! { <p>"Loading stories…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) => {
                        let href = |n: i64| href_with("/following", &[("page", (n > 1).then(|| n.to_string()))]);
                        view! {
                            <h2 class="visually-hidden">"Stories"</h2>
                            <ArticleList items=page.items ratings=page.ratings empty="Nothing here yet: follow writers you like, and their new stories will appear here."/>
                            <Pagination page=page.page total_pages=page.total_pages href/>
                        }
                        .into_any()
                    }
                    Err(error) => error_view(error),
                }
            })}
        </Suspense>
    }
}
