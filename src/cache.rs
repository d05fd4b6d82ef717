//! Redis cache of rendered pages for anonymous readers.
//!
//! Only what every anonymous reader sees the same way is cached: GET, no session cookie, a
//! 200 HTML answer without `Set-Cookie`. Every write that changes what readers see (publish,
//! edit, delete, co-authors, profiles) drops the whole page cache; entries also expire. Redis
//! trouble never becomes an error page: the request is simply served uncached.

use crate::state::AppState;
use crate::web::security::CspNonce;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fred::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Redis round trips on the page path may not slow a page down when Redis is unwell.
const REDIS_TIMEOUT: Duration = Duration::from_millis(150);
/// Pages larger than this are not worth keeping in Redis.
const MAX_CACHED_BYTES: usize = 512 * 1024;

#[derive(Debug, Default)]
pub struct CacheStats {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub errors: AtomicU64,
}

fn keys_set(state: &AppState) -> String {
    state.redis_key(&["pagecache", "keys"])
}

/// Anonymous readers of public pages only; anything personal or state-changing passes by.
fn cacheable(request: &Request) -> bool {
    if request.method() != Method::GET {
        return false;
    }
    let path = request.uri().path();
    let public = path == "/"
        || path == "/writers"
        || path == "/search"
        || (path.starts_with("/articles/") && !path.ends_with("/edit") && path != "/articles/new")
        || path.starts_with("/authors/")
        || path.starts_with("/tags/");
    if !public {
        return false;
    }
    let cookies = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(";");
    let signed_in = cookies.contains(crate::web::SESSION_COOKIE);
    // The index lists this browser's recently viewed stories.
    let personal_index = path == "/" && cookies.contains(crate::articles::view::RECENT_COOKIE);
    !signed_in && !personal_index
}

pub async fn page_cache(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.config.page_cache || !cacheable(&request) {
        return next.run(request).await;
    }
    let nonce = request
        .extensions()
        .get::<CspNonce>()
        .map(|n| n.0.clone())
        .unwrap_or_default();
    let key = state.redis_key(&["pagecache", "page", &request.uri().to_string()]);

    match tokio::time::timeout(REDIS_TIMEOUT, state.redis.get::<Option<Vec<u8>>, _>(&key)).await {
        Ok(Ok(Some(entry))) => {
            if let Some(response) = replay(&entry, &nonce) {
                state.cache_stats.hits.fetch_add(1, Ordering::Relaxed);
                return response;
            }
        }
        Ok(Ok(None)) => {}
        Ok(Err(_)) | Err(_) => {
            state.cache_stats.errors.fetch_add(1, Ordering::Relaxed);
        }
    }
    state.cache_stats.misses.fetch_add(1, Ordering::Relaxed);

    let response = next.run(request).await;
    let storable = response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
    if !storable {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_CACHED_BYTES).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "page too large").into_response();
    };
    let mut entry = Vec::with_capacity(nonce.len() + 1 + bytes.len());
    entry.extend_from_slice(nonce.as_bytes());
    entry.push(b'\n');
    entry.extend_from_slice(&bytes);
    let ttl = state.config.page_cache_ttl_secs as i64;
    let keys = keys_set(&state);
    let redis = state.redis.clone();
    let stats = state.cache_stats.clone();
    // Storing happens after the answer is on its way.
    tokio::spawn(async move {
        let store = async {
            let _: () = redis
                .set(&key, entry, Some(Expiration::EX(ttl)), None, false)
                .await?;
            let _: () = redis.sadd(&keys, &key).await?;
            let _: () = redis.expire(&keys, ttl * 2, None).await?;
            Ok::<(), fred::error::Error>(())
        };
        if !matches!(
            tokio::time::timeout(REDIS_TIMEOUT * 4, store).await,
            Ok(Ok(()))
        ) {
            stats.errors.fetch_add(1, Ordering::Relaxed);
        }
    });
    Response::from_parts(parts, Body::from(bytes))
}

/// A cached page with the old CSP nonce swapped for this response's one.
fn replay(entry: &[u8], nonce: &str) -> Option<Response> {
    let split = entry.iter().position(|b| *b == b'\n')?;
    let (old_nonce, html) = (
        std::str::from_utf8(&entry[..split]).ok()?,
        &entry[split + 1..],
    );
    let html = std::str::from_utf8(html).ok()?;
    let body = if old_nonce.is_empty() {
        html.to_owned()
    } else {
        html.replace(old_nonce, nonce)
    };
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
        .headers_mut()
        .insert("x-waypost-cache", HeaderValue::from_static("hit"));
    Some(response)
}

/// Drops every cached page. Called after each write that changes what readers see; a
/// failure is logged (entries then expire on their own).
pub async fn invalidate(state: &AppState) {
    let keys = keys_set(state);
    let drop_all = async {
        let members: Vec<String> = state.redis.smembers(&keys).await?;
        for chunk in members.chunks(500) {
            let _: () = state.redis.unlink(chunk.to_vec()).await?;
        }
        let _: () = state.redis.del(&keys).await?;
        Ok::<(), fred::error::Error>(())
    };
    match tokio::time::timeout(Duration::from_secs(2), drop_all).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "page cache invalidation failed"),
        Err(_) => tracing::warn!("page cache invalidation timed out"),
    }
}

/// For server functions: invalidate using the request's state.
pub async fn invalidate_current() {
    if let Some(state) = leptos::prelude::use_context::<AppState>() {
        invalidate(&state).await;
    }
}
