//! Security middleware: cross-site request refusal (CSRF) and response headers (CSP with a
//! per-request nonce, framing, sniffing, referrer, HSTS in production).

use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::RngCore;

/// The CSP nonce of the current request, shared by the header and the inline hydration script.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Leptos context hook: hands the request's nonce to `HydrationScripts` and streamed scripts.
pub fn provide_request_nonce() {
    use leptos::prelude::*;
    let nonce = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(value)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(value));
    }
}

pub async fn security_headers(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = new_nonce();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let development = state.config.development;
    let headers = response.headers_mut();

    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let csp = if is_html {
        // cargo-leptos's live reload talks over a websocket on the reload port in development.
        let connect = if development {
            "'self' ws://127.0.0.1:3001 ws://localhost:3001"
        } else {
            "'self'"
        };
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data: https:; font-src 'self'; connect-src {connect}; \
             object-src 'none'; base-uri 'self'; form-action 'self' https://x.com https://twitter.com{providers}; \
             frame-ancestors 'none'",
            providers = provider_origins(&state.config),
        )
    } else {
        "default-src 'none'; frame-ancestors 'none'; sandbox".to_owned()
    };
    set_default(headers, header::CONTENT_SECURITY_POLICY, &csp);
    set_default(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(headers, header::X_FRAME_OPTIONS, "DENY");
    set_default(
        headers,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    set_default(
        headers,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    set_default(headers, "cross-origin-opener-policy", "same-origin");
    if !development {
        set_default(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=63072000; includeSubDomains",
        );
    }
    response
}

/// The social providers' sign-in pages: the account page's *Link* forms redirect there, and
/// browsers apply `form-action` to where a form's redirect leads.
fn provider_origins(config: &crate::config::Config) -> String {
    [config.google.as_ref(), config.x.as_ref()]
        .into_iter()
        .flatten()
        .map(|p| format!(" {}", p.auth_origin))
        .collect()
}

fn set_default(headers: &mut HeaderMap, name: impl header::IntoHeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        if let header::Entry::Vacant(slot) = headers.entry(name) {
            slot.insert(value);
        }
    }
}

/// Refuses state-changing requests that a browser sent on behalf of another site.
///
/// Modern browsers label every request with `Sec-Fetch-Site` and cross-origin POSTs with
/// `Origin`; either one coming from elsewhere is refused. Requests with neither header are
/// not from a browser and so cannot ride a victim's cookies. Together with `SameSite=Lax`
/// session cookies this covers forms and server functions alike.
pub async fn csrf_guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // The API ignores cookies (tokens in the Authorization header only), so another site
    // can't act through a visitor's session there; CORS_ALLOWED_ORIGINS governs browsers.
    if is_safe_method(request.method())
        || is_same_origin(request.headers(), &state.config.site_url)
        || request.uri().path().starts_with("/api/")
        // The e-mails' links and SendGrid's webhook: a mail client's one-click unsubscribe
        // (RFC 8058) comes from anywhere; the token or the signature is the authority.
        || request.uri().path().starts_with("/email/")
    {
        return next.run(request).await;
    }
    tracing::warn!(
        method = %request.method(),
        path = %request.uri().path(),
        origin = ?request.headers().get(header::ORIGIN),
        "refused a cross-site request"
    );
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "This request came from another site and was refused. Go back, reload the page and try again.",
    )
        .into_response()
}

fn is_safe_method(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn is_same_origin(headers: &HeaderMap, site_url: &str) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    match text(header::HeaderName::from_static("sec-fetch-site")) {
        Some("same-origin") | Some("none") => return true,
        Some(_) => return false,
        None => {}
    }
    let Some(origin) = text(header::ORIGIN).or_else(|| text(header::REFERER)) else {
        return true; // not a browser request
    };
    let Ok(origin) = url::Url::parse(origin) else {
        return false;
    };
    let origin_authority = match origin.port() {
        Some(port) => format!("{}:{port}", origin.host_str().unwrap_or_default()),
        None => origin.host_str().unwrap_or_default().to_owned(),
    };
    let matches_host =
        text(header::HOST).is_some_and(|host| host.eq_ignore_ascii_case(&origin_authority));
    let matches_site = url::Url::parse(site_url).is_ok_and(|site| site.origin() == origin.origin());
    matches_host || matches_site
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    const SITE: &str = "https://blog.example";

    #[test]
    fn same_origin_fetch_metadata_passes() {
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            SITE
        ));
    }

    #[test]
    fn cross_site_fetch_metadata_is_refused() {
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            SITE
        ));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            SITE
        ));
    }

    #[test]
    fn origin_must_match_host_or_site() {
        assert!(is_same_origin(
            &headers(&[
                ("origin", "http://127.0.0.1:3000"),
                ("host", "127.0.0.1:3000")
            ]),
            SITE
        ));
        assert!(is_same_origin(
            &headers(&[
                ("origin", "https://blog.example"),
                ("host", "internal:8080")
            ]),
            SITE
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "https://evil.example"), ("host", "blog.example")]),
            SITE
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", "null"), ("host", "blog.example")]),
            SITE
        ));
        assert!(!is_same_origin(
            &headers(&[
                ("referer", "https://evil.example/x"),
                ("host", "blog.example")
            ]),
            SITE
        ));
    }

    #[test]
    fn non_browser_requests_pass() {
        assert!(is_same_origin(&headers(&[("host", "blog.example")]), SITE));
    }
}
