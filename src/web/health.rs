//! `GET /healthz`: liveness plus the state of PostgreSQL and Redis, for load balancers and Docker.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use fred::prelude::*;
use serde_json::{json, Value};
use std::time::Duration;

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database =
        tokio::time::timeout(CHECK_TIMEOUT, sqlx::query("SELECT 1").execute(&state.pool)).await;
    let database_ok = matches!(database, Ok(Ok(_)));
    let redis = tokio::time::timeout(CHECK_TIMEOUT, state.redis.ping::<String>(None)).await;
    let redis_ok = matches!(redis, Ok(Ok(_)));
    let status = if database_ok && redis_ok {
        "ok"
    } else {
        "degraded"
    };
    let code = if database_ok && redis_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mail = if redis_ok {
        tokio::time::timeout(CHECK_TIMEOUT, state.mail.stats())
            .await
            .ok()
            .and_then(Result::ok)
            .and_then(|stats| serde_json::to_value(stats).ok())
    } else {
        None
    };
    // The cache may live in a Redis of its own (CACHE_REDIS_URL); it being down only means
    // uncached pages, so it doesn't make the instance unhealthy.
    let stored_pages = tokio::time::timeout(CHECK_TIMEOUT, state.page_cache.stored_pages())
        .await
        .ok()
        .and_then(Result::ok);
    let word = |ok: bool| if ok { "ok" } else { "down" };
    let stats = &state.page_cache.stats;
    let load = |n: &std::sync::atomic::AtomicU64| n.load(std::sync::atomic::Ordering::Relaxed);
    let local = &state.page_cache.local;
    let (local_pages, local_bytes) = local.held();
    (
        code,
        Json(json!({
            "status": status,
            "database": word(database_ok),
            "redis": word(redis_ok),
            "page_cache": {
                "enabled": state.page_cache.enabled(),
                "redis": word(stored_pages.is_some()),
                "stored": stored_pages,
                "hits": load(&stats.hits),
                "misses": load(&stats.misses),
                "errors": load(&stats.errors),
                "memory": {
                    "enabled": local.enabled(),
                    "listening": local.listening(),
                    "pages": local_pages,
                    "bytes": local_bytes,
                    "hits": load(&stats.local_hits),
                },
            },
            "mail_queue": mail,
        })),
    )
}

/// Around the session and sign-in layers: when they can't load a session or its user
/// (Redis or PostgreSQL out of reach even after retries) they answer a bare 500 with no body.
/// That is the service being unavailable, not a bug: say so, and when to come back (503 with
/// `Retry-After`, a page for browsers, JSON for server function calls). Every other answer,
/// our own 500s included, always has a content type and passes untouched.
pub async fn unavailable_as_503(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let wants_page = request
        .headers()
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let bare_failure = response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && !response
            .headers()
            .contains_key(axum::http::header::CONTENT_TYPE);
    if !bare_failure {
        return response;
    }
    let busy = crate::error::AppError::Busy {
        retry_after_secs: 5,
    };
    if wants_page {
        busy.into_page(&path)
    } else {
        busy.into_response()
    }
}
