//! `GET /api/tags`.

use super::error::ApiResult;
use super::model::TagsResponse;
use super::queries;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;

#[utoipa::path(
    get, path = "/api/tags", tag = "Tags",
    responses((status = 200, description = "Every tag used by a published article", body = TagsResponse))
)]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<TagsResponse>> {
    Ok(Json(TagsResponse {
        tags: queries::tags(&state.pool).await?,
    }))
}
