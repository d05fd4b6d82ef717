//! The article commands, shared by the editor, the JSON API and the admin: save (create,
//! edit, publish), unpublish, delete, co-authors.

use super::{check_cover, parse_tag_names, render, repo, unique_slug};
use super::{MAX_BODY_BYTES, MAX_SUMMARY, MAX_TITLE};
use crate::accounts::server::Actor;
use crate::accounts::Permission;
use crate::cache::Change;
use crate::error::{AppError, FieldErrors};
use crate::state::AppState;

pub struct ArticleInput<'a> {
    /// `None` creates a new article owned by the actor.
    pub id: Option<i64>,
    pub title: &'a str,
    pub summary: &'a str,
    pub body: &'a str,
    pub tag_names: Vec<&'a str>,
    pub cover_image: &'a str,
    pub cover_alt: &'a str,
    /// The editor's places field (one choice per line); `None` leaves the places as they are
    /// (the JSON API doesn't edit them).
    pub places: Option<&'a str>,
    pub publish: bool,
}

pub struct Saved {
    pub id: i64,
    pub slug: String,
}

/// Checks permissions (write, publish, edit this article) and the content rules, then saves
/// content, slug and tags in one transaction. Nothing is written when anything is refused.
pub async fn save(
    state: &AppState,
    actor: &Actor,
    input: ArticleInput<'_>,
) -> Result<Saved, AppError> {
    let user = actor.require(Permission::WriteArticle)?.clone();
    if input.publish && !actor.can(Permission::PublishArticle) {
        return Err(AppError::Forbidden);
    }
    let previous_slug = match input.id {
        Some(id) => Some(editable(state, actor, id).await?.slug),
        None => None,
    };

    let title = input.title.trim();
    let summary = input.summary.trim();
    let cover_image = input.cover_image.trim();
    let cover_alt = input.cover_alt.trim();
    let body = input.body;
    let mut errors = FieldErrors::new();
    if title.is_empty() {
        errors.add("title", "Give your story a title.");
    } else if title.chars().count() > MAX_TITLE {
        errors.add(
            "title",
            format!("Keep the title under {MAX_TITLE} characters."),
        );
    }
    if summary.chars().count() > MAX_SUMMARY {
        errors.add(
            "summary",
            format!("Keep the summary under {MAX_SUMMARY} characters."),
        );
    }
    if body.len() > MAX_BODY_BYTES {
        errors.add(
            "body",
            format!(
                "The story is too long: the limit is {} KB of text.",
                MAX_BODY_BYTES / 1000
            ),
        );
    } else if input.publish && body.trim().is_empty() {
        errors.add("body", "Write something before publishing.");
    }
    let tags = parse_tag_names(input.tag_names.into_iter(), &mut errors);
    check_cover(cover_image, cover_alt, &mut errors);
    let places = input
        .places
        .map(|raw| crate::places::server::parse_choices(raw, &mut errors));
    errors.into_result()?;

    let rendered = render::render_article(body);
    let content = repo::NewContent {
        title,
        summary,
        body_md: body,
        body_html: &rendered.html,
        toc: &rendered.toc,
        reading_minutes: rendered.reading_minutes,
        cover_image: (!cover_image.is_empty()).then_some(cover_image),
        cover_alt,
        publish: input.publish,
    };
    let slug = unique_slug(&state.pool, title, input.id).await?;
    let mut tx = state.pool.begin().await?;
    let article_id = match input.id {
        Some(id) => {
            repo::update(&mut tx, id, &slug, &content, Some(input.publish)).await?;
            id
        }
        None => repo::insert(&mut tx, user.id, &slug, &content)
            .await
            .map_err(|e| {
                if crate::db::is_unique_violation(&e, "articles_slug_key") {
                    AppError::conflict("title", "Another story just took this address. Save again.")
                } else {
                    e.into()
                }
            })?,
    };
    repo::set_tags(&mut tx, article_id, &tags).await?;
    if let Some(places) = &places {
        crate::places::server::set_story_places(&mut tx, article_id, places).await?;
    }
    repo::refresh_author_names(&mut *tx, &[article_id]).await?;
    // Subscribers hear of a story once: on its first publication, never on edits or
    // republishing. Recorded with the publication itself, so it can't be lost or doubled.
    let first_publication =
        crate::subscriptions::server::record_first_publication(&mut tx, article_id).await?;
    tx.commit().await?;
    tracing::info!(
        article_id,
        user_id = user.id,
        publish = input.publish,
        "article saved"
    );
    if first_publication {
        crate::subscriptions::server::start_newsletter(&state.mail, article_id).await;
    }
    if let Some(old) = previous_slug.filter(|old| *old != slug) {
        state
            .page_cache
            .invalidate(Change::Article { slug: old })
            .await;
    }
    state
        .page_cache
        .invalidate(Change::Article { slug: slug.clone() })
        .await;
    Ok(Saved {
        id: article_id,
        slug,
    })
}

/// An article the actor may edit: 404 when they may not even see it (someone else's draft),
/// 403 when they see it but may not edit it.
pub async fn editable(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<repo::Ownership, AppError> {
    let article = super::visible_article_id(&state.pool, actor, id).await?;
    if !actor.can_edit(&article.author_ids) {
        return Err(AppError::Forbidden);
    }
    Ok(article)
}

/// An article the actor may manage (delete, co-authors): its owner, or staff moderators.
async fn managed(state: &AppState, actor: &Actor, id: i64) -> Result<repo::Ownership, AppError> {
    actor.signed_in()?;
    let article = super::visible_article_id(&state.pool, actor, id).await?;
    if !actor.can_manage(article.owner_id) {
        return Err(AppError::Forbidden);
    }
    Ok(article)
}

/// Staff acting on a story they don't sign leave an audit row.
async fn audit_moderation(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    actor: &Actor,
    article: &repo::Ownership,
    action: &str,
) -> Result<(), AppError> {
    match &actor.user {
        Some(user) if actor.is_staff() && !article.author_ids.contains(&user.id) => {
            crate::audit::record(
                &mut **tx,
                user,
                crate::audit::Entry {
                    action,
                    target_kind: "article",
                    target_id: article.id,
                    target_label: &article.title,
                    detail: "",
                },
            )
            .await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Deletes an article (its owner, or staff), with its comments, ratings and favourites.
pub async fn delete(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    let article = managed(state, actor, id).await?;
    let mut tx = state.pool.begin().await?;
    if !repo::delete(&mut tx, id).await? {
        return Err(AppError::NotFound);
    }
    audit_moderation(&mut tx, actor, &article, "article.delete").await?;
    tx.commit().await?;
    tracing::info!(article_id = id, user_id = ?actor.id(), "article deleted");
    state
        .page_cache
        .invalidate(Change::Article { slug: article.slug })
        .await;
    Ok(())
}

/// Takes a published article back to draft (authors, or staff). Returns whether it was
/// published.
pub async fn unpublish(state: &AppState, actor: &Actor, id: i64) -> Result<bool, AppError> {
    let article = editable(state, actor, id).await?;
    let mut tx = state.pool.begin().await?;
    if !repo::unpublish(&mut tx, id).await? {
        return Ok(false);
    }
    audit_moderation(&mut tx, actor, &article, "article.unpublish").await?;
    tx.commit().await?;
    tracing::info!(article_id = id, user_id = ?actor.id(), "article unpublished");
    state
        .page_cache
        .invalidate(Change::Article { slug: article.slug })
        .await;
    Ok(true)
}

/// Adds (`add`) or removes a co-author by username (the owner, or staff). Co-authors must be
/// writers; the owner can't be removed. Returns the article's slug.
pub async fn set_coauthor(
    state: &AppState,
    actor: &Actor,
    id: i64,
    username: &str,
    add: bool,
) -> Result<String, AppError> {
    let article = managed(state, actor, id).await?;
    let username = username.trim().trim_start_matches('@');
    let no_writer = || {
        AppError::invalid(
            "username",
            format!("There is no writer called @{username}."),
        )
    };
    let user = crate::accounts::server::repo::find_by_login(&state.pool, username)
        .await?
        .filter(|u| u.is_active && u.username.eq_ignore_ascii_case(username))
        .ok_or_else(no_writer)?;
    if add {
        let candidate = Actor::for_user(state, Some(user.clone())).await?;
        if !candidate.can(Permission::WriteArticle) {
            return Err(AppError::invalid(
                "username",
                format!("@{} is not a writer yet.", user.username),
            ));
        }
        repo::add_coauthor(&state.pool, id, user.id).await?;
    } else {
        if user.id == article.owner_id {
            return Err(AppError::invalid("username", "The owner can't be removed."));
        }
        repo::remove_coauthor(&state.pool, id, user.id).await?;
    }
    state
        .page_cache
        .invalidate(Change::Article {
            slug: article.slug.clone(),
        })
        .await;
    Ok(article.slug)
}
