//! A real local OAuth 2.0 / OpenID Connect provider for a test (end2end/oauth-provider.mjs,
//! npm's oauth2-mock-server), standing in for Google and X on ports of its own, and the
//! browser-side steps of the authorization-code flow.

use super::redis_server::free_port;
use super::{Client, TestResponse};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct LocalProvider {
    pub google_port: u16,
    pub x_port: u16,
    pub control_port: u16,
    child: Child,
}

impl LocalProvider {
    pub fn start() -> Self {
        let (google_port, x_port, control_port) = (free_port(), free_port(), free_port());
        let root = env!("CARGO_MANIFEST_DIR");
        let child = Command::new("node")
            .arg(format!("{root}/end2end/oauth-provider.mjs"))
            .args([google_port, x_port, control_port].map(|p| p.to_string()))
            .current_dir(format!("{root}/end2end"))
            .stdout(Stdio::null())
            .spawn()
            .expect("node runs end2end/oauth-provider.mjs (npm ci in end2end/)");
        let provider = Self {
            google_port,
            x_port,
            control_port,
            child,
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", control_port)).is_ok() {
                return provider;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("the local OAuth provider did not start");
    }

    /// The variables that point Waypost's Google and X clients at this provider.
    pub fn vars(&self) -> Vec<(String, String)> {
        let g = format!("http://127.0.0.1:{}", self.google_port);
        let x = format!("http://127.0.0.1:{}", self.x_port);
        [
            ("GOOGLE_CLIENT_ID", "waypost-google".to_owned()),
            ("GOOGLE_CLIENT_SECRET", "google-secret".to_owned()),
            ("GOOGLE_AUTH_URL", format!("{g}/authorize")),
            ("GOOGLE_TOKEN_URL", format!("{g}/token")),
            ("GOOGLE_USERINFO_URL", format!("{g}/userinfo")),
            ("TWITTER_OAUTH2_CLIENT_ID", "waypost-x".to_owned()),
            ("TWITTER_OAUTH2_CLIENT_SECRET", "x-secret".to_owned()),
            ("TWITTER_AUTH_URL", format!("{x}/authorize")),
            ("TWITTER_TOKEN_URL", format!("{x}/token")),
            ("TWITTER_USERINFO_URL", format!("{x}/userinfo")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// Whoever signs in next with `provider` ("google" or "x").
    pub async fn set_identity(&self, provider: &str, identity: serde_json::Value) {
        let status = reqwest::Client::new()
            .post(format!(
                "http://127.0.0.1:{}/identity/{provider}",
                self.control_port
            ))
            .body(identity.to_string())
            .send()
            .await
            .expect("control endpoint")
            .status();
        assert_eq!(status, StatusCode::NO_CONTENT);
    }

    /// The authorization requests the provider saw (each with its PKCE challenge method).
    pub async fn authorizations(&self, provider: &str) -> serde_json::Value {
        reqwest::Client::new()
            .get(format!(
                "http://127.0.0.1:{}/authorizations/{provider}",
                self.control_port
            ))
            .send()
            .await
            .expect("control endpoint")
            .json()
            .await
            .expect("JSON")
    }
}

impl Drop for LocalProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where a redirect points (the `Location` header), or a panic naming the response.
pub fn location(response: &TestResponse) -> String {
    assert!(
        response.status.is_redirection(),
        "expected a redirect, got {}: {}",
        response.status,
        response.body
    );
    response.header("location").expect("Location").to_owned()
}

/// Follows the browser's part of the flow: the app's redirect to the provider, the
/// provider's (automatic) approval, and back: returns the callback path with `code` and
/// `state`, not yet sent to the app.
pub async fn authorize(start: &TestResponse) -> String {
    let to_provider = location(start);
    let approved = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(&to_provider)
        .send()
        .await
        .expect("provider's authorization endpoint");
    assert_eq!(approved.status(), StatusCode::FOUND, "provider approves");
    let back = approved.headers()[header::LOCATION]
        .to_str()
        .expect("location")
        .to_owned();
    let url = reqwest::Url::parse(&back).expect("callback URL");
    assert_eq!(
        url.host_str(),
        Some("127.0.0.1"),
        "back to Waypost's SITE_URL"
    );
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

impl Client {
    /// A plain HTML form POST from one of Waypost's pages.
    pub async fn form_post(&mut self, path: &str, body: &str, referer: &str) -> TestResponse {
        let request = Request::post(path)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ORIGIN, "http://127.0.0.1:3000")
            .header("sec-fetch-site", "same-origin")
            .header(header::REFERER, format!("http://127.0.0.1:3000{referer}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .body(Body::from(body.to_owned()))
            .expect("request");
        self.send(request).await
    }

    /// Signs in (or up) with a provider end to end; returns the callback's response.
    pub async fn social_login(&mut self, provider: &str) -> TestResponse {
        let start = self
            .get(&format!("/auth/{provider}/start?next=/writers"))
            .await;
        let callback = authorize(&start).await;
        self.get(&callback).await
    }
}
