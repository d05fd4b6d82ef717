//! Listening: plain HTTP (development, or behind a TLS-terminating proxy) or HTTPS with
//! rustls (`TLS_CERT_FILE`/`TLS_KEY_FILE`, e.g. mkcert's files), plus the plain-HTTP port
//! that redirects to HTTPS. Shutdown is graceful: on the signal, listeners stop accepting and
//! in-flight requests get [`DRAIN_TIMEOUT`] to finish.

use super::proxy::{host_allowed, https_url, resolve};
use crate::config::{Config, ProxyTrust, TlsFiles};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot load the TLS certificate {cert} / key {key}: {source}")]
    Tls {
        cert: String,
        key: String,
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Serve(#[from] std::io::Error),
}

/// Bound sockets, so callers (and tests) know the ports before serving.
pub struct Listeners {
    pub main: std::net::TcpListener,
    /// With TLS: the plain-HTTP listener that only redirects.
    pub redirect: Option<std::net::TcpListener>,
}

impl Listeners {
    pub fn bind(addr: SocketAddr, config: &Config) -> Result<Self, ListenError> {
        let redirect = match config.http_redirect_port {
            Some(port) => Some(bind(SocketAddr::new(addr.ip(), port))?),
            None => None,
        };
        Ok(Self {
            main: bind(addr)?,
            redirect,
        })
    }
}

fn bind(addr: SocketAddr) -> Result<std::net::TcpListener, ListenError> {
    let listener =
        std::net::TcpListener::bind(addr).map_err(|source| ListenError::Bind { addr, source })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| ListenError::Bind { addr, source })?;
    Ok(listener)
}

/// rustls needs one process-wide crypto provider; test builds link two (ring and aws-lc),
/// so choose it explicitly.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub async fn load_tls(files: &TlsFiles) -> Result<RustlsConfig, ListenError> {
    install_crypto_provider();
    RustlsConfig::from_pem_file(&files.cert, &files.key)
        .await
        .map_err(|source| ListenError::Tls {
            cert: files.cert.display().to_string(),
            key: files.key.display().to_string(),
            source,
        })
}

/// Serves `app` until `shutdown` completes, then drains in-flight requests.
pub async fn serve(
    app: Router,
    config: &Config,
    listeners: Listeners,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ListenError> {
    let handle = axum_server::Handle::<SocketAddr>::new();
    let redirect_handle = axum_server::Handle::<SocketAddr>::new();
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    let redirect_task = listeners.redirect.map(|listener| {
        let redirect = https_redirect_router(Arc::new(config.clone()))
            .into_make_service_with_connect_info::<SocketAddr>();
        let handle = redirect_handle.clone();
        tokio::spawn(async move {
            let server = axum_server::from_tcp(listener)?;
            server.handle(handle).serve(redirect).await
        })
    });
    {
        let handle = handle.clone();
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!("draining in-flight requests");
            redirect_handle.graceful_shutdown(Some(DRAIN_TIMEOUT));
            handle.graceful_shutdown(Some(DRAIN_TIMEOUT));
        });
    }
    match &config.tls {
        Some(files) => {
            let tls = load_tls(files).await?;
            axum_server::from_tcp_rustls(listeners.main, tls)?
                .handle(handle)
                .serve(service)
                .await?
        }
        None => {
            axum_server::from_tcp(listeners.main)?
                .handle(handle)
                .serve(service)
                .await?
        }
    }
    if let Some(task) = redirect_task {
        match task.await {
            Ok(result) => result?,
            Err(join) => tracing::error!(error = %join, "the HTTP redirect listener panicked"),
        }
    }
    Ok(())
}

/// The plain-HTTP side of direct TLS: every request is sent to the same path over HTTPS.
pub fn https_redirect_router(config: Arc<Config>) -> Router {
    Router::new().fallback(move |headers: HeaderMap, uri: Uri| {
        let config = config.clone();
        async move { redirect_to_https(&headers, &uri, &config) }
    })
}

fn redirect_to_https(headers: &HeaderMap, uri: &Uri, config: &Config) -> Response {
    let info = resolve(headers, uri, None, &ProxyTrust::None, false);
    // Only to our own hosts: never an open redirect to whatever Host a client sends.
    if !host_allowed(info.host.as_deref(), &config.allowed_hosts) {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Bad request: this site does not answer for that host name.",
        )
            .into_response();
    }
    match https_url(&info, uri, config) {
        Some(target) => Redirect::permanent(&target).into_response(),
        None => (
            StatusCode::BAD_REQUEST,
            "Bad request: the Host header is missing.",
        )
            .into_response(),
    }
}
