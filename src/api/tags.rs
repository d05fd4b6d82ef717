//! `GET /api/tags`.

use super::error::ApiResult;
use super::model::TagsResponse;
use crate::articles::server::repo::api_view;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;

#[utoipa::path(
    get, path = "/api/tags", tag = "Tags",
    responses((status = 200, description = "Every tag used by a published article", body = TagsResponse))
)]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<TagsResponse>> {
    Ok(Json(TagsResponse {
        tags: api_view::tags(&state.pool).await?,
    }))
}
