//! The one application error type, shared by the server and the browser.
//!
//! Every server function returns `Result<T, AppError>`; each variant maps to an HTTP
//! status and a message that is safe to show to a user (internals are logged, never sent).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A message attached to one form field (or to the whole form when `field` is empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Errors for one submitted form, shown next to the fields they belong to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// `Ok(())` when nothing was added, otherwise a validation error.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self))
        }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let messages: Vec<&str> = self.0.iter().map(|e| e.message.as_str()).collect();
        f.write_str(&messages.join(" "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// The input broke a rule; nothing was changed.
    #[error("{0}")]
    Invalid(FieldErrors),
    /// The input clashes with existing data (a taken e-mail or username).
    #[error("{0}")]
    Conflict(FieldErrors),
    #[error("Please log in to do that.")]
    Unauthenticated,
    #[error("You don't have permission to do that.")]
    Forbidden,
    #[error("We couldn't find that page.")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("Too many attempts. Please wait {retry_after_secs} seconds and try again.")]
    RateLimited { retry_after_secs: u64 },
    /// The server's bounded work (password hashing, image processing) is full: 503.
    #[error("We're busy right now. Please try again in {retry_after_secs} seconds.")]
    Busy { retry_after_secs: u64 },
    /// Something failed on our side; details are in the server log only.
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// The request never got a proper answer (network, decoding).
    #[error("We couldn't reach the server ({0}). Check your connection and try again.")]
    Transport(String),
}

impl AppError {
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Invalid(_) => 422,
            AppError::Conflict(_) => 409,
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::BadRequest(_) => 400,
            AppError::RateLimited { .. } => 429,
            AppError::Busy { .. } => 503,
            AppError::Internal | AppError::Transport(_) => 500,
        }
    }

    /// The message for one field, if this error carries field errors.
    pub fn field(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid(errors) | AppError::Conflict(errors) => {
                errors.get(field).map(str::to_owned)
            }
            _ => None,
        }
    }

    /// A message for the top of a form: everything not attached to a named field.
    pub fn form_message(&self) -> Option<String> {
        match self {
            AppError::Invalid(errors) | AppError::Conflict(errors) => {
                let general: Vec<&str> = errors
                    .0
                    .iter()
                    .filter(|e| e.field.is_empty())
                    .map(|e| e.message.as_str())
                    .collect();
                (!general.is_empty()).then(|| general.join(" "))
            }
            other => Some(other.to_string()),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(FieldErrors::single(field, message))
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        AppError::Conflict(FieldErrors::single(field, message))
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        let error = match value {
            // Arguments that could not be parsed are the user's (or a client's) mistake.
            E::Args(message) => AppError::BadRequest(format!("The form was incomplete: {message}")),
            E::Request(message) | E::Response(message) => AppError::Transport(message),
            E::Deserialization(message) => AppError::Transport(message),
            E::MissingArg(name) => AppError::BadRequest(format!("Missing field: {name}")),
            other => AppError::Transport(other.to_string()),
        };
        // On the server this runs when a request could not be decoded (before our code):
        // answer 400, not the framework's default 500.
        #[cfg(feature = "ssr")]
        let error = error.with_status();
        error
    }
}

#[cfg(feature = "ssr")]
pub use server::database_unavailable;

#[cfg(feature = "ssr")]
mod server {
    use super::AppError;
    use axum::response::{IntoResponse, Response};
    use http::StatusCode;

    impl AppError {
        pub fn status(&self) -> StatusCode {
            StatusCode::from_u16(self.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }

        /// Records this error's status on the current Leptos response (server functions and
        /// SSR pages), so clients and crawlers see 4xx/5xx and not 200.
        pub fn with_status(self) -> Self {
            use leptos::prelude::use_context;
            // A form posted without JavaScript is answered with a redirect back to the page,
            // carrying this error in the URL; a 4xx status would replace that redirect.
            let plain_form_post = use_context::<http::request::Parts>().is_some_and(|parts| {
                parts.method == http::Method::POST
                    && parts
                        .headers
                        .get(http::header::ACCEPT)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|accept| accept.contains("text/html"))
            });
            if plain_form_post {
                return self;
            }
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.set_status(self.status());
                if let Some(secs) = self.retry_after_secs() {
                    response
                        .insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
                }
            }
            self
        }
    }

    impl From<sqlx::Error> for AppError {
        fn from(error: sqlx::Error) -> Self {
            if let sqlx::Error::RowNotFound = error {
                return AppError::NotFound;
            }
            if database_unavailable(&error) {
                // A restart or failover: the pool reconnects on its own; meanwhile readers get
                // a 503 that says when to come back, not a 500.
                tracing::warn!(%error, "database unavailable");
                return AppError::Busy {
                    retry_after_secs: 5,
                };
            }
            tracing::error!(%error, "database error");
            AppError::Internal
        }
    }

    /// The database is (briefly) out of reach, as opposed to a query that is wrong: lost
    /// connections, an exhausted or closed pool, a server shutting down or starting
    /// (SQLSTATE classes 08 and 57P).
    pub fn database_unavailable(error: &sqlx::Error) -> bool {
        match error {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db) => db
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
            _ => false,
        }
    }

    impl From<fred::error::Error> for AppError {
        fn from(error: fred::error::Error) -> Self {
            tracing::error!(%error, "redis error");
            AppError::Internal
        }
    }

    impl From<tower_sessions::session::Error> for AppError {
        fn from(error: tower_sessions::session::Error) -> Self {
            tracing::error!(%error, "session error");
            AppError::Internal
        }
    }

    impl AppError {
        /// This error as a page a person can read, for the plain HTML forms (the JSON API
        /// answers in JSON): what went wrong and a link `back`. Same status and
        /// `Retry-After` as the JSON answer.
        pub fn into_page(self, back: &str) -> Response {
            use crate::text::escape_markup;
            let html = format!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
                 <title>That didn't work · Waypost</title></head><body><main>\
                 <h1>That didn't work</h1><p>{}</p><p><a href=\"{}\">Go back</a></p>\
                 </main></body></html>",
                escape_markup(&self.to_string()),
                escape_markup(back)
            );
            self.with_retry_after((self.status(), axum::response::Html(html)).into_response())
        }

        fn with_retry_after(&self, mut response: Response) -> Response {
            if let Some(secs) = self.retry_after_secs() {
                response
                    .headers_mut()
                    .insert(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
            }
            response
        }

        /// When to come back, for the answers that say so (429, 503).
        pub fn retry_after_secs(&self) -> Option<u64> {
            match self {
                AppError::RateLimited { retry_after_secs }
                | AppError::Busy { retry_after_secs } => Some(*retry_after_secs),
                _ => None,
            }
        }
    }

    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let body = axum::Json(serde_json::json!({ "error": self.to_string() }));
            self.with_retry_after((self.status(), body).into_response())
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::AppError;
    use axum::response::IntoResponse;

    #[test]
    fn limits_and_a_full_server_say_when_to_come_back() {
        for (error, status) in [
            (
                AppError::RateLimited {
                    retry_after_secs: 30,
                },
                429,
            ),
            (
                AppError::Busy {
                    retry_after_secs: 5,
                },
                503,
            ),
        ] {
            let secs = error.retry_after_secs().expect("a wait");
            let response = error.into_response();
            assert_eq!(response.status().as_u16(), status);
            assert_eq!(
                response.headers()[http::header::RETRY_AFTER],
                secs.to_string().as_str()
            );
        }
        assert_eq!(AppError::NotFound.retry_after_secs(), None);
    }

    #[test]
    fn an_unreachable_database_is_a_503_and_a_wrong_query_a_500() {
        let busy = AppError::from(sqlx::Error::PoolTimedOut);
        assert_eq!(
            busy,
            AppError::Busy {
                retry_after_secs: 5
            }
        );
        let lost = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        assert!(matches!(
            AppError::from(sqlx::Error::Io(lost)),
            AppError::Busy { .. }
        ));
        assert_eq!(AppError::from(sqlx::Error::RowNotFound), AppError::NotFound);
        assert_eq!(
            AppError::from(sqlx::Error::Protocol("unexpected message".into())),
            AppError::Internal
        );
    }
}
