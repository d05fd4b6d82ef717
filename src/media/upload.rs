//! `POST /media/upload` (multipart, field `file`): writers upload an image; the answer gives
//! the URL to insert, its `srcset` and ready-made Markdown.

use super::process::{self, MediaError, WIDTHS};
use crate::accounts::server::profile::{update_profile, ProfileChange};
use crate::accounts::server::{rate_limit, Actor, AuthSession};
use crate::accounts::Permission;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::RngCore;
use serde::Serialize;

#[derive(Serialize)]
pub struct Uploaded {
    pub url: String,
    pub srcset: String,
    pub width: u32,
    pub height: u32,
    pub markdown: String,
    /// The town the photo was taken near (from its GPS tags, which the stored image no
    /// longer has): a suggestion for the story's places, nothing more.
    pub place: Option<crate::places::model::TownSuggestion>,
}

fn media_error(error: MediaError) -> Response {
    let status = match error {
        MediaError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    (
        status,
        Json(serde_json::json!({ "error": error.to_string() })),
    )
        .into_response()
}

/// The bytes of the multipart field `file`, or the response to answer with.
async fn read_file(
    state: &AppState,
    multipart: &mut Multipart,
) -> Result<axum::body::Bytes, Response> {
    let limit_mb = state.config.max_upload_bytes / (1024 * 1024);
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => match field.bytes().await {
                Ok(bytes) => file = Some(bytes),
                // The body limit is enforced while reading: the only common failure is size.
                Err(_) => return Err(media_error(MediaError::TooLarge { limit_mb })),
            },
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(_) => return Err(media_error(MediaError::TooLarge { limit_mb })),
        }
    }
    file.ok_or_else(|| {
        AppError::BadRequest("Choose an image file to upload.".to_owned()).into_response()
    })
}

/// Image decoding and resizing at once: one per core, so a burst of uploads waits its turn
/// instead of holding a decoded image in memory each.
fn processing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, usize::from))
    })
}

/// Checks the account's upload allowance, then processes the image in a processing slot
/// (waiting at most 10 seconds for one).
async fn process_within_limits(
    state: &AppState,
    user_id: i64,
    bytes: axum::body::Bytes,
) -> Result<Result<process::Processed, MediaError>, AppError> {
    let key = state.redis_key(&["rl", "upload", &user_id.to_string()]);
    rate_limit::take(
        &state.redis,
        &key,
        &rate_limit::Limit::per_hour(state.config.uploads_per_user_per_hour),
    )
    .await?;
    let wait = std::time::Duration::from_secs(10);
    let _slot = tokio::time::timeout(wait, processing_slots().acquire())
        .await
        .map_err(|_| AppError::Busy {
            retry_after_secs: wait.as_secs(),
        })?
        .map_err(|_| AppError::Internal)?;
    let max = state.config.max_upload_bytes;
    tokio::task::spawn_blocking(move || process::process(&bytes, max))
        .await
        .map_err(|error| {
            tracing::error!(%error, "image processing task failed");
            AppError::Internal
        })
}

pub async fn upload(
    State(state): State<AppState>,
    auth: AuthSession,
    mut multipart: Multipart,
) -> Response {
    let actor = match Actor::for_user(&state, auth.user).await {
        Ok(actor) => actor,
        Err(error) => return error.into_response(),
    };
    let user = match actor.require(Permission::WriteArticle) {
        Ok(user) => user.clone(),
        Err(error) => return error.into_response(),
    };
    let bytes = match read_file(&state, &mut multipart).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    let processed = match process_within_limits(&state, user.id, bytes).await {
        Ok(Ok(processed)) => processed,
        Ok(Err(error)) => return media_error(error),
        Err(error) => return error.into_response(),
    };

    let mut id = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut id);
    let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
    let now = time::OffsetDateTime::now_utc();
    let prefix = format!("{}/{:02}/{id}", now.year(), u8::from(now.month()));
    let mut srcset = Vec::new();
    for (variant, target) in processed.variants.into_iter().zip(WIDTHS) {
        let key = format!("{prefix}-{target}.{}", processed.extension);
        let width = variant.width;
        if let Err(error) = state
            .storage
            .put(&key, variant.bytes, processed.content_type)
            .await
        {
            tracing::error!(%error, "could not store an upload");
            return AppError::Internal.into_response();
        }
        srcset.push(format!("{} {width}w", state.storage.url(&key)));
    }
    let url = state
        .storage
        .url(&format!("{prefix}-960.{}", processed.extension));
    tracing::info!(user_id = user.id, %url, "image uploaded");
    let place = processed
        .position
        .and_then(|(lat, lon)| crate::places::server::suggest_near(lat, lon));
    Json(Uploaded {
        place,
        markdown: format!("![Describe the image]({url})"),
        srcset: srcset.join(", "),
        url,
        width: processed.width,
        height: processed.height,
    })
    .into_response()
}

/// `POST /media/avatar` (multipart `file`, any signed-in user): a plain HTML form on the
/// account page, so it answers with a redirect back to it (`?saved=1` or `?avatar_error=`).
pub async fn avatar(
    State(state): State<AppState>,
    auth: AuthSession,
    mut multipart: Multipart,
) -> Response {
    use axum::response::Redirect;
    let Some(user) = auth.user.clone() else {
        return Redirect::to("/login?next=/account").into_response();
    };
    let back_with =
        |error: &str| Redirect::to(&format!("/account?avatar_error={error}")).into_response();
    let Ok(bytes) = read_file(&state, &mut multipart).await else {
        return back_with("size");
    };
    let processed = match process_within_limits(&state, user.id, bytes).await {
        Ok(Ok(processed)) => processed,
        Ok(Err(MediaError::TooLarge { .. })) => return back_with("size"),
        Ok(Err(MediaError::TooManyPixels)) => return back_with("pixels"),
        Ok(Err(_)) => return back_with("type"),
        Err(error) => return error.into_response(),
    };
    let mut id = [0u8; 8];
    rand::thread_rng().fill_bytes(&mut id);
    let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
    // The 480 px variant is plenty for a round avatar.
    let Some(variant) = processed.variants.into_iter().next() else {
        return back_with("type");
    };
    let key = format!("avatars/{}-{id}-480.{}", user.id, processed.extension);
    if let Err(error) = state
        .storage
        .put(&key, variant.bytes, processed.content_type)
        .await
    {
        tracing::error!(%error, "could not store an avatar");
        return AppError::Internal.into_response();
    }
    let change = ProfileChange {
        avatar_url: Some(Some(state.storage.url(&key))),
        ..ProfileChange::default()
    };
    let actor = match Actor::for_user(&state, Some(user)).await {
        Ok(actor) => actor,
        Err(error) => return error.into_response(),
    };
    match update_profile(&state, &actor, change).await {
        Ok(_) => Redirect::to("/account?saved=1").into_response(),
        Err(error) => error.into_response(),
    }
}
