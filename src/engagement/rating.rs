//! The star rating under an article: a radio group that saves on change (optimistically, rolled
//! back if the server refuses) and a plain form with a submit button without JavaScript.

use crate::engagement::model::{Access, RatingSummary, MAX_STARS, MIN_STARS};
use crate::error::AppError;
use leptos::either::Either;
use leptos::prelude::*;

#[server(prefix = "/sfn", endpoint = "rate_article")]
pub async fn rate_article(article_id: i64, stars: String) -> Result<RatingSummary, AppError> {
    use crate::request::{actor, app_state};
    async {
        super::server::discussion::rate(&app_state()?, &actor().await?, article_id, &stars).await
    }
    .await
    .map_err(AppError::with_status)
}

#[component]
pub fn RatingWidget(
    article_id: i64,
    initial: RatingSummary,
    access: Access,
    login_href: String,
) -> impl IntoView {
    // What is shown (may be optimistic) and what the server last confirmed.
    let shown = RwSignal::new(initial);
    let confirmed = StoredValue::new(initial);
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let latest = StoredValue::new(0_u32);
    let hydrated = crate::components::form::hydrated_flag();

    let choose = move |stars: u8| {
        error.set(None);
        saved.set(false);
        shown.update(|s| *s = s.with_own(stars));
        let ticket = latest.get_value() + 1;
        latest.set_value(ticket);
        leptos::task::spawn_local(async move {
            let result = rate_article(article_id, stars.to_string()).await;
            // A newer choice is on its way; its answer decides.
            if latest.get_value() != ticket {
                return;
            }
            match result {
                Ok(summary) => {
                    confirmed.set_value(summary);
                    shown.set(summary);
                    saved.set(true);
                }
                Err(e) => {
                    shown.set(confirmed.get_value());
                    error.set(Some(e.field("stars").unwrap_or_else(|| e.to_string())));
                }
            }
        });
    };

    let allowed = access == Access::Allowed;
    // An unconfirmed address is explained above the island (the article page), not here.
    let note = match access {
        Access::Allowed | Access::Unverified => None,
        Access::Anonymous => Some(Either::Left(
            view! { <a href=login_href>"Log in to rate this story"</a> },
        )),
        Access::OwnArticle => Some(Either::Right("Readers rate your story here.")),
        Access::NotPermitted => Some(Either::Right("Your account can't rate stories.")),
    }
    .map(|note| view! { <p class="rating__note">{note}</p> });
    let stars = (MIN_STARS..=MAX_STARS)
        .map(|n| {
            let id = format!("rating-{n}");
            let label = if n == 1 {
                "1 star".to_owned()
            } else {
                format!("{n} stars")
            };
            view! {
                <input
                    type="radio"
                    class="rating__input"
                    id=id.clone()
                    name="stars"
                    value=n.to_string()
                    prop:checked=move || shown.with(|s| s.mine == Some(n))
                    on:change=move |_| choose(n)
                />
                <label
                    for=id
                    class="rating__star"
                    class:rating__star--on=move || shown.with(|s| s.mine.is_some_and(|m| m >= n))
                >
                    <span aria-hidden="true">"★"</span>
                    <span class="visually-hidden">{label}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <section class="rating" id="rate" aria-labelledby="rating-heading">
            <h2 id="rating-heading" class="section-title">"Rate this story"</h2>
            <p class="rating__summary" role="status">{move || shown.with(RatingSummary::describe)}</p>
            {note}
            {allowed.then(|| view! {
                <form
                    class="rating__form"
                    method="post"
                    action="/sfn/rate_article"
                    data-hydrated=hydrated
                    on:submit=move |ev| {
                        // With JavaScript every change is saved as it happens.
                        ev.prevent_default();
                    }
                >
                    <input type="hidden" name="article_id" value=article_id/>
                    <fieldset class="rating__stars">
                        <legend>"Your rating"</legend>
                        {stars}
                    </fieldset>
                    // Only needed without JavaScript: with it, choosing a star saves it.
                    <button type="submit" class="button button--quiet rating__submit" hidden=move || hydrated.get().is_some()>
                        "Save rating"
                    </button>
                    <p class="rating__feedback" aria-live="polite">
                        {move || error.get().map(|e| view! { <span class="field-error">{e}</span> })}
                        {move || (saved.get() && error.get().is_none()).then(|| {
                            shown.with(|s| s.mine.map(|m| format!("Saved: you gave it {m} of 5.")))
                        })}
                    </p>
                </form>
            })}
        </section>
    }
}
