//! The axum application: routes, the Leptos integration and the middleware stack.

pub mod assets;
pub mod feeds;
pub mod forms;
pub mod health;
pub mod legacy;
pub mod listen;
pub mod page_cache;
pub mod proxy;
pub mod scripts;
pub mod security;
pub mod session_refresh;

use crate::accounts::server::{social, Backend};
use crate::admin::server::actions as admin;
use crate::app::{shell, App};
use crate::state::AppState;
use axum::routing::get;
use axum::Router;
use axum_login::AuthManagerLayerBuilder;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_redis_store::RedisStore;

pub const SESSION_COOKIE: &str = "waypost_session";

/// The tracing span of one request: every log line it causes names its request id (taken
/// from the proxy, which sets one, or made by `SetRequestIdLayer`).
fn request_span(request: &axum::extract::Request) -> tracing::Span {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
    )
}

const REQUEST_ID: http::HeaderName = http::HeaderName::from_static("x-request-id");

/// Builds the whole application for `state`; used by `main` and by the integration tests.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let production = state.config.production();

    let session_layer = SessionManagerLayer::new(RedisStore::new(state.redis.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(production)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(
            session_refresh::SESSION_DAYS,
        )));
    let auth_layer =
        AuthManagerLayerBuilder::new(Backend::new(state.pool.clone()), session_layer).build();

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
        // The Django blog's addresses (after `waypost import-django`).
        .merge(legacy::routes())
        // Subscriptions by e-mail: the forms and the e-mails' links.
        .merge(crate::subscriptions::forms::routes())
        // Social sign-in (plain redirects and forms: no JavaScript involved).
        .route("/auth/{provider}/start", get(social::start))
        .route("/auth/{provider}/callback", get(social::callback))
        .route("/auth/{provider}/link", axum::routing::post(social::link))
        .route(
            "/auth/{provider}/unlink",
            axum::routing::post(social::unlink),
        )
        // Favourites, follows, card ratings and API tokens: plain form POSTs.
        .route(
            "/articles/{slug}/favorite",
            axum::routing::post(forms::favorite),
        )
        .route("/articles/{slug}/rating", axum::routing::post(forms::rate))
        .route(
            "/authors/{username}/follow",
            axum::routing::post(forms::follow),
        )
        .route(
            "/account/api-tokens",
            axum::routing::post(forms::create_api_token),
        )
        .route(
            "/account/api-tokens/{id}/revoke",
            axum::routing::post(forms::revoke_api_token),
        )
        // Admin actions: plain form POSTs, staff only (checked in each handler).
        .route(
            "/admin/users/{id}/edit",
            axum::routing::post(admin::edit_user),
        )
        .route(
            "/admin/users/{id}/groups",
            axum::routing::post(admin::user_groups),
        )
        .route(
            "/admin/users/{id}/{action}",
            axum::routing::post(admin::user_action),
        )
        .route(
            "/admin/groups/new",
            axum::routing::post(admin::create_group),
        )
        .route(
            "/admin/groups/{id}/rename",
            axum::routing::post(admin::rename_group),
        )
        .route(
            "/admin/ratings/{article_id}/{user_id}/delete",
            axum::routing::post(admin::delete_rating),
        )
        .route(
            "/admin/groups/{id}/permissions",
            axum::routing::post(admin::group_permissions),
        )
        .route(
            "/admin/articles/{id}/{action}",
            axum::routing::post(admin::article_action),
        )
        .route(
            "/admin/comments/{id}/{action}",
            axum::routing::post(admin::comment_action),
        )
        .leptos_routes_with_context(&state, routes, security::provide_request_nonce, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        // Static files (precompressed, cached by name or validated by ETag), else the 404 page.
        .fallback(assets::site_file_or_app)
        .layer(axum::middleware::from_fn(scripts::only_where_islands_are))
        .layer(axum::middleware::from_fn(session_refresh::renew_daily))
        .layer(auth_layer)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            assets::files_without_cookies,
        ))
        .layer(axum::middleware::from_fn(health::unavailable_as_503))
        // The JSON API: outside the session layer (it authenticates by token only).
        .merge(crate::api::routes(&state));
    let router = match media {
        Some(dir) => router.nest_service(
            "/media",
            tower::ServiceBuilder::new()
                .layer(axum::middleware::from_fn(assets::media_headers))
                .service(dir),
        ),
        None => router,
    };
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            page_cache::page_cache,
        ))
        .layer(axum::middleware::from_fn(legacy::index_queries))
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
        // Precompressed files already carry Content-Encoding and pass through untouched.
        .layer(tower_http::compression::CompressionLayer::new())
        // Who is asking (trusted proxy headers), ALLOWED_HOSTS, SECURE_SSL_REDIRECT.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            proxy::client_info,
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}
