//! Notifications about new comments: the one place the comment code tells the outside world.
//!
//! Runs after the comment is committed and never fails the request: a notification that
//! can't be prepared is logged and dropped.

use crate::engagement::server::comments;
use crate::state::AppState;

pub async fn comment_posted(state: &AppState, comment_id: i64) {
    match comments::recipients(&state.pool, comment_id).await {
        Ok(recipients) => {
            for recipient in recipients {
                // Delivery goes through the mail queue once it exists (issue #5); until then
                // the event is only recorded.
                tracing::debug!(
                    comment_id,
                    user_id = recipient.user_id,
                    reason = recipient.reason,
                    "comment notification"
                );
            }
        }
        Err(error) => tracing::warn!(%error, comment_id, "could not find who to notify"),
    }
}
