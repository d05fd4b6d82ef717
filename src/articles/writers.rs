//! `/writers`: everyone who publishes on Waypost.

use crate::accounts::model::initial;
use crate::articles::model::WriterCard;
use crate::components::layout::error_view;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[server(prefix = "/sfn", endpoint = "list_writers")]
pub async fn list_writers(sort: Option<String>) -> Result<Vec<WriterCard>, AppError> {
    use crate::request::app_state;
    async {
        let descending = match sort.as_deref() {
            None | Some("") | Some("name") => false,
            Some("-name") => true,
            Some(_) => {
                return Err(AppError::BadRequest(
                    "Sort writers by name or -name.".to_owned(),
                ))
            }
        };
        Ok(crate::articles::server::repo::writers(&app_state()?.pool, descending).await?)
    }
    .await
    .map_err(AppError::with_status)
}

#[component]
pub fn WritersPage() -> impl IntoView {
    let query = use_query_map();
    let sort = move || query.read().get("sort");
    let writers = Resource::new_blocking(sort, list_writers);
    view! {
        <Title text="Writers"/>
        <div class="list-header">
            <h1>"Our writers"</h1>
            <nav class="sort-links" aria-label="Sort writers">
                <a href="/writers" aria-current=move || (sort().as_deref() != Some("-name")).then_some("true")>"A–Z"</a>
                <a href="/writers?sort=-name" aria-current=move || (sort().as_deref() == Some("-name")).then_some("true")>"Z–A"</a>
            </nav>
        </div>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match writers.await {
                    Ok(writers) if writers.is_empty() => view! {
                        <div class="empty-state"><p>"No writers yet."</p></div>
                    }.into_any(),
                    Ok(writers) => view! {
                        <ul class="writer-grid">
                            {writers.into_iter().map(|w| {
                                let avatar = match w.avatar_url.clone() {
                                    Some(url) => view! { <img class="avatar avatar--small" src=url alt=""/> }.into_any(),
                                    None => view! { <span class="avatar avatar--small" aria-hidden="true">{initial(&w.name)}</span> }.into_any(),
                                };
                                view! {
                                    <li class="writer-card">
                                        {avatar}
                                        <div>
                                            <h2><a href=format!("/authors/{}", w.username)>{w.name.clone()}</a></h2>
                                            <p class="story-meta">{crate::wording::count(w.article_count, "story", "stories")}</p>
                                            <p>{w.bio.chars().take(160).collect::<String>()}</p>
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => error_view(error),
                }
            })}
        </Suspense>
    }
}
