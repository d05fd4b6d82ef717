//! Static files from the site root (cargo-leptos's output) and local media.
//!
//! - Hashed bundle names (cargo-leptos `hash-files`): `Cache-Control: immutable` for a year — a new build
//!   has new names, so a cached copy can never be stale.
//! - Everything else (favicon, robots of the site root): `no-cache` with an `ETag`, so
//!   browsers revalidate and get a 304 when nothing changed.
//! - The precompressed `.br`/`.gz` files written at build time (`scripts/precompress`) are
//!   sent as they are when the client accepts them; nothing is compressed per request.
//! - Media: only image types are served as such; anything else is an attachment.

use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const REVALIDATE: &str = "no-cache";

/// The router's fallback: a file of the site root if there is one, else the app (which
/// renders the styled 404 page).
pub async fn site_file_or_app(State(state): State<AppState>, request: Request) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD)
        && !request.uri().path().ends_with('/')
    {
        let (parts, body) = request.into_parts();
        let probe = Request::from_parts(parts.clone(), Body::empty());
        let files = ServeDir::new(&*state.leptos_options.site_root)
            .precompressed_br()
            .precompressed_gzip()
            .append_index_html_on_directories(false);
        let response = files
            .oneshot(probe)
            .await
            .unwrap_or_else(|never| match never {});
        {
            if response.status() != StatusCode::NOT_FOUND {
                let hashed = parts
                    .uri
                    .path()
                    .starts_with(&format!("/{}/", state.leptos_options.site_pkg_dir))
                    && has_content_hash(parts.uri.path());
                return with_cache_headers(&parts.headers, response.map(Body::new), hashed);
            }
        }
        return render_app(state, Request::from_parts(parts, body)).await;
    }
    render_app(state, request).await
}

/// The app's own rendering of a path that is no file (the styled 404 page, with the
/// application state in context).
async fn render_app(state: AppState, request: Request) -> Response {
    let render = leptos_axum::file_and_error_handler_with_context::<AppState, _>(
        super::security::provide_request_nonce,
        crate::app::shell,
    );
    let uri = request.uri().clone();
    render(uri, State(state), request).await
}

/// cargo-leptos's hashed names: `waypost.<22-character base64url MD5>.wasm`. Only those
/// are safe to cache forever; an unhashed name (hash-files off) may change content.
fn has_content_hash(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    name.split('.').skip(1).any(|part| {
        part.len() >= 16
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Cache policy plus a validator: an `ETag` from size, modification time and encoding,
/// answered with 304 when the client already has it.
pub fn with_cache_headers(request: &HeaderMap, mut response: Response, hashed: bool) -> Response {
    let headers = response.headers_mut();
    let policy = if hashed { IMMUTABLE } else { REVALIDATE };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    if !headers.contains_key(header::VARY) {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if response.status() != StatusCode::OK {
        return response;
    }
    let Some(etag) = etag(response.headers()) else {
        return response;
    };
    let matches = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|list| {
            list.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    if matches {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        for name in [
            header::ETAG,
            header::CACHE_CONTROL,
            header::VARY,
            header::LAST_MODIFIED,
        ] {
            if let Some(value) = response.headers().get(&name) {
                not_modified.headers_mut().insert(name, value.clone());
            }
        }
        return not_modified;
    }
    response
}

/// A weak validator: identical for the same file bytes in the same encoding.
fn etag(headers: &HeaderMap) -> Option<String> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let length = text(header::CONTENT_LENGTH)?;
    let modified = text(header::LAST_MODIFIED)?;
    let encoding = text(header::CONTENT_ENCODING).unwrap_or("identity");
    // FNV-1a: a stable, dependency-free digest of the modification time.
    let digest = modified
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    Some(format!("W/\"{length}-{digest:x}-{encoding}\""))
}

/// Local media: the types we write are images; anything else found there (a stray file)
/// is downloaded, never rendered, and nothing is sniffed.
pub async fn media_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if response.status() != StatusCode::OK && response.status() != StatusCode::NOT_MODIFIED {
        return response;
    }
    let headers = response.headers_mut();
    let is_image = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| matches!(t, "image/jpeg" | "image/png" | "image/webp" | "image/gif"));
    if !is_image {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Upload names are unique per upload, so a day of caching is safe.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}

/// Requests for the bundle and the site root's own files reach the app without cookies.
///
/// The session layer answers a cookie whose session is gone with a cookie that deletes it. A
/// page's wasm chunks load while its form is submitted; when that submit signs someone in, the
/// session id changes, and a chunk request still carrying the old id came back *after* the
/// sign-in and deleted the new cookie (seen in the browser tests: signed in, then at once
/// signed out). Files need no session, so they never see one.
pub async fn files_without_cookies(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let bundle = path
        .strip_prefix('/')
        .and_then(|rest| rest.strip_prefix(&*state.leptos_options.site_pkg_dir))
        .is_some_and(|rest| rest.starts_with('/'));
    // `/favicon.svg`, `/suggest.js`, `/robots.txt`: one segment with an extension (pages
    // at the top level have none).
    let root_file = path.rfind('/') == Some(0) && path.contains('.');
    if bundle || root_file {
        request.headers_mut().remove(header::COOKIE);
    }
    next.run(request).await
}
