//! `POST /api/users`, `POST /api/users/login`, `GET /api/user`, `PUT /api/user`: parse the
//! spec's JSON, call the accounts commands, shape the answer.

use super::auth::{issue_jwt, now_secs, SignedIn};
use super::error::{ApiError, ApiResult};
use super::json::required;
use super::json::ApiJson;
use super::model::{LoginRequest, RegisterRequest, UpdateUserRequest, User, UserResponse};
use super::shapes;
use crate::accounts::server::credentials::{self, PasswordChange};
use crate::accounts::server::profile::{update_profile, ProfileChange};
use crate::accounts::server::registration::{sign_up, Registration};
use crate::accounts::server::repo as accounts_repo;
use crate::accounts::server::{repo, sign_in, Credential};
use crate::error::FieldErrors;
use crate::request::client_ip_of;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use http::{Extensions, StatusCode};

/// A required name or address, trimmed.
fn required_trimmed(value: Option<String>, field: &str, errors: &mut FieldErrors) -> String {
    required(value, field, errors).trim().to_owned()
}

/// A present, non-empty password (kept exactly as sent: spaces count), or `can't be blank`.
fn required_password(value: Option<String>, errors: &mut FieldErrors) -> String {
    let value = value.unwrap_or_default();
    if value.is_empty() {
        errors.add("password", "can't be blank");
    }
    value
}

/// The user with a fresh JWT whose password check happened at `auth_time`.
async fn user_response(
    state: &AppState,
    user: &repo::User,
    auth_time: u64,
) -> ApiResult<UserResponse> {
    let profile = accounts_repo::profile_by_username(&state.pool, &user.username, None)
        .await?
        .ok_or_else(ApiError::token_invalid)?;
    let public = shapes::profile(
        &state.config.site_url,
        profile.username,
        profile.bio,
        profile.avatar_url,
        false,
    );
    Ok(UserResponse {
        user: User {
            email: user.email.clone(),
            token: issue_jwt(state, user, auth_time)?,
            username: public.username,
            bio: public.bio,
            image: public.image,
        },
    })
}

/// A refreshed token keeps the caller's password-check time, so refreshing never makes a
/// token "fresh" for sensitive changes; API tokens get a JWT that isn't fresh at all.
fn auth_time_of(credential: &Credential) -> u64 {
    match credential {
        Credential::Jwt { auth_time, .. } => *auth_time,
        _ => 0,
    }
}

/// Register a new account; it joins `SIGNUP_GROUP` and gets a verification e-mail.
#[utoipa::path(
    post, path = "/api/users", tag = "User and Authentication",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "The new user, signed in", body = UserResponse),
        (status = 409, description = "Username or e-mail taken", body = super::model::GenericErrorModel),
        (status = 422, description = "Invalid input", body = super::model::GenericErrorModel),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    extensions: Extensions,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<UserResponse>)> {
    let mut errors = FieldErrors::new();
    let username = required_trimmed(request.user.username, "username", &mut errors);
    let email = required_trimmed(request.user.email, "email", &mut errors);
    let password = required_password(request.user.password, &mut errors);
    errors.into_result().map_err(ApiError::from)?;
    let registration = Registration {
        username,
        email,
        display_name: String::new(),
        password,
    };
    let user = sign_up(&state, &client_ip_of(&extensions), registration).await?;
    Ok((
        StatusCode::CREATED,
        Json(user_response(&state, &user, now_secs()).await?),
    ))
}

/// Log in with e-mail and password; answers a fresh JWT.
#[utoipa::path(
    post, path = "/api/users/login", tag = "User and Authentication",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "The user and a token", body = UserResponse),
        (status = 401, description = "Wrong e-mail or password", body = super::model::GenericErrorModel),
        (status = 422, description = "Missing e-mail or password", body = super::model::GenericErrorModel),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    extensions: Extensions,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<Json<UserResponse>> {
    let mut errors = FieldErrors::new();
    let email = required_trimmed(request.user.email, "email", &mut errors);
    let password = required_password(request.user.password, &mut errors);
    errors.into_result().map_err(ApiError::from)?;
    let user = sign_in::attempt(&state, &client_ip_of(&extensions), email, password)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "credentials", "invalid"))?;
    Ok(Json(user_response(&state, &user, now_secs()).await?))
}

/// The signed-in user.
#[utoipa::path(
    get, path = "/api/user", tag = "User and Authentication",
    security(("Token" = [])),
    responses(
        (status = 200, description = "The current user", body = UserResponse),
        (status = 401, description = "No or invalid token", body = super::model::GenericErrorModel),
    )
)]
pub async fn current(
    State(state): State<AppState>,
    caller: SignedIn,
) -> ApiResult<Json<UserResponse>> {
    Ok(Json(
        user_response(&state, &caller.user, auth_time_of(&caller.actor.credential)).await?,
    ))
}

/// Change username, e-mail (confirmed again by e-mail), password, bio or image.
#[utoipa::path(
    put, path = "/api/user", tag = "User and Authentication",
    security(("Token" = [])),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "The updated user", body = UserResponse),
        (status = 401, description = "No or invalid token", body = super::model::GenericErrorModel),
        (status = 409, description = "Username or e-mail taken", body = super::model::GenericErrorModel),
        (status = 422, description = "Invalid input", body = super::model::GenericErrorModel),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    caller: SignedIn,
    ApiJson(request): ApiJson<UpdateUserRequest>,
) -> ApiResult<Json<UserResponse>> {
    let change = request.user;
    let user = &caller.user;
    let mut errors = FieldErrors::new();
    let present = |value: Option<Option<String>>, field: &str, errors: &mut FieldErrors| {
        value.map(|v| required_trimmed(v, field, errors))
    };
    let username = present(change.username, "username", &mut errors);
    let email = present(change.email, "email", &mut errors)
        .filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case(&user.email));
    let new_password = change
        .password
        .map(|p| required_password(p, &mut errors))
        .filter(|p| !p.is_empty());
    errors.into_result().map_err(ApiError::from)?;
    // null and "" both clear a bio or an image.
    let profile = ProfileChange {
        username,
        bio: change.bio.map(Option::unwrap_or_default),
        avatar_url: change.image,
        ..ProfileChange::default()
    }
    .validated(&state.storage.url(""))
    .map_err(ApiError::from)?;

    // The sensitive changes first: each needs the current password or a fresh login.
    if let Some(new_password) = new_password {
        credentials::change_password(
            &state,
            &caller.actor,
            PasswordChange {
                current_password: change.current_password.clone(),
                new_password,
                confirmation: None,
            },
        )
        .await
        .map_err(|e| {
            ApiError::from_app(
                e,
                "user",
                &[
                    ("new_password", "password"),
                    ("current_password", "currentPassword"),
                ],
            )
        })?;
    }
    if let Some(email) = email {
        credentials::request_email_change(
            &state,
            &caller.actor,
            &email,
            change.current_password.clone(),
        )
        .await
        .map_err(|e| {
            ApiError::from_app(
                e,
                "user",
                &[("new_email", "email"), ("password", "currentPassword")],
            )
        })?;
    }
    let updated = update_profile(&state, &caller.actor, profile)
        .await
        .map_err(|e| ApiError::from_app(e, "user", &[]))?;
    Ok(Json(
        user_response(&state, &updated, auth_time_of(&caller.actor.credential)).await?,
    ))
}
