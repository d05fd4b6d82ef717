//! Serving in production: HTTPS with rustls and the HTTP→HTTPS redirect listener, trusted
//! proxy headers (and no redirect loop behind a TLS-terminating proxy), the Host check,
//! HSTS only in production, static files precompressed with cache headers, media headers.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{TestApp, TestResponse};
use std::net::SocketAddr;
use std::path::PathBuf;
use waypost::web::listen::{self, Listeners};

const SECRET: &str = "a-test-secret-key-that-is-long-enough-0123456789";

fn production_vars() -> Vec<(&'static str, &'static str)> {
    vec![
        ("ENVIRONMENT_DEVELOPMENT", "false"),
        ("SECRET_KEY", SECRET),
        ("ALLOWED_HOSTS", "blog.example,.travel.example"),
        ("SITE_URL", "https://blog.example"),
    ]
}

/// A request as a peer at `peer` sends it, with the given extra headers.
async fn from_peer(
    app: &TestApp,
    peer: [u8; 4],
    path: &str,
    headers: &[(&str, &str)],
) -> TestResponse {
    let mut client = app.client();
    client.ip = peer;
    let mut request = Request::get(path).header(header::ACCEPT, "text/html");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    client
        .send(request.body(Body::empty()).expect("request"))
        .await
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "waypost-deploy-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A self-signed certificate for `localhost`, as mkcert would make (PEM files).
fn certificate(dir: &std::path::Path) -> (PathBuf, PathBuf, reqwest::Certificate) {
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("certificate");
    let cert_pem = generated.cert.pem();
    let cert = dir.join("localhost.pem");
    let key = dir.join("localhost-key.pem");
    std::fs::write(&cert, &cert_pem).expect("write cert");
    std::fs::write(&key, generated.signing_key.serialize_pem()).expect("write key");
    (
        cert,
        key,
        reqwest::Certificate::from_pem(cert_pem.as_bytes()).expect("reqwest cert"),
    )
}

fn loopback_listener() -> std::net::TcpListener {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    listener
}

#[tokio::test]
async fn serves_https_directly_and_redirects_plain_http() {
    let dir = temp_dir("tls");
    let (cert, key, root) = certificate(&dir);
    let main = loopback_listener();
    let redirect = loopback_listener();
    let https: SocketAddr = main.local_addr().expect("addr");
    let http: SocketAddr = redirect.local_addr().expect("addr");
    let https_port = https.port().to_string();
    let app = TestApp::with_vars(
        common::test_pool().await,
        &[
            ("TLS_CERT_FILE", cert.to_str().expect("path")),
            ("TLS_KEY_FILE", key.to_str().expect("path")),
            ("HTTPS_PORT", &https_port),
            ("SITE_URL", "https://localhost"),
        ],
    )
    .await;
    let config = app.state.config.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn({
        let router = app.router.clone();
        async move {
            listen::serve(
                router,
                &config,
                Listeners {
                    main,
                    redirect: Some(redirect),
                },
                async {
                    let _ = stopped.await;
                },
            )
            .await
        }
    });

    let client = reqwest::Client::builder()
        .add_root_certificate(root)
        .resolve("localhost", https)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = client
        .get(format!("https://localhost:{https_port}/"))
        .send()
        .await
        .expect("HTTPS request");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers().get("strict-transport-security").is_none(),
        "no HSTS in development, even over HTTPS"
    );
    let body = page.text().await.expect("body");
    assert!(body.contains("<!DOCTYPE html>"), "a page over TLS");

    // A plain-HTTP client gets a TLS handshake failure, not a page, on the HTTPS port.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{https_port}/"))
        .send()
        .await;
    assert!(plain.map(|r| r.status() != StatusCode::OK).unwrap_or(true));

    // The plain-HTTP port answers every path with a permanent redirect to the same path.
    let redirected = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("http://127.0.0.1:{}/search?q=lima", http.port()))
        .header("host", format!("localhost:{}", http.port()))
        .send()
        .await
        .expect("HTTP request");
    assert_eq!(redirected.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        redirected.headers()[header::LOCATION],
        format!("https://localhost:{https_port}/search?q=lima").as_str()
    );

    // Following that redirect lands on the page (no loop).
    let following = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(&cert).expect("cert")).expect("cert"),
        )
        .resolve("localhost", https)
        .build()
        .expect("client");
    let landed = following
        .get(format!("http://127.0.0.1:{}/healthz", http.port()))
        .header("host", "localhost")
        .send()
        .await
        .expect("followed");
    assert_eq!(landed.status(), StatusCode::OK);
    assert_eq!(landed.url().scheme(), "https");

    stop.send(()).expect("server running");
    let finished = tokio::time::timeout(std::time::Duration::from_secs(40), server)
        .await
        .expect("graceful shutdown completes")
        .expect("server task");
    assert!(finished.is_ok(), "{finished:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn redirect_listener_refuses_foreign_hosts() {
    let mut vars = production_vars();
    vars.push(("TLS_CERT_FILE", "unused.pem"));
    vars.push(("TLS_KEY_FILE", "unused-key.pem"));
    let app = TestApp::with_vars(common::test_pool().await, &vars).await;
    let router = listen::https_redirect_router(app.state.config.clone());
    use tower::ServiceExt;
    let response = router
        .clone()
        .oneshot(
            Request::get("/x")
                .header("host", "evil.example")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "no open redirect"
    );
    let response = router
        .oneshot(
            Request::get("/x?y=1")
                .header("host", "www.travel.example")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        response.headers()[header::LOCATION],
        "https://www.travel.example:3000/x?y=1"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_https_requests_are_never_redirected() {
    let mut vars = production_vars();
    vars.push(("TRUSTED_PROXIES", "10.0.0.0/8"));
    vars.push(("SECURE_SSL_REDIRECT", "true"));
    let app = TestApp::with_vars(common::test_pool().await, &vars).await;
    let proxy = [10, 0, 0, 2];

    // nginx forwards a request that reached it over HTTPS: served, no redirect.
    let over_https = from_peer(
        &app,
        proxy,
        "/",
        &[
            ("host", "web:3000"),
            ("x-forwarded-host", "blog.example"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-for", "198.51.100.7"),
        ],
    )
    .await;
    assert_eq!(over_https.status, StatusCode::OK, "{}", over_https.body);
    assert!(over_https
        .header("strict-transport-security")
        .is_some_and(|v| v.contains("max-age=")));

    // The same request that reached the proxy over plain HTTP is sent to HTTPS once...
    let over_http = from_peer(
        &app,
        proxy,
        "/search?q=andes",
        &[
            ("host", "web:3000"),
            ("x-forwarded-host", "blog.example"),
            ("x-forwarded-proto", "http"),
        ],
    )
    .await;
    assert_eq!(over_http.status, StatusCode::PERMANENT_REDIRECT);
    let location = over_http.header("location").expect("location").to_owned();
    assert_eq!(location, "https://blog.example/search?q=andes");

    // ...and following it (the proxy now says https) ends on the page: no loop.
    let followed = from_peer(
        &app,
        proxy,
        "/search?q=andes",
        &[
            ("host", "web:3000"),
            ("x-forwarded-host", "blog.example"),
            ("x-forwarded-proto", "https"),
        ],
    )
    .await;
    assert_eq!(followed.status, StatusCode::OK);

    // The health check is reachable over plain HTTP for load balancers.
    let health = from_peer(&app, proxy, "/healthz", &[("host", "blog.example")]).await;
    assert_eq!(health.status, StatusCode::OK);
}

#[tokio::test]
async fn forwarded_headers_count_only_from_trusted_proxies() {
    let mut vars = production_vars();
    vars.push(("TRUSTED_PROXIES", "10.0.0.0/8"));
    vars.push(("SECURE_SSL_REDIRECT", "true"));
    let app = TestApp::with_vars(common::test_pool().await, &vars).await;

    // An outsider claiming to be behind HTTPS is still redirected (its header is ignored)...
    let spoofed = from_peer(
        &app,
        [203, 0, 113, 9],
        "/",
        &[("host", "blog.example"), ("x-forwarded-proto", "https")],
    )
    .await;
    assert_eq!(spoofed.status, StatusCode::PERMANENT_REDIRECT);
    // ...and cannot choose the host either: its own Host header is checked.
    let spoofed_host = from_peer(
        &app,
        [203, 0, 113, 9],
        "/",
        &[
            ("host", "evil.example"),
            ("x-forwarded-host", "blog.example"),
            ("x-forwarded-proto", "https"),
        ],
    )
    .await;
    assert_eq!(spoofed_host.status, StatusCode::BAD_REQUEST);
}

/// Failed logins through the proxy are counted per real client, and a client sending its own
/// X-Forwarded-For cannot dodge the limit.
#[tokio::test]
async fn login_rate_limit_uses_the_forwarded_client_address() {
    let app = TestApp::with_vars(
        common::test_pool().await,
        &[
            ("TRUSTED_PROXIES", "127.0.0.1"),
            ("LOGIN_ATTEMPTS_PER_IP", "2"),
        ],
    )
    .await;
    let attempt = |forwarded: &'static str, n: usize| {
        let mut client = app.client();
        async move {
            let request = Request::post("/sfn/login")
                .header(header::HOST, "127.0.0.1:3000")
                .header("sec-fetch-site", "same-origin")
                .header("x-forwarded-for", forwarded)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "application/json")
                .body(Body::from(format!(
                    "login=nobody{n}&password=wrong-password-123"
                )))
                .expect("request");
            client.send(request).await.status
        }
    };
    assert_ne!(
        attempt("198.51.100.1", 1).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_ne!(
        attempt("198.51.100.1", 2).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        attempt("198.51.100.1", 3).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the third failure from one client is limited"
    );
    assert_ne!(
        attempt("198.51.100.2", 4).await,
        StatusCode::TOO_MANY_REQUESTS,
        "another client behind the same proxy is not"
    );
    // Prepending addresses to the header (the client's own part) changes nothing.
    assert_eq!(
        attempt("6.6.6.6, 198.51.100.1", 5).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn production_checks_the_host_and_sends_hsts() {
    let app = TestApp::with_vars(common::test_pool().await, &production_vars()).await;
    let peer = [203, 0, 113, 1];
    let ok = from_peer(&app, peer, "/", &[("host", "blog.example")]).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.header("strict-transport-security").is_some());
    let sub = from_peer(&app, peer, "/", &[("host", "www.travel.example:443")]).await;
    assert_eq!(
        sub.status,
        StatusCode::OK,
        "a .domain pattern covers subdomains"
    );
    for host in [
        "evil.example",
        "blog.example.evil.example",
        "travel.example.evil",
    ] {
        let refused = from_peer(&app, peer, "/", &[("host", host)]).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{host}");
        assert!(refused.body.contains("host name"));
    }
    let missing = from_peer(&app, peer, "/", &[]).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);

    let development = TestApp::new(common::test_pool().await).await;
    let page = development.client().get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header("strict-transport-security").is_none());
}

#[tokio::test]
async fn responses_carry_a_request_id() {
    let app = TestApp::new(common::test_pool().await).await;
    let made = app.client().get("/healthz").await;
    let id = made.header("x-request-id").expect("an id is made");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let kept = from_peer(
        &app,
        [127, 0, 0, 1],
        "/healthz",
        &[("host", "127.0.0.1"), ("x-request-id", "nginx-abc123")],
    )
    .await;
    assert_eq!(kept.header("x-request-id"), Some("nginx-abc123"));
}

/// A site root like cargo-leptos's release output, precompressed by scripts/precompress.
fn site_root() -> PathBuf {
    let root = temp_dir("site");
    std::fs::create_dir_all(root.join("pkg")).expect("pkg");
    let js = "export function hydrate() {}\n".repeat(100);
    std::fs::write(root.join("pkg/waypost.Xk3f9_aQ2mB7cD1eF4gH6j.js"), &js).expect("js");
    std::fs::write(
        root.join("pkg/waypost.Xk3f9_aQ2mB7cD1eF4gH6j.js.br"),
        b"BROTLI-BYTES",
    )
    .expect("br");
    std::fs::write(
        root.join("pkg/waypost.Xk3f9_aQ2mB7cD1eF4gH6j.js.gz"),
        b"GZIP-BYTES",
    )
    .expect("gz");
    std::fs::write(root.join("pkg/unhashed.js"), "export {}").expect("unhashed");
    std::fs::write(root.join("favicon.ico"), [0u8, 0, 1, 0, 1, 0]).expect("ico");
    root
}

async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> TestResponse {
    let mut all = vec![("host", "127.0.0.1:3000")];
    all.extend_from_slice(headers);
    from_peer(app, [127, 0, 0, 1], path, &all).await
}

#[tokio::test]
async fn static_files_are_precompressed_and_cached_by_name() {
    let root = site_root();
    let app = TestApp::with_vars(
        common::test_pool().await,
        &[("LEPTOS_SITE_ROOT", root.to_str().expect("path"))],
    )
    .await;
    let path = "/pkg/waypost.Xk3f9_aQ2mB7cD1eF4gH6j.js";
    let br = get_with(&app, path, &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(br.status, StatusCode::OK);
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert_eq!(br.body, "BROTLI-BYTES", "the file written at build time");
    assert_eq!(
        br.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert!(br
        .header("content-type")
        .is_some_and(|t| t.contains("javascript")));
    assert!(br
        .header("vary")
        .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));

    let gz = get_with(&app, path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_eq!(gz.body, "GZIP-BYTES");

    let identity = get_with(&app, path, &[]).await;
    assert_eq!(identity.header("content-encoding"), None);
    assert!(identity.body.starts_with("export function hydrate"));

    // Unhashed files: revalidated every time, 304 while unchanged.
    let unhashed = get_with(&app, "/pkg/unhashed.js", &[]).await;
    assert_eq!(unhashed.header("cache-control"), Some("no-cache"));
    let icon = get_with(&app, "/favicon.ico", &[]).await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.header("cache-control"), Some("no-cache"));
    let etag = icon.header("etag").expect("an ETag").to_owned();
    let again = get_with(&app, "/favicon.ico", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let changed = get_with(&app, "/favicon.ico", &[("if-none-match", "W/\"other\"")]).await;
    assert_eq!(changed.status, StatusCode::OK);

    // Not a file: the app's styled 404 page.
    let missing = get_with(&app, "/pkg/nothing-here.js", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("<!DOCTYPE html>"));
    let _ = std::fs::remove_dir_all(root);
}

#[tokio::test]
async fn media_files_are_never_sniffed_or_rendered() {
    let app = TestApp::new(common::test_pool().await).await;
    let root = app
        .state
        .storage
        .local_root()
        .expect("local media")
        .to_path_buf();
    std::fs::create_dir_all(&root).expect("media root");
    std::fs::write(root.join("stray.html"), "<script>alert(1)</script>").expect("html");
    std::fs::write(root.join("photo.png"), [0x89, b'P', b'N', b'G']).expect("png");
    let stray = get_with(&app, "/media/stray.html", &[]).await;
    assert_eq!(stray.status, StatusCode::OK);
    assert_eq!(
        stray.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(stray.header("content-disposition"), Some("attachment"));
    assert_eq!(stray.header("x-content-type-options"), Some("nosniff"));
    let photo = get_with(&app, "/media/photo.png", &[]).await;
    assert_eq!(photo.header("content-type"), Some("image/png"));
    assert_eq!(photo.header("x-content-type-options"), Some("nosniff"));
    let _ = std::fs::remove_dir_all(root);
}
