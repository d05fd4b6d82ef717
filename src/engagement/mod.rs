//! Engagement: star ratings and threaded comments under each article. The widgets are islands
//! with their server functions beside them; queries and rules live in `server`.

pub mod comment_fns;
pub mod comments;
pub mod model;
pub mod rating;

#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use model::Engagement;

/// Ratings and comments under an article: one lazily loaded island, so article pages fetch
/// their code once and other pages never do.
#[island(lazy)]
pub fn Discussion(article_id: i64, slug: String, engagement: Engagement) -> impl IntoView {
    let login_href = format!("/login?next=/articles/{slug}");
    view! {
        <div class="engagement">
            <rating::RatingWidget
                article_id
                initial=engagement.rating
                access=engagement.rating_access
                login_href=format!("{login_href}%23rate")
            />
            <comments::CommentSection
                article_id
                viewer=engagement.viewer
                thread=engagement.thread
                count=engagement.comment_count
                login_href=format!("{login_href}%23comments")
            />
        </div>
    }
}
