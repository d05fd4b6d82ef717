//! The HTTP layer: health, security headers, CSRF refusal, sessions and error pages.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::TestApp;

#[tokio::test]
async fn healthz_reports_database_and_redis() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    let response = app.client().get("/healthz").await;
    assert_eq!(response.status, StatusCode::OK);
    let json = response.json();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["database"], "ok");
    assert_eq!(json["redis"], "ok");
    assert_eq!(
        json["page_cache"]["enabled"], false,
        "off unless a test turns it on"
    );
}

#[tokio::test]
async fn healthz_is_503_when_the_database_is_down() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    pool.close().await;
    let response = app.client().get("/healthz").await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.json()["database"], "down");
    assert_eq!(response.json()["redis"], "ok");
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    let response = app.client().get("/").await;
    assert_eq!(response.status, StatusCode::OK);
    let csp = response.header("content-security-policy").expect("CSP");
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("script nonce");
    assert!(
        response.body.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries the header's nonce"
    );
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(response.header("x-frame-options"), Some("DENY"));
    assert_eq!(
        response.header("referrer-policy"),
        Some("strict-origin-when-cross-origin")
    );
    assert!(
        response.header("strict-transport-security").is_none(),
        "no HSTS in development"
    );

    // A second request gets a fresh nonce.
    let again = app.client().get("/").await;
    assert_ne!(again.header("content-security-policy"), Some(csp));
}

#[tokio::test]
async fn production_adds_hsts_and_secure_cookies() {
    let pool = common::test_pool().await;
    let secret = "p".repeat(48);
    let app = TestApp::with_vars(
        pool,
        &[
            ("ENVIRONMENT_DEVELOPMENT", "false"),
            ("SECRET_KEY", &secret),
            ("ALLOWED_HOSTS", "127.0.0.1"),
        ],
    )
    .await;
    let mut client = app.client();
    let response = client.get("/").await;
    assert!(response
        .header("strict-transport-security")
        .unwrap()
        .contains("max-age="));
    let response = client.signup("ana", "ana@example.com").await;
    let cookie = response.header("set-cookie").expect("session cookie");
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn session_cookie_is_httponly_and_lax_and_anonymous_get_none() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    let mut client = app.client();
    let page = client.get("/").await;
    assert!(
        page.header("set-cookie").is_none(),
        "no session for anonymous readers"
    );
    let response = client.signup("ana", "ana@example.com").await;
    let cookie = response.header("set-cookie").expect("session cookie");
    assert!(cookie.starts_with("waypost_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP in development: {cookie}"
    );
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut victim = app.client();
    victim.signup("ana", "ana@example.com").await;

    let forged = |origin_header: (&'static str, &'static str)| {
        Request::post("/sfn/update_profile")
            .header(header::HOST, "127.0.0.1:3000")
            .header(origin_header.0, origin_header.1)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("display_name=pwned&bio=&x_handle=&website="))
            .unwrap()
    };
    for origin in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("referer", "https://evil.example/attack.html"),
    ] {
        let response = victim.send(forged(origin)).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{origin:?}");
    }
    let name = sqlx::query_scalar!("SELECT display_name FROM profiles")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_ne!(name, "pwned");

    // The same request from the site itself goes through.
    let response = victim
        .send(forged(("origin", "http://127.0.0.1:3000")))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

#[tokio::test]
async fn unknown_paths_get_the_styled_404() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    let response = app.client().get("/no/such/page").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert!(
        response.body.contains("This page wandered off"),
        "{}",
        response.body
    );
    let response = app.client().get("/authors/nobody-here").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert!(response.body.contains("This page wandered off"));
}

#[tokio::test]
async fn pages_render_for_everyone() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    let mut client = app.client();
    for path in ["/", "/login", "/signup", "/logout"] {
        let response = client.get(path).await;
        assert_eq!(response.status, StatusCode::OK, "{path}");
        assert!(response.body.contains("<main"), "{path}");
    }
    // Anonymous visitors are sent to log in from their account page.
    let response = client.get("/account").await;
    assert!(response.status.is_redirection(), "{}", response.status);
    assert_eq!(response.header("location"), Some("/login?next=/account"));
}

#[tokio::test]
async fn forms_without_javascript_redirect_back_with_the_error() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    let mut browser = app.client();
    let request = Request::post("/sfn/login")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::REFERER, "http://127.0.0.1:3000/login")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("next=&login=nobody&password=wrong-password-1"))
        .unwrap();
    let response = browser.send(request).await;
    assert_eq!(response.status, StatusCode::FOUND, "{}", response.body);
    let location = response.header("location").expect("back to the form");
    assert!(
        location.starts_with("http://127.0.0.1:3000/login?__path="),
        "{location}"
    );

    // The form page shows the error when it is rendered from that URL.
    let page = browser
        .get(location.trim_start_matches("http://127.0.0.1:3000"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("match an active account"),
        "error shown on the page"
    );
}

/// Does the page load the wasm bundle (the hydration scripts in its `<head>`)?
fn loads_wasm(html: &str) -> bool {
    html.contains("rel=\"modulepreload\"") || html.contains("<script type=\"module\"")
}

#[tokio::test]
async fn only_pages_with_islands_load_the_wasm() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    let mut writer = app.user("scriptwriter", Some("writer")).await;
    let slug = writer
        .publish("Night bus to Cusco", "Twelve hours, one blanket.")
        .await;
    let story = format!("/articles/{slug}");
    let reading_pages = [
        "/",
        "/search?q=cusco",
        "/writers",
        "/authors/scriptwriter",
        "/places",
    ];

    let mut anonymous = app.client();
    for path in reading_pages {
        let page = anonymous.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!loads_wasm(&page.body), "{path} loads wasm:\n{}", page.body);
        assert!(page.body.contains("</main>"), "{path} is whole");
    }
    for path in ["/login", "/signup", story.as_str()] {
        let page = anonymous.get(path).await;
        assert!(page.body.contains("<leptos-island"), "{path}");
        assert!(loads_wasm(&page.body), "{path} lost its scripts");
    }

    // Signed in, the header's "Log out" is a plain form: reading pages stay script-free.
    for path in reading_pages {
        let page = writer.get(path).await;
        assert!(page.body.contains("action=\"/sfn/logout\""), "{path}");
        assert!(
            !loads_wasm(&page.body),
            "{path} loads wasm for a signed-in reader"
        );
    }
    assert!(loads_wasm(&writer.get("/articles/new").await.body));

    // That form logs out without JavaScript.
    let mut logout = common::form("/sfn/logout", "");
    let headers = logout.headers_mut();
    headers.insert(header::ACCEPT, "text/html".parse().unwrap());
    headers.insert(
        header::REFERER,
        "http://127.0.0.1:3000/writers".parse().unwrap(),
    );
    let response = writer.send(logout).await;
    assert!(response.status.is_redirection(), "{}", response.status);
    assert_eq!(response.header("location"), Some("/"));
    assert!(
        writer.get("/account").await.status.is_redirection(),
        "logged out"
    );
}

/// A chunk of the bundle fetched with a session cookie whose session just ended (the page's
/// form signed someone in, which changes the session id) must not answer with a cookie that
/// deletes the new session.
#[tokio::test]
async fn files_never_touch_the_session_cookie() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    let mut client = app.client();
    let with_stale_cookie = |path: &str| {
        Request::get(path)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::COOKIE, "waypost_session=gone-since-sign-in")
            .body(Body::empty())
            .unwrap()
    };
    for path in [
        "/favicon.svg",
        "/pkg/waypost.wasm",
        "/pkg/missing-chunk.wasm",
    ] {
        let response = client.send(with_stale_cookie(path)).await;
        assert_eq!(
            response.header("set-cookie"),
            None,
            "{path}: {}",
            response.status
        );
    }
    // A page still sees the cookie: its stale session is cleared as before.
    let response = client.send(with_stale_cookie("/writers")).await;
    assert!(
        response
            .header("set-cookie")
            .is_some_and(|c| c.contains("Max-Age=0")),
        "{:?}",
        response.header("set-cookie")
    );
}
