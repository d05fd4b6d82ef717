//! `GET /api/profiles/{username}`, `POST`/`DELETE /api/profiles/{username}/follow`.

use super::auth::{Caller, SignedIn};
use super::error::{ApiError, ApiResult};
use super::model::ProfileResponse;
use super::shapes;
use crate::accounts::server::follows;
use crate::accounts::server::repo as accounts_repo;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;

async fn load(state: &AppState, username: &str, viewer: Option<i64>) -> ApiResult<ProfileResponse> {
    let record = accounts_repo::profile_by_username(&state.pool, username, viewer)
        .await?
        .ok_or_else(|| ApiError::not_found("profile"))?;
    Ok(ProfileResponse {
        profile: shapes::profile(
            &state.config.site_url,
            record.username,
            record.bio,
            record.avatar_url,
            record.following,
        ),
    })
}

#[utoipa::path(
    get, path = "/api/profiles/{username}", tag = "Profile",
    params(("username" = String, Path, description = "Username of the profile", example = "ana")),
    security((), ("Token" = [])),
    responses(
        (status = 200, description = "The profile", body = ProfileResponse),
        (status = 404, description = "No such user", body = super::model::GenericErrorModel),
    )
)]
pub async fn get_profile(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(username): Path<String>,
) -> ApiResult<Json<ProfileResponse>> {
    Ok(Json(load(&state, &username, actor.id()).await?))
}

async fn set_follow(
    state: &AppState,
    caller: &SignedIn,
    username: &str,
    on: bool,
) -> ApiResult<Json<ProfileResponse>> {
    follows::follow(state, &caller.actor, username, on)
        .await
        .map_err(|e| ApiError::from_app(e, "profile", &[]))?;
    Ok(Json(load(state, username, Some(caller.user.id)).await?))
}

#[utoipa::path(
    post, path = "/api/profiles/{username}/follow", tag = "Profile",
    params(("username" = String, Path, description = "Username of the profile to follow", example = "ana")),
    security(("Token" = [])),
    responses(
        (status = 200, description = "The profile, now followed", body = ProfileResponse),
        (status = 401, description = "No or invalid token", body = super::model::GenericErrorModel),
        (status = 404, description = "No such user", body = super::model::GenericErrorModel),
        (status = 422, description = "Following yourself", body = super::model::GenericErrorModel),
    )
)]
pub async fn follow(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(username): Path<String>,
) -> ApiResult<Json<ProfileResponse>> {
    set_follow(&state, &caller, &username, true).await
}

#[utoipa::path(
    delete, path = "/api/profiles/{username}/follow", tag = "Profile",
    params(("username" = String, Path, description = "Username of the profile to unfollow", example = "ana")),
    security(("Token" = [])),
    responses(
        (status = 200, description = "The profile, no longer followed", body = ProfileResponse),
        (status = 401, description = "No or invalid token", body = super::model::GenericErrorModel),
        (status = 404, description = "No such user", body = super::model::GenericErrorModel),
        (status = 422, description = "Unfollowing yourself", body = super::model::GenericErrorModel),
    )
)]
pub async fn unfollow(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(username): Path<String>,
) -> ApiResult<Json<ProfileResponse>> {
    set_follow(&state, &caller, &username, false).await
}
