//! Which pages go into the page cache ([`crate::cache`]) and how they come back out.
//!
//! Only what every anonymous reader sees the same way is cached: GET, no session cookie, a
//! 200 HTML answer without `Set-Cookie`. Each page is filed under the scopes it shows (a
//! story's page under its slug, an author's page under the author and the lists, every other
//! public page under the lists), so a change drops only those.

use super::security::CspNonce;
use super::SESSION_COOKIE;
use crate::articles::view::RECENT_COOKIE;
use crate::cache::Scope;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Pages larger than this are not worth keeping in Redis.
const MAX_CACHED_BYTES: usize = 512 * 1024;

/// The scopes a public page shows, or `None` for a path that is never cached.
fn scopes_of(path: &str) -> Option<Vec<Scope>> {
    if let Some(slug) = path.strip_prefix("/articles/") {
        if slug.is_empty() || slug.contains('/') || slug == "new" {
            return None;
        }
        return Some(vec![Scope::Article(slug.to_owned())]);
    }
    if let Some(username) = path.strip_prefix("/authors/") {
        if username.is_empty() || username.contains('/') {
            return None;
        }
        return Some(vec![Scope::Author(username.to_owned()), Scope::Lists]);
    }
    // Place pages show cards and story counts: they change with the lists.
    let listing = path == "/"
        || path == "/writers"
        || path == "/search"
        || path.starts_with("/tags/")
        || path == "/places"
        || path.starts_with("/places/");
    listing.then(|| vec![Scope::Lists])
}

/// The query parameters public pages read. Others change nothing on the page, so they are
/// left out of the cache key: `/?x=<random>` is `/`, and can't fill the cache.
const READ_PARAMETERS: [&str; 5] = ["author", "page", "q", "sort", "tag"];
/// Longer values than this are nobody's bookmark: such pages are served, not stored.
const MAX_PARAMETER_BYTES: usize = 256;

/// The cache key of a page: its path and the parameters it reads, in one order. `None` when
/// the page should not be stored (a parameter too long, or given twice).
fn cache_key(uri: &axum::http::Uri) -> Option<String> {
    let mut kept: Vec<(String, String)> = Vec::new();
    for (name, value) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        if !READ_PARAMETERS.contains(&name.as_ref()) {
            continue;
        }
        if value.len() > MAX_PARAMETER_BYTES || kept.iter().any(|(n, _)| *n == name) {
            return None;
        }
        kept.push((name.into_owned(), value.into_owned()));
    }
    kept.sort();
    let mut key = uri.path().to_owned();
    if !kept.is_empty() {
        key.push('?');
        key.push_str(
            &url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(kept)
                .finish(),
        );
    }
    Some(key)
}

/// Anonymous readers only: anything personal passes by.
fn anonymous(request: &Request, path: &str) -> bool {
    let cookies = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(";");
    let signed_in = cookies.contains(SESSION_COOKIE);
    // The index lists this browser's recently viewed stories.
    let personal_index = path == "/" && cookies.contains(RECENT_COOKIE);
    !signed_in && !personal_index
}

pub async fn page_cache(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let cache = &state.page_cache;
    let path = request.uri().path();
    let scopes = match scopes_of(path) {
        Some(scopes)
            if cache.enabled() && request.method() == Method::GET && anonymous(&request, path) =>
        {
            scopes
        }
        _ => return next.run(request).await,
    };
    let nonce = request
        .extensions()
        .get::<CspNonce>()
        .map(|n| n.0.clone())
        .unwrap_or_default();
    let Some(id) = cache_key(request.uri()) else {
        return next.run(request).await;
    };

    let generation = cache.generation();
    if let Some(entry) = cache.get(&id, &scopes, generation).await {
        match replay(&entry, &nonce) {
            Some(response) => return response,
            None => cache.hit_was_unusable(),
        }
    }

    let response = next.run(request).await;
    let storable = response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && super::scripts::is_html(&response);
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
    cache.put(&id, entry.into(), &scopes, generation);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_filed_under_what_they_show() {
        assert_eq!(
            scopes_of("/articles/lima"),
            Some(vec![Scope::Article("lima".into())])
        );
        assert_eq!(scopes_of("/articles/new"), None);
        assert_eq!(scopes_of("/articles/lima/edit"), None);
        assert_eq!(
            scopes_of("/authors/ana"),
            Some(vec![Scope::Author("ana".into()), Scope::Lists])
        );
        assert_eq!(scopes_of("/tags/peru"), Some(vec![Scope::Lists]));
        assert_eq!(
            scopes_of("/places/portugal/lisbon"),
            Some(vec![Scope::Lists])
        );
        assert_eq!(scopes_of("/account"), None);
        assert_eq!(scopes_of("/admin"), None);
    }

    #[test]
    fn keys_hold_only_what_pages_read() {
        let key = |uri: &str| cache_key(&uri.parse().unwrap());
        assert_eq!(key("/?x=1&utm_source=mail").as_deref(), Some("/"));
        assert_eq!(
            key("/?sort=author&page=2").as_deref(),
            Some("/?page=2&sort=author")
        );
        assert_eq!(
            key("/?page=2&sort=author"),
            key("/?sort=author&page=2&fbclid=abc")
        );
        assert_eq!(
            key("/search?q=caf%C3%A9").as_deref(),
            Some("/search?q=caf%C3%A9")
        );
        assert_eq!(key("/?page=1&page=2"), None);
        assert_eq!(key(&format!("/search?q={}", "a".repeat(300))), None);
    }
}
