//! Who is asking, and over what: the client address, scheme and host of every request.
//!
//! Behind a proxy (nginx, the PaaS load balancer) the socket peer is the proxy, so the real
//! values come from `X-Forwarded-For/Proto/Host` — but only when the peer is a proxy we
//! trust; anyone else could send those headers. The resolved [`ClientInfo`] goes into the
//! request's extensions for rate limiting, redirects and absolute URLs.
//!
//! The same middleware enforces `ALLOWED_HOSTS` (400 for an unknown `Host`, Django's
//! behaviour) and, with `SECURE_SSL_REDIRECT`, sends plain-HTTP requests to HTTPS. A request
//! that reached the proxy over HTTPS carries `X-Forwarded-Proto: https` and is never
//! redirected, so TLS at the proxy plus this redirect cannot loop.

use crate::config::{Config, ProxyTrust};
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::{IpAddr, SocketAddr};

pub use crate::request::ClientInfo;

/// Reads the client's address, scheme and host, trusting forwarded headers only from
/// trusted proxies. `tls` says whether this listener itself terminates TLS.
pub fn resolve(
    headers: &HeaderMap,
    uri: &Uri,
    peer: Option<IpAddr>,
    trust: &ProxyTrust,
    tls: bool,
) -> ClientInfo {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let from_proxy = peer.is_some_and(|ip| trust.trusts(ip));
    // HTTP/2 (offered by the TLS listener) carries the host in the URI, not in `Host`.
    let own_host = text(header::HOST.as_str()).or_else(|| uri.authority().map(|a| a.as_str()));
    let (host, port) = match (from_proxy, text("x-forwarded-host")) {
        // A proxy chain may list several hosts; the first is the client's.
        (true, Some(forwarded)) => split_host(forwarded.split(',').next().unwrap_or("").trim()),
        _ => own_host.map_or((None, None), split_host),
    };
    let https = if from_proxy {
        match text("x-forwarded-proto") {
            Some(proto) => proto
                .split(',')
                .next()
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("https")),
            None => tls,
        }
    } else {
        tls
    };
    let ip = if from_proxy {
        // Some proxies add a header line of their own instead of appending to the list:
        // all lines together, in order, are the chain.
        let chain = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        forwarded_client(Some(chain.as_str()).filter(|c| !c.is_empty()), trust).or(peer)
    } else {
        peer
    };
    ClientInfo {
        ip,
        https,
        host,
        port,
    }
}

/// The client in `X-Forwarded-For`: walking from the right (the entry our proxy appended),
/// skip trusted proxies; the first address that isn't one is the client. Entries further
/// left were written by the client itself and prove nothing.
fn forwarded_client(header: Option<&str>, trust: &ProxyTrust) -> Option<IpAddr> {
    let mut entries = header?
        .split(',')
        .rev()
        .filter_map(|entry| parse_forwarded_ip(entry.trim()));
    match trust {
        // Only the immediate peer is known to be a proxy: its own entry is the client.
        ProxyTrust::AnyPeer => entries.next(),
        _ => {
            let mut last = None;
            for ip in entries {
                last = Some(ip);
                if !trust.trusts(ip) {
                    return Some(ip);
                }
            }
            last
        }
    }
}

/// `203.0.113.7`, `203.0.113.7:5555`, `2001:db8::1`, `[2001:db8::1]:5555`.
fn parse_forwarded_ip(entry: &str) -> Option<IpAddr> {
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip);
    }
    entry.parse::<SocketAddr>().ok().map(|addr| addr.ip())
}

/// `Example.com:8443` → (`example.com`, 8443); `[::1]:3000` → (`[::1]`, 3000).
fn split_host(raw: &str) -> (Option<String>, Option<u16>) {
    let raw = raw.trim();
    if raw.is_empty() {
        return (None, None);
    }
    let (name, port) = if let Some(end) = raw.strip_prefix('[').and_then(|r| r.find(']')) {
        let name = &raw[..end + 2];
        let port = raw[end + 2..].strip_prefix(':');
        (name, port)
    } else {
        match raw.rsplit_once(':') {
            Some((name, port)) if !name.contains(':') => (name, Some(port)),
            _ => (raw, None),
        }
    };
    let port = match port {
        Some(p) => match p.parse::<u16>() {
            Ok(p) => Some(p),
            Err(_) => return (None, None),
        },
        None => None,
    };
    (Some(name.trim_end_matches('.').to_ascii_lowercase()), port)
}

/// Django's rule: `example.com` matches itself, `.example.com` the domain and every
/// subdomain, `*` anything; no list (development) allows any host.
pub fn host_allowed(host: Option<&str>, allowed: &[String]) -> bool {
    if allowed.is_empty() {
        return true;
    }
    let Some(host) = host else { return false };
    allowed.iter().any(|pattern| {
        pattern == "*"
            || pattern == host
            || pattern
                .strip_prefix('.')
                .is_some_and(|domain| host == domain || host.ends_with(pattern.as_str()))
    })
}

/// Resolves [`ClientInfo`], refuses unknown hosts, redirects plain HTTP when configured.
pub async fn client_info(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let config = &state.config;
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let info = resolve(
        request.headers(),
        request.uri(),
        peer,
        &config.proxy,
        config.tls.is_some(),
    );
    if !host_allowed(info.host.as_deref(), &config.allowed_hosts) {
        tracing::warn!(host = ?info.host, "refused a request for a host not in ALLOWED_HOSTS");
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Bad request: this site does not answer for that host name.",
        )
            .into_response();
    }
    if config.secure_ssl_redirect && !info.https && request.uri().path() != "/healthz" {
        if let Some(target) = https_url(&info, request.uri(), config) {
            return Redirect::permanent(&target).into_response();
        }
    }
    request.extensions_mut().insert(info);
    next.run(request).await
}

/// The HTTPS address of the same resource (host checked against `ALLOWED_HOSTS` already).
pub fn https_url(info: &ClientInfo, uri: &Uri, config: &Config) -> Option<String> {
    let host = info.host.as_deref()?;
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let port = match config.https_port {
        443 => String::new(),
        port => format!(":{port}"),
    };
    Some(format!("https://{host}{port}{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_static(v));
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_headers_from_an_untrusted_peer_are_ignored() {
        let h = headers(&[
            ("host", "blog.example"),
            ("x-forwarded-for", "198.51.100.9"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "evil.example"),
        ]);
        let trust = ProxyTrust::parse("10.0.0.0/8").unwrap();
        let uri = Uri::from_static("/");
        let info = resolve(&h, &uri, Some(ip("203.0.113.5")), &trust, false);
        assert_eq!(info.ip, Some(ip("203.0.113.5")));
        assert!(!info.https);
        assert_eq!(info.host.as_deref(), Some("blog.example"));
        let none = resolve(&h, &uri, Some(ip("10.0.0.2")), &ProxyTrust::None, false);
        assert_eq!(none.ip, Some(ip("10.0.0.2")));
        assert!(!none.https);
    }

    #[test]
    fn a_trusted_proxy_names_client_scheme_and_host() {
        let h = headers(&[
            ("host", "web:3000"),
            // The client wrote the first entry itself; nginx appended the real address.
            ("x-forwarded-for", "1.2.3.4, 198.51.100.9, 10.0.0.3"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "Blog.Example"),
        ]);
        let trust = ProxyTrust::parse("10.0.0.0/8, 127.0.0.1").unwrap();
        let uri = Uri::from_static("/");
        let info = resolve(&h, &uri, Some(ip("10.0.0.2")), &trust, false);
        assert_eq!(info.ip, Some(ip("198.51.100.9")));
        assert!(info.https);
        assert_eq!(info.host.as_deref(), Some("blog.example"));
        let any = resolve(
            &h,
            &uri,
            Some(ip("172.17.0.1")),
            &ProxyTrust::AnyPeer,
            false,
        );
        assert_eq!(any.ip, Some(ip("10.0.0.3")));
        // A second header line (HAProxy's way) is part of the chain, not ignored.
        let mut two = headers(&[("x-forwarded-for", "6.6.6.6")]);
        two.append("x-forwarded-for", HeaderValue::from_static("198.51.100.4"));
        let info = resolve(&two, &uri, Some(ip("10.0.0.2")), &trust, false);
        assert_eq!(info.ip, Some(ip("198.51.100.4")));
    }

    #[test]
    fn http2_requests_name_their_host_in_the_uri() {
        let uri = Uri::from_static("https://blog.example:8443/articles");
        let info = resolve(
            &HeaderMap::new(),
            &uri,
            Some(ip("203.0.113.5")),
            &ProxyTrust::None,
            true,
        );
        assert_eq!(info.host.as_deref(), Some("blog.example"));
        assert_eq!(info.port, Some(8443));
        assert!(info.https);
    }

    #[test]
    fn host_names_split_and_match_like_django() {
        assert_eq!(
            split_host("Example.COM:8443"),
            (Some("example.com".into()), Some(8443))
        );
        assert_eq!(split_host("[::1]:3000"), (Some("[::1]".into()), Some(3000)));
        assert_eq!(split_host("example.com:x"), (None, None));
        let allowed = vec![".example.com".to_owned(), "blog.test".to_owned()];
        assert!(host_allowed(Some("example.com"), &allowed));
        assert!(host_allowed(Some("www.example.com"), &allowed));
        assert!(host_allowed(Some("blog.test"), &allowed));
        assert!(!host_allowed(Some("badexample.com"), &allowed));
        assert!(!host_allowed(Some("evil.test"), &allowed));
        assert!(!host_allowed(None, &allowed));
        assert!(host_allowed(Some("anything"), &[]));
        assert!(host_allowed(Some("anything"), &["*".to_owned()]));
    }
}
