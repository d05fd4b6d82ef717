//! `POST /api/users`, `POST /api/users/login`, `GET /api/user`, `PUT /api/user`.

use super::auth::{issue_jwt, SignedIn};
use super::error::{ApiError, ApiResult};
use super::json::required;
use super::json::ApiJson;
use super::model::{LoginRequest, RegisterRequest, UpdateUserRequest, User, UserResponse};
use super::queries;
use crate::accounts::account::MAX_BIO;
use crate::accounts::server::{client_ip_of, password, registration::Registration, repo, sign_in};
use crate::accounts::signup::{check_email, check_username};
use crate::error::{AppError, FieldErrors};
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

async fn user_response(state: &AppState, user: &repo::User) -> ApiResult<UserResponse> {
    let profile = queries::profile_by_username(&state.pool, &user.username, None)
        .await?
        .ok_or_else(ApiError::token_invalid)?;
    let public = queries::profile(
        &state.config.site_url,
        profile.username,
        profile.bio,
        profile.avatar_url,
        false,
    );
    Ok(UserResponse {
        user: User {
            email: user.email.clone(),
            token: issue_jwt(state, user.id)?,
            username: public.username,
            bio: public.bio,
            image: public.image,
        },
    })
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
    let mut errors = FieldErrors::new();
    registration.check(&state.config, &mut errors);
    errors.into_result().map_err(ApiError::from)?;
    let user = registration.create(&state).await?;
    Ok((
        StatusCode::CREATED,
        Json(user_response(&state, &user).await?),
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
    repo::record_login(&state.pool, user.id).await?;
    Ok(Json(user_response(&state, &user).await?))
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
    Ok(Json(user_response(&state, &caller.user).await?))
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
    let user = caller.user;
    let mut errors = FieldErrors::new();
    let present = |value: Option<Option<String>>, field: &str, errors: &mut FieldErrors| {
        value.map(|v| required_trimmed(v, field, errors))
    };
    let username = present(change.username, "username", &mut errors)
        .filter(|u| !u.is_empty() && *u != user.username);
    let email = present(change.email, "email", &mut errors)
        .filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case(&user.email));
    if let Some(username) = &username {
        check_username(username, &mut errors);
    }
    if let Some(email) = &email {
        check_email(email, &mut errors);
    }
    let new_password = change
        .password
        .map(|p| required_password(p, &mut errors))
        .filter(|p| !p.is_empty());
    if let Some(p) = &new_password {
        password::check_policy(
            state.config.password_policy,
            p,
            username.as_deref().unwrap_or(&user.username),
            email.as_deref().unwrap_or(&user.email),
            "password",
            &mut errors,
        );
    }
    let current = queries::profile_by_username(&state.pool, &user.username, None)
        .await?
        .ok_or_else(ApiError::token_invalid)?;
    // null and "" both clear a bio or an image.
    let bio = match change.bio {
        None => current.bio,
        Some(bio) => bio.map(|b| b.trim().to_owned()).unwrap_or_default(),
    };
    if bio.chars().count() > MAX_BIO {
        errors.add("bio", format!("Keep your bio under {MAX_BIO} characters."));
    }
    let image = match change.image {
        None => current.avatar_url,
        Some(image) => image.map(|i| i.trim().to_owned()).filter(|i| !i.is_empty()),
    };
    if let Some(image) = &image {
        let ours = image.starts_with("/media/");
        let external = image.starts_with("https://") && url::Url::parse(image).is_ok();
        if !(ours || external) || image.len() > 500 || image.contains(['"', '<', '>', ' ']) {
            errors.add(
                "image",
                "must be an https:// address of at most 500 characters",
            );
        }
    }
    errors.into_result().map_err(ApiError::from)?;

    let password_hash = match new_password {
        Some(p) => Some(password::hash(p).await?),
        None => None,
    };
    let mut tx = state.pool.begin().await?;
    if let Some(username) = &username {
        repo::set_username(&mut tx, user.id, username).await?;
        // Bylines carry usernames: refresh the articles this user signs.
        let ids = sqlx::query_scalar!(
            "SELECT article_id FROM article_authors WHERE user_id = $1",
            user.id
        )
        .fetch_all(&mut *tx)
        .await?;
        crate::articles::server::repo::refresh_author_names(&mut *tx, &ids).await?;
    }
    if let Some(email) = &email {
        repo::set_email_unverified(&mut tx, user.id, email).await?;
    }
    if let Some(hash) = &password_hash {
        repo::set_password(&mut *tx, user.id, hash).await?;
    }
    repo::set_bio_and_avatar(&mut tx, user.id, &bio, image.as_deref()).await?;
    tx.commit().await?;
    let updated = repo::find_by_id(&state.pool, user.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if email.is_some() {
        let _ = crate::accounts::server::emails::verification(
            &state,
            updated.id,
            &updated.email,
            &updated.username,
        )
        .await;
    }
    crate::cache::invalidate(&state).await;
    tracing::info!(user_id = user.id, "account updated through the API");
    Ok(Json(user_response(&state, &updated).await?))
}
