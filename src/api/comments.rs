//! Comments under `/api/articles/{slug}/comments`. Waypost's threads are flattened here
//! (oldest first); replies made in the web UI appear as ordinary comments.

use super::auth::{Caller, SignedIn};
use super::error::{ApiError, ApiResult};
use super::json::ApiJson;
use super::model::{MultipleCommentsResponse, NewCommentRequest, SingleCommentResponse};
use crate::accounts::server::Actor;
use crate::articles::server::repo::api_view;
use crate::engagement::server::discussion;
use crate::engagement::server::flat_comments;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use http::StatusCode;

async fn published_article(state: &AppState, actor: &Actor, slug: &str) -> ApiResult<i64> {
    let record = api_view::article_by_slug(&state.pool, slug, actor.id())
        .await?
        .filter(|r| r.status == "published")
        .ok_or_else(|| ApiError::not_found("article"))?;
    Ok(record.id)
}

#[utoipa::path(
    get, path = "/api/articles/{slug}/comments", tag = "Comments",
    params(("slug" = String, Path, description = "The article's slug", example = "lima-at-dawn")),
    security((), ("Token" = [])),
    responses(
        (status = 200, description = "The article's comments, oldest first", body = MultipleCommentsResponse),
        (status = 404, description = "No such article", body = super::model::GenericErrorModel),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<MultipleCommentsResponse>> {
    let article_id = published_article(&state, &actor, &slug).await?;
    let rows = flat_comments::comments(&state.pool, article_id, None, actor.id()).await?;
    Ok(Json(MultipleCommentsResponse {
        comments: rows
            .into_iter()
            .map(|r| r.into_comment(&state.config.site_url))
            .collect(),
    }))
}

#[utoipa::path(
    post, path = "/api/articles/{slug}/comments", tag = "Comments",
    params(("slug" = String, Path, description = "The article's slug", example = "lima-at-dawn")),
    request_body = NewCommentRequest,
    security(("Token" = [])),
    responses(
        (status = 201, description = "The new comment", body = SingleCommentResponse),
        (status = 401, description = "No or invalid token", body = super::model::GenericErrorModel),
        (status = 403, description = "Not allowed to comment", body = super::model::GenericErrorModel),
        (status = 404, description = "No such article", body = super::model::GenericErrorModel),
        (status = 422, description = "Empty or too long, or the e-mail address is unconfirmed", body = super::model::GenericErrorModel),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(slug): Path<String>,
    ApiJson(request): ApiJson<NewCommentRequest>,
) -> ApiResult<(StatusCode, Json<SingleCommentResponse>)> {
    let article_id = published_article(&state, &caller.actor, &slug).await?;
    let body = request.comment.body.unwrap_or_default();
    if body.trim().is_empty() {
        return Err(ApiError::blank("body"));
    }
    let id = discussion::post_comment(&state, &caller.actor, article_id, None, &body)
        .await
        .map_err(|e| ApiError::from_app(e, "comment", &[]))?;
    let user = &caller.user;
    let comment = flat_comments::comments(&state.pool, article_id, Some(id), Some(user.id))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::not_found("comment"))?;
    Ok((
        StatusCode::CREATED,
        Json(SingleCommentResponse {
            comment: comment.into_comment(&state.config.site_url),
        }),
    ))
}

#[utoipa::path(
    delete, path = "/api/articles/{slug}/comments/{id}", tag = "Comments",
    params(
        ("slug" = String, Path, description = "The article's slug", example = "lima-at-dawn"),
        ("id" = i64, Path, description = "The comment's id", example = 1),
    ),
    security(("Token" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or invalid token", body = super::model::GenericErrorModel),
        (status = 403, description = "Not its author or a moderator", body = super::model::GenericErrorModel),
        (status = 404, description = "No such article or comment", body = super::model::GenericErrorModel),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    caller: SignedIn,
    Path((slug, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let article_id = published_article(&state, &caller.actor, &slug).await?;
    let id: i64 = id.parse().map_err(|_| ApiError::not_found("comment"))?;
    discussion::delete_comment(&state, &caller.actor, id, Some(article_id))
        .await
        .map_err(|e| ApiError::from_app(e, "comment", &[]))?;
    Ok(StatusCode::NO_CONTENT)
}
