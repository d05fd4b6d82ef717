//! The discussion commands — rate, post, edit, delete, hide — that the story page's
//! islands, the plain forms, the JSON API and the admin all call. Each owns its permission
//! check, its transaction, the cached pages it changes, its notifications and (for staff
//! acting on someone else's comment) the audit row.

use super::{check_comment, comments, notify, parse_stars, ratings, require_allowed, summary};
use crate::accounts::server::{rate_limit, Actor};
use crate::accounts::Permission;
use crate::articles::server::render::render_comment;
use crate::cache::Change;
use crate::engagement::model::RatingSummary;
use crate::error::AppError;
use crate::state::AppState;

/// The cached pages of the story a comment or rating belongs to.
async fn story_changed(state: &AppState, article_id: i64) {
    match crate::articles::server::repo::slug_of(&state.pool, article_id).await {
        Ok(Some(slug)) => state.page_cache.invalidate(Change::Article { slug }).await,
        Ok(None) => {}
        Err(error) => {
            tracing::warn!(%error, article_id, "could not find the story's pages to refresh");
            state.page_cache.invalidate(Change::Everything).await;
        }
    }
}

/// Rates a published story (not one's own) 1–5 stars; a second rating replaces the first.
pub async fn rate(
    state: &AppState,
    actor: &Actor,
    article_id: i64,
    stars: &str,
) -> Result<RatingSummary, AppError> {
    let user = require_allowed(actor, Permission::RateArticle, "stars")?;
    let stars = parse_stars(stars)?;
    let aggregate = ratings::rate(&state.pool, article_id, user.id, stars).await?;
    story_changed(state, article_id).await;
    Ok(summary(aggregate.sum, aggregate.count, Some(stars)))
}

/// `rate` for the published story `slug` (the star forms on story cards); 404 otherwise.
pub async fn rate_story(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    stars: &str,
) -> Result<RatingSummary, AppError> {
    let id = crate::articles::server::repo::published_id(&state.pool, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    rate(state, actor, id, stars).await
}

/// Staff remove a reader's rating of a story; its average and count drop it at once.
/// Audited. `Ok(false)` when there was no such rating.
pub async fn delete_rating(
    state: &AppState,
    actor: &Actor,
    article_id: i64,
    user_id: i64,
) -> Result<bool, AppError> {
    let staff = actor.require_staff()?;
    let mut tx = state.pool.begin().await?;
    let Some(removed) = ratings::remove(&mut tx, article_id, user_id).await? else {
        return Ok(false);
    };
    crate::audit::record(
        &mut *tx,
        staff,
        crate::audit::Entry {
            action: "rating.delete",
            target_kind: "article",
            target_id: article_id,
            target_label: &removed.title,
            detail: &format!(
                "{}'s {}",
                removed.rater,
                crate::wording::count(i64::from(removed.stars), "star", "stars")
            ),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        actor = staff.id,
        article_id,
        user_id,
        "staff removed a rating"
    );
    state
        .page_cache
        .invalidate(Change::Article { slug: removed.slug })
        .await;
    Ok(true)
}

/// Posts a comment (or a reply to `parent_id`) on a published story; returns its id. The
/// people it concerns are notified by e-mail afterwards (queued, never in the request).
pub async fn post_comment(
    state: &AppState,
    actor: &Actor,
    article_id: i64,
    parent_id: Option<i64>,
    body: &str,
) -> Result<i64, AppError> {
    let user = require_allowed(actor, Permission::Comment, "body")?;
    let body = check_comment(body)?;
    let key = state.redis_key(&["rl", "comment", &user.id.to_string()]);
    rate_limit::take(
        &state.redis,
        &key,
        &rate_limit::Limit::per_minute(state.config.comments_per_user_per_minute),
    )
    .await?;
    let html = render_comment(&body);
    let id = comments::insert(
        &state.pool,
        &comments::NewComment {
            article_id,
            parent_id,
            author_id: user.id,
            body_md: &body,
            body_html: &html,
        },
    )
    .await?;
    tracing::info!(
        comment_id = id,
        article_id,
        user_id = user.id,
        "comment posted"
    );
    story_changed(state, article_id).await;
    let background = state.clone();
    tokio::spawn(async move { notify::comment_posted(&background, id).await });
    Ok(id)
}

/// A live (not deleted) comment; 404 otherwise, and 404 for one on another story when the
/// door names the story (the API's `/articles/{slug}/comments/{id}`).
async fn live_comment(
    state: &AppState,
    id: i64,
    on_article: Option<i64>,
) -> Result<comments::CommentMeta, AppError> {
    comments::meta(&state.pool, id)
        .await?
        .filter(|m| !m.deleted && on_article.is_none_or(|a| a == m.article_id))
        .ok_or(AppError::NotFound)
}

fn is_author(actor: &Actor, meta: &comments::CommentMeta) -> bool {
    actor.id().is_some() && actor.id() == meta.author_id
}

/// The Markdown of one's own comment, to edit it.
pub async fn comment_source(state: &AppState, actor: &Actor, id: i64) -> Result<String, AppError> {
    actor.signed_in()?;
    let meta = live_comment(state, id, None).await?;
    if !is_author(actor, &meta) {
        return Err(AppError::Forbidden);
    }
    Ok(meta.body_md)
}

/// Replaces one's own comment's text (not while a moderator hides it).
pub async fn edit_comment(
    state: &AppState,
    actor: &Actor,
    id: i64,
    body: &str,
) -> Result<(), AppError> {
    actor.signed_in()?;
    let meta = live_comment(state, id, None).await?;
    if !is_author(actor, &meta) {
        return Err(AppError::Forbidden);
    }
    if meta.hidden {
        return Err(AppError::invalid(
            "body",
            "A moderator hid this comment; it can't be edited.",
        ));
    }
    let body = check_comment(body)?;
    comments::edit(&state.pool, id, &body, &render_comment(&body)).await?;
    story_changed(state, meta.article_id).await;
    Ok(())
}

/// Writes the audit row when staff act on someone else's comment.
async fn audit_moderation(
    state: &AppState,
    actor: &Actor,
    meta: &comments::CommentMeta,
    id: i64,
    action: &str,
) -> Result<(), AppError> {
    let (Some(user), false) = (actor.user.as_ref(), is_author(actor, meta)) else {
        return Ok(());
    };
    if !actor.is_staff() {
        return Ok(());
    }
    let title = crate::articles::server::repo::title_of(&state.pool, meta.article_id)
        .await?
        .unwrap_or_default();
    crate::audit::record(
        &state.pool,
        user,
        crate::audit::Entry {
            action,
            target_kind: "comment",
            target_id: id,
            target_label: &format!("on “{title}”"),
            detail: "",
        },
    )
    .await?;
    Ok(())
}

/// Deletes a comment (its author, or a moderator). Returns whether a placeholder stays
/// (the comment had replies).
pub async fn delete_comment(
    state: &AppState,
    actor: &Actor,
    id: i64,
    on_article: Option<i64>,
) -> Result<bool, AppError> {
    actor.signed_in()?;
    let meta = live_comment(state, id, on_article).await?;
    if !actor.can_delete_comment(meta.author_id) {
        return Err(AppError::Forbidden);
    }
    let placeholder = comments::delete(&state.pool, id).await?;
    tracing::info!(comment_id = id, user_id = actor.id(), "comment deleted");
    audit_moderation(state, actor, &meta, id, "comment.delete").await?;
    story_changed(state, meta.article_id).await;
    Ok(placeholder)
}

/// Moderators hide a comment from readers (or show it again). Returns whether anything
/// changed.
pub async fn hide_comment(
    state: &AppState,
    actor: &Actor,
    id: i64,
    hide: bool,
) -> Result<bool, AppError> {
    let moderator = actor.require(Permission::ModerateComments)?.id;
    let meta = live_comment(state, id, None).await?;
    if !comments::set_hidden(&state.pool, id, moderator, hide).await? {
        return Ok(false);
    }
    tracing::info!(comment_id = id, moderator, hide, "comment moderated");
    let action = if hide { "comment.hide" } else { "comment.show" };
    audit_moderation(state, actor, &meta, id, action).await?;
    story_changed(state, meta.article_id).await;
    Ok(true)
}
