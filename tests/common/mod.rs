//! Test harness: the real application router on a fresh PostgreSQL database (from
//! `test_pool`) and the real Redis, with a per-test Redis key prefix.

#![allow(dead_code)]

pub mod oauth_provider;
pub mod redis_server;
pub mod smtp;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sqlx::PgPool;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use tower::ServiceExt;
use waypost::config::Config;
use waypost::state::AppState;

pub const PASSWORD: &str = "harbour-lantern-compass";

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
}

static NEXT_PREFIX: AtomicU64 = AtomicU64::new(0);

impl TestApp {
    pub async fn new(pool: PgPool) -> Self {
        Self::with_vars(pool, &[]).await
    }

    pub async fn with_vars(pool: PgPool, extra: &[(&str, &str)]) -> Self {
        let prefix: String = format!(
            "waypost-test:{}:{}:{}",
            std::process::id(),
            NEXT_PREFIX.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        );
        let redis_url = extra
            .iter()
            .find(|(k, _)| *k == "REDIS_URL")
            .map(|(_, v)| (*v).to_owned())
            .unwrap_or_else(|| {
                std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
            });
        let mut vars: HashMap<String, String> = HashMap::from([
            ("REDIS_URL".to_owned(), redis_url.clone()),
            ("REDIS_PREFIX".to_owned(), prefix.clone()),
            ("ENVIRONMENT_DEVELOPMENT".to_owned(), "true".to_owned()),
            // Tests make many accounts and comments from one address; the limits' own tests
            // set them low.
            ("SIGNUPS_PER_IP_PER_HOUR".to_owned(), "100000".to_owned()),
            ("SUBSCRIBES_PER_IP_PER_HOUR".to_owned(), "100000".to_owned()),
            (
                "COMMENTS_PER_USER_PER_MINUTE".to_owned(),
                "100000".to_owned(),
            ),
            // Only tests/cache.rs exercises the page cache (see the notes on a rare hang).
            ("PAGE_CACHE".to_owned(), "false".to_owned()),
            // Tests that need verified e-mail addresses say so (tests/mail.rs).
            ("REQUIRE_VERIFIED_EMAIL".to_owned(), "false".to_owned()),
            ("EMAIL_BACKEND".to_owned(), "console".to_owned()),
            ("SITE_URL".to_owned(), "http://127.0.0.1:3000".to_owned()),
            (
                "MEDIA_ROOT".to_owned(),
                std::env::temp_dir()
                    .join(format!("waypost-test-media-{}", prefix.replace(':', "-")))
                    .display()
                    .to_string(),
            ),
            // The pool comes from `test_pool`; this only satisfies production validation.
            (
                "DATABASE_URL".to_owned(),
                "postgres://postgres@127.0.0.1:5432/unused".to_owned(),
            ),
        ]);
        for (k, v) in extra {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        let config = Config::from_vars(vars).expect("test config");
        let redis = waypost::redis::connect(&redis_url)
            .await
            .expect("redis is running");
        let var = |name: &str| extra.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
        let leptos_options = leptos::prelude::LeptosOptions::builder()
            .output_name("waypost")
            .site_root(var("LEPTOS_SITE_ROOT").unwrap_or("target/site"))
            .site_pkg_dir("pkg")
            .build();
        let cache_redis = match var("CACHE_REDIS_URL") {
            Some(url) => waypost::redis::connect(url).await.expect("cache redis"),
            None => redis.clone(),
        };
        let state =
            AppState::build(config, leptos_options, pool, redis, cache_redis).expect("app state");
        TestApp {
            router: waypost::web::router(state.clone()),
            state,
        }
    }

    pub fn client(&self) -> Client {
        Client {
            router: self.router.clone(),
            cookie: None,
            ip: [127, 0, 0, 1],
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.state.pool
    }
}

pub struct Client {
    router: Router,
    /// The session cookie, kept like a browser would.
    pub cookie: Option<String>,
    pub ip: [u8; 4],
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent (images and other binary answers).
    pub bytes: Vec<u8>,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl Client {
    pub async fn send(&mut self, mut request: Request<Body>) -> TestResponse {
        if let Some(cookie) = &self.cookie {
            request
                .headers_mut()
                .insert(header::COOKIE, cookie.parse().expect("cookie header"));
        }
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(SocketAddr::from((
                self.ip, 40000,
            ))));
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router is infallible");
        for set_cookie in response.headers().get_all(header::SET_COOKIE) {
            let text = set_cookie.to_str().unwrap_or_default();
            if let Some(pair) = text.split(';').next() {
                if let Some((name, value)) = pair.split_once('=') {
                    if name == waypost::web::SESSION_COOKIE {
                        let expired = text.contains("Max-Age=0") || value.is_empty();
                        self.cookie = (!expired).then(|| pair.to_owned());
                    }
                }
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        let request = Request::get(path)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .body(Body::empty())
            .expect("request");
        self.send(request).await
    }

    /// Calls a server function the way the hydrated page does (same-origin fetch).
    pub async fn call(&mut self, endpoint: &str, fields: &[(&str, &str)]) -> TestResponse {
        let request = Request::post(format!("/sfn/{endpoint}"))
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header("sec-fetch-site", "same-origin")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(
                serde_urlencoded::to_string(fields).expect("form"),
            ))
            .expect("request");
        self.send(request).await
    }

    /// Signs up through the form, then logs in (the form itself signs no one in: only the
    /// e-mailed link does, in the same browser). Returns the form's answer.
    pub async fn signup(&mut self, username: &str, email: &str) -> TestResponse {
        let response = self.signup_form(username, email).await;
        if response.header("location") == Some("/signup/check-email") {
            let login = self.login(username, PASSWORD).await;
            assert_eq!(login.status, StatusCode::OK, "{}", login.body);
        }
        response
    }

    /// The sign-up form alone.
    pub async fn signup_form(&mut self, username: &str, email: &str) -> TestResponse {
        self.call(
            "signup",
            &[
                ("username", username),
                ("email", email),
                ("display_name", ""),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await
    }

    pub async fn login(&mut self, login: &str, password: &str) -> TestResponse {
        self.call("login", &[("login", login), ("password", password)])
            .await
    }

    pub async fn current_user(&mut self) -> serde_json::Value {
        let response = self.call("current_user", &[]).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        response.json()
    }
}

impl TestApp {
    /// A signed-in client for a new user in the given extra group ("writer") or none.
    pub async fn user(&self, username: &str, group: Option<&str>) -> Client {
        let mut client = self.client();
        let response = client
            .signup(username, &format!("{username}@example.com"))
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        if let Some(group) = group {
            let id = sqlx::query_scalar!("SELECT id FROM users WHERE username = $1", username)
                .fetch_one(self.pool())
                .await
                .expect("user");
            assert!(
                waypost::accounts::server::repo::add_to_group(self.pool(), id, group)
                    .await
                    .unwrap()
            );
        }
        client
    }

    pub async fn staff(&self, username: &str) -> Client {
        let client = self.user(username, None).await;
        sqlx::query!(
            "UPDATE users SET is_staff = TRUE WHERE username = $1",
            username
        )
        .execute(self.pool())
        .await
        .expect("staff");
        client
    }
}

impl Client {
    /// Saves an article through the editor's server function; returns the response.
    pub async fn save_article(
        &mut self,
        id: Option<i64>,
        title: &str,
        body: &str,
        intent: &str,
    ) -> TestResponse {
        let id = id.map(|i| i.to_string()).unwrap_or_default();
        let mut fields = vec![
            ("title", title),
            ("summary", "A short summary."),
            ("body", body),
            ("tags", "Peru, slow travel"),
            ("cover_image", ""),
            ("cover_alt", ""),
            ("intent", intent),
        ];
        if !id.is_empty() {
            fields.push(("id", &id));
        }
        self.call("save_article", &fields).await
    }

    /// Publishes and returns the new slug.
    pub async fn publish(&mut self, title: &str, body: &str) -> String {
        let response = self.save_article(None, title, body, "publish").await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        response.json().as_str().expect("slug").to_owned()
    }
}

/// Polls `check` every 50 ms until it gives a value; fails the test after `timeout`.
pub async fn wait_for<T>(
    what: &str,
    timeout: std::time::Duration,
    mut check: impl FnMut() -> Option<T>,
) -> T {
    let started = std::time::Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

pub async fn article_id(pool: &PgPool, slug: &str) -> i64 {
    sqlx::query_scalar!("SELECT id FROM articles WHERE slug = $1", slug)
        .fetch_one(pool)
        .await
        .expect("article")
}

static NEXT_DATABASE: AtomicU64 = AtomicU64::new(0);

/// A fresh, migrated database for one test, created and connected from the test's own
/// runtime. (`#[sqlx::test]` keeps one static pool across tests, each on its own runtime,
/// and a connection released from a runtime that is shutting down strands that pool: a
/// test then hangs forever. Seen a few times; this harness avoids the shared pool.)
/// Databases are named `waypost_test_<pid>_<n>`; `scripts/test` drops old ones.
pub async fn test_pool() -> PgPool {
    let (base, name) = empty_database("waypost_test").await;
    let options = <sqlx::postgres::PgConnectOptions as std::str::FromStr>::from_str(&base)
        .expect("DATABASE_URL parses")
        .database(&name)
        .application_name("waypost-test");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(8)
        .acquire_timeout(std::time::Duration::from_secs(30))
        .connect_with(options)
        .await
        .expect("connect to the test database");
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .expect("migrations apply");
    pool
}

/// A new, empty database `<prefix>_<pid>_<n>` on the server of `DATABASE_URL`: returns that
/// server's URL and the database's name.
pub async fn empty_database(prefix: &str) -> (String, String) {
    use sqlx::{Connection, Executor};
    let base = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let name = format!(
        "{prefix}_{}_{}",
        std::process::id(),
        NEXT_DATABASE.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = sqlx::PgConnection::connect(&base)
        .await
        .expect("PostgreSQL is running (DATABASE_URL)");
    admin
        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await
        .expect("drop old test database");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    admin.close().await.ok();
    (base, name)
}

// The JSON API, as a script calls it.

pub async fn api(
    client: &mut Client,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> TestResponse {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "127.0.0.1:3000");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Token {token}"));
    }
    let request = match body {
        Some(body) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .expect("request");
    client.send(request).await
}

pub fn error_of(response: &TestResponse, field: &str) -> String {
    response.json()["errors"][field][0]
        .as_str()
        .unwrap_or_else(|| panic!("no error for {field}: {}", response.body))
        .to_owned()
}

/// Registers `name` through the API; returns its JWT.
pub async fn register(client: &mut Client, name: &str) -> String {
    let response = api(
        client,
        Method::POST,
        "/api/users",
        None,
        Some(json!({"user": {"username": name, "email": format!("{name}@example.com"), "password": PASSWORD}})),
    )
    .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    response.json()["user"]["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// A plain same-origin form POST, as a browser without JavaScript sends it.
pub fn form(path: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .expect("request")
}
