//! Notifications about new comments: e-mails to the author of the comment replied to and to
//! the story's authors (never to the commenter; only to confirmed addresses of people who
//! keep comment notifications on), queued for the mail workers.
//!
//! Runs after the comment is committed and never fails the request: a notification that
//! can't be queued is logged and dropped.

use crate::engagement::server::comments;
use crate::mail::templates;
use crate::state::AppState;

pub async fn comment_posted(state: &AppState, comment_id: i64) {
    let prepared = async {
        let recipients = comments::recipients(&state.pool, comment_id).await?;
        let context = comments::context(&state.pool, comment_id).await?;
        Ok::<_, sqlx::Error>((recipients, context))
    };
    let (recipients, context) = match prepared.await {
        Ok((recipients, Some(context))) => (recipients, context),
        Ok((_, None)) => return,
        Err(error) => {
            tracing::warn!(%error, comment_id, "could not find who to notify");
            return;
        }
    };
    let site = &state.config.site_url;
    for recipient in recipients {
        let link = format!("{site}/articles/{}#comment-{comment_id}", context.slug);
        let settings = format!("{site}/account");
        let email = templates::new_comment(
            format!("comment-{comment_id}-{}", recipient.user_id),
            &recipient.email,
            &templates::CommentNotice {
                name: &recipient.name,
                commenter: &context.commenter,
                story: &context.title,
                reply: recipient.reason == "reply",
                link: &link,
                settings: &settings,
            },
        );
        if let Err(error) = state.mail.enqueue(email).await {
            tracing::warn!(%error, comment_id, "could not queue a comment notification");
        }
    }
}
