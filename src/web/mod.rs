//! The axum application: routes, the Leptos integration and the middleware stack.

pub mod feeds;
pub mod health;
pub mod security;

use crate::accounts::server::Backend;
use crate::app::{shell, App};
use crate::state::AppState;
use axum::routing::get;
use axum::Router;
use axum_login::AuthManagerLayerBuilder;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_redis_store::RedisStore;

pub const SESSION_COOKIE: &str = "waypost_session";

/// Builds the whole application for `state`; used by `main` and by the integration tests.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let production = state.config.production();

    let session_layer = SessionManagerLayer::new(RedisStore::new(state.redis.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(production)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(14)));
    let auth_layer =
        AuthManagerLayerBuilder::new(Backend::new(state.pool.clone()), session_layer).build();

    let leptos_context = security::provide_request_nonce;
    let upload_limit =
        axum::extract::DefaultBodyLimit::max(state.config.max_upload_bytes + 64 * 1024);
    let media = state
        .storage
        .local_root()
        .map(tower_http::services::ServeDir::new);
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/feed.xml", get(feeds::rss))
        .route("/sitemap.xml", get(feeds::sitemap))
        .route("/robots.txt", get(feeds::robots))
        // A little over the upload limit for the multipart framing; the handlers report the size.
        .route(
            "/media/upload",
            axum::routing::post(crate::media::upload::upload).layer(upload_limit),
        )
        .route(
            "/media/avatar",
            axum::routing::post(crate::media::upload::avatar).layer(upload_limit),
        )
        .leptos_routes_with_context(&state, routes, leptos_context, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(leptos_context, shell))
        .layer(auth_layer);
    let router = match media {
        Some(dir) => router.nest_service("/media", dir),
        None => router,
    };
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::cache::page_cache,
        ))
        .layer(axum::middleware::from_fn(
            crate::articles::server::recent::remember,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::csrf_guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::security_headers,
        ))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
