//! Pages that render no island ship no JavaScript or wasm: their hydration scripts are dropped.
//!
//! `HydrationScripts` sits in the shell's `<head>`, which is built before the page knows what
//! it renders, so this layer looks at the finished page instead: a page with an island anywhere
//! keeps its scripts, and no list of routes has to be kept in step with where islands live.
//! Reading pages (index, search, writers, authors, tags, places) are plain HTML and CSS.

use crate::error::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header;
use memchr::memmem;

/// What an island renders as (`#[island]` wraps its HTML in this element).
const ISLAND: &[u8] = b"<leptos-island";
/// `HydrationScripts` renders a module preload, a wasm preload and the loader script, in that
/// order: everything from the first to the end of the last goes.
const SCRIPTS_START: &[u8] = b"<link rel=\"modulepreload\"";
const SCRIPTS_END: &[u8] = b"</script>";

pub async fn only_where_islands_are(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if !is_html(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let html = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(html) => html,
        Err(error) => {
            tracing::error!(%error, "could not read a rendered page");
            return AppError::Internal.into_response();
        }
    };
    let body = match without_hydration_scripts(&html) {
        Some(lighter) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Body::from(lighter)
        }
        None => Body::from(html),
    };
    Response::from_parts(parts, body)
}

/// A rendered page (not a file, JSON or a redirect); the page cache asks the same.
pub fn is_html(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"))
}

/// The page without its hydration scripts, or `None` when it keeps them (it has an island, or
/// has no scripts to drop).
fn without_hydration_scripts(html: &[u8]) -> Option<Vec<u8>> {
    if memmem::find(html, ISLAND).is_some() {
        return None;
    }
    let start = memmem::find(html, SCRIPTS_START)?;
    let end = start + memmem::find(&html[start..], SCRIPTS_END)? + SCRIPTS_END.len();
    let mut lighter = Vec::with_capacity(html.len() - (end - start));
    lighter.extend_from_slice(&html[..start]);
    lighter.extend_from_slice(&html[end..]);
    Some(lighter)
}

#[cfg(test)]
mod tests {
    use super::without_hydration_scripts;

    const HEAD: &str = "<head><link rel=\"modulepreload\" href=\"/pkg/w.js\"><link rel=\"preload\" \
        href=\"/pkg/w.wasm\"><script type=\"module\" nonce=\"n\">load()</script><title>T</title></head>";

    #[test]
    fn pages_without_islands_lose_the_scripts_only() {
        let page = format!("<html>{HEAD}<body><p>Stories</p></body></html>");
        let lighter =
            String::from_utf8(without_hydration_scripts(page.as_bytes()).unwrap()).unwrap();
        assert_eq!(
            lighter,
            "<html><head><title>T</title></head><body><p>Stories</p></body></html>"
        );
    }

    #[test]
    fn pages_with_an_island_keep_them() {
        let page = format!(
            "<html>{HEAD}<body><leptos-island data-component=\"x\"></leptos-island></body></html>"
        );
        assert!(without_hydration_scripts(page.as_bytes()).is_none());
    }
}
