//! "Recently viewed": the last few stories a browser opened, kept in a cookie (not a server
//! session, so anonymous readers cost nothing). Set by a middleware so that cached article
//! pages remember views too.

use crate::articles::view::RECENT_COOKIE;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

pub const RECENT_MAX: usize = 3;

fn valid_slug(slug: &str) -> bool {
    // `/articles/new` is the editor, not a story.
    !slug.is_empty()
        && !super::RESERVED_SLUGS.contains(&slug)
        && slug.len() <= 100
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

pub fn slugs_from(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == RECENT_COOKIE)
        .map(|(_, value)| {
            value
                .split('.')
                .filter(|s| valid_slug(s))
                .take(RECENT_MAX)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// After a story page is shown (200), puts its slug first in the cookie.
pub async fn remember(request: Request, next: Next) -> Response {
    let slug = (request.method() == Method::GET)
        .then(|| request.uri().path().strip_prefix("/articles/"))
        .flatten()
        .filter(|s| valid_slug(s))
        .map(str::to_owned);
    let previous = slugs_from(request.headers());
    let mut response = next.run(request).await;
    if let Some(slug) = slug {
        if response.status() == StatusCode::OK {
            let mut slugs = previous;
            slugs.retain(|s| *s != slug);
            slugs.insert(0, slug);
            slugs.truncate(RECENT_MAX);
            let cookie = format!(
                "{RECENT_COOKIE}={}; Path=/; Max-Age=2592000; SameSite=Lax; HttpOnly",
                slugs.join(".")
            );
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
    }
    response
}
