//! Request bodies: JSON parsed into typed structs, with RealWorld-shaped 422s instead of
//! axum's plain-text rejections, and "absent" told apart from `null` where the spec cares.

use super::error::ApiError;
use axum::extract::{FromRequest, Request};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| ApiError::invalid_body(format!("could not be read: {e}")))?;
        // PostgreSQL text can't hold NUL; JSON can only carry one escaped.
        if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
            return Err(ApiError::invalid_body("must not contain NUL characters"));
        }
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| ApiError::invalid_body(format!("is not valid JSON for this request: {e}")))
    }
}

/// For `Option<Option<T>>` fields with `#[serde(default)]`: absent → `None`,
/// `null` → `Some(None)`, a value → `Some(Some(value))`.
pub fn present<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A field the spec requires: absent, `null` and whitespace-only are all `can't be blank`.
/// The value comes back as sent (Markdown keeps its leading spaces).
pub fn required(
    value: Option<String>,
    field: &str,
    errors: &mut crate::error::FieldErrors,
) -> String {
    let value = value.unwrap_or_default();
    if value.trim().is_empty() {
        errors.add(field, "can't be blank");
    }
    value
}
