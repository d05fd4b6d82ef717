//! The comment thread's server functions: the island's door to the discussion commands
//! (`engagement::server::discussion`). Each parses, calls the command with this request's
//! actor, and answers with the comment as that reader sees it.

use crate::engagement::model::{CommentView, Deletion, ThreadPage};
use crate::error::AppError;
use leptos::prelude::*;

/// The comment as `actor` sees it after a change.
#[cfg(feature = "ssr")]
async fn view_of(
    state: &crate::state::AppState,
    actor: &crate::accounts::server::Actor,
    id: i64,
) -> Result<CommentView, AppError> {
    let row = crate::engagement::server::comments::by_id(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(row.into_view(actor.can(crate::accounts::Permission::ModerateComments)))
}

#[server(prefix = "/sfn", endpoint = "post_comment")]
pub async fn post_comment(
    article_id: i64,
    parent_id: Option<i64>,
    body: String,
) -> Result<CommentView, AppError> {
    use crate::engagement::server::discussion;
    use crate::request::{actor, app_state};
    async {
        let (state, actor) = (app_state()?, actor().await?);
        let id = discussion::post_comment(&state, &actor, article_id, parent_id, &body).await?;
        view_of(&state, &actor, id).await
    }
    .await
    .map_err(AppError::with_status)
}

/// The Markdown of one's own comment, to edit it.
#[server(prefix = "/sfn", endpoint = "comment_source")]
pub async fn comment_source(comment_id: i64) -> Result<String, AppError> {
    use crate::engagement::server::discussion;
    use crate::request::{actor, app_state};
    async { discussion::comment_source(&app_state()?, &actor().await?, comment_id).await }
        .await
        .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "edit_comment")]
pub async fn edit_comment(comment_id: i64, body: String) -> Result<CommentView, AppError> {
    use crate::engagement::server::discussion;
    use crate::request::{actor, app_state};
    async {
        let (state, actor) = (app_state()?, actor().await?);
        discussion::edit_comment(&state, &actor, comment_id, &body).await?;
        view_of(&state, &actor, comment_id).await
    }
    .await
    .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "delete_comment")]
pub async fn delete_comment(comment_id: i64) -> Result<Deletion, AppError> {
    use crate::engagement::server::discussion;
    use crate::request::{actor, app_state};
    async {
        let (state, actor) = (app_state()?, actor().await?);
        if discussion::delete_comment(&state, &actor, comment_id, None).await? {
            Ok(Deletion::Placeholder(Box::new(
                view_of(&state, &actor, comment_id).await?,
            )))
        } else {
            Ok(Deletion::Removed)
        }
    }
    .await
    .map_err(AppError::with_status)
}

/// Staff hide a comment from readers (or show it again).
#[server(prefix = "/sfn", endpoint = "moderate_comment")]
pub async fn moderate_comment(comment_id: i64, hide: bool) -> Result<CommentView, AppError> {
    use crate::engagement::server::discussion;
    use crate::request::{actor, app_state};
    async {
        let (state, actor) = (app_state()?, actor().await?);
        discussion::hide_comment(&state, &actor, comment_id, hide).await?;
        view_of(&state, &actor, comment_id).await
    }
    .await
    .map_err(AppError::with_status)
}

/// The next page of a thread, after the `after` path (published stories only, unless the
/// reader may edit the draft).
#[server(prefix = "/sfn", endpoint = "more_comments")]
pub async fn more_comments(article_id: i64, after: String) -> Result<ThreadPage, AppError> {
    use crate::engagement::server::{thread_page, viewer};
    use crate::request::{actor, app_state};
    async {
        let state = app_state()?;
        if after.len() > crate::engagement::server::comments::MAX_PATH_BYTES {
            return Err(AppError::BadRequest(
                "That page of comments doesn't exist.".into(),
            ));
        }
        let actor = actor().await?;
        crate::articles::server::visible_article_id(&state.pool, &actor, article_id).await?;
        thread_page(&state.pool, article_id, &after, &viewer(&actor)).await
    }
    .await
    .map_err(AppError::with_status)
}
