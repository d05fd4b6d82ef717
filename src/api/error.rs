//! The API's errors in the RealWorld shape: `{"errors": {"<field>": ["<message>"]}}`, with the
//! status the spec gives (401, 403, 404, 409, 422; 429 when rate limited).

use crate::error::AppError;
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};
use std::collections::BTreeMap;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub errors: BTreeMap<String, Vec<String>>,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, field: &str, message: impl Into<String>) -> Self {
        let mut errors = BTreeMap::new();
        errors.insert(field.to_owned(), vec![message.into()]);
        ApiError {
            status,
            errors,
            retry_after_secs: None,
        }
    }

    pub fn not_found(entity: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, entity, "not found")
    }

    pub fn forbidden(entity: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, entity, "forbidden")
    }

    pub fn token_missing() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "token", "is missing")
    }

    pub fn token_invalid() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "token", "is invalid")
    }

    pub fn blank(field: &str) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, field, "can't be blank")
    }

    pub fn invalid_body(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "body", message)
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate",
            format!("too many requests; retry in {retry_after_secs} seconds"),
        );
        error.retry_after_secs = Some(retry_after_secs);
        error
    }

    /// Converts a shared-layer error, naming the entity for 403/404
    /// (`{"article": ["not found"]}`) and renaming Waypost's field names to the spec's.
    pub fn from_app(error: AppError, entity: &str, renames: &[(&str, &str)]) -> Self {
        let rename = |field: &str| -> String {
            let field = if field.is_empty() { "body" } else { field };
            renames
                .iter()
                .find(|(from, _)| *from == field)
                .map_or(field, |(_, to)| *to)
                .to_owned()
        };
        match error {
            AppError::Invalid(fields) => {
                let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for e in fields.0 {
                    errors.entry(rename(&e.field)).or_default().push(e.message);
                }
                ApiError {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    errors,
                    retry_after_secs: None,
                }
            }
            // Every conflict the API can meet is a taken unique value.
            AppError::Conflict(fields) => {
                let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for e in fields.0 {
                    errors
                        .entry(rename(&e.field))
                        .or_default()
                        .push("has already been taken".to_owned());
                }
                ApiError {
                    status: StatusCode::CONFLICT,
                    errors,
                    retry_after_secs: None,
                }
            }
            AppError::Unauthenticated => Self::token_missing(),
            AppError::Forbidden => Self::forbidden(entity),
            AppError::NotFound => Self::not_found(entity),
            AppError::BadRequest(message) => Self::invalid_body(message),
            AppError::RateLimited { retry_after_secs } => Self::rate_limited(retry_after_secs),
            AppError::Busy { retry_after_secs } => {
                let mut error = Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "server",
                    format!("busy; retry in {retry_after_secs} seconds"),
                );
                error.retry_after_secs = Some(retry_after_secs);
                error
            }
            AppError::Internal | AppError::Transport(_) => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server",
                "something went wrong on our side; try again in a moment",
            ),
        }
    }
}

/// Errors from code with no entity of its own (database, Redis) are internal.
impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self::from_app(error, "resource", &[])
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        // `RowNotFound` would be a 404 in the web UI; here every lookup handles absence itself.
        tracing::error!(%error, "database error");
        Self::from_app(AppError::Internal, "resource", &[])
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = axum::Json(serde_json::json!({ "errors": self.errors }));
        let mut response = (self.status, body).into_response();
        if let Some(secs) = self.retry_after_secs {
            if let Ok(value) = http::HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
