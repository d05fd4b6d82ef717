//! The public JSON API under `/api`, compatible with the RealWorld ("Conduit") spec v2.
//!
//! Plain axum handlers over the same rules as the web UI: permissions come from
//! [`crate::articles::server::Actor`], articles are saved by
//! [`crate::articles::server::write::save`], accounts are created by
//! [`crate::accounts::server::registration`]. The OpenAPI document is generated from the
//! handlers (`/api/openapi.json`), with Swagger UI at `/api/docs`.

pub mod articles;
pub mod auth;
pub mod comments;
pub mod docs;
pub mod error;
pub mod json;
pub mod model;
pub mod profiles;
pub mod shapes;
pub mod tags;
pub mod users;

use crate::accounts::server::rate_limit;
use crate::request::client_ip_of;
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use error::ApiError;
use http::{header, HeaderValue, Method};
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Waypost API",
        version = "1.0.0",
        description = "Waypost's public JSON API, compatible with the RealWorld (Conduit) API spec v2. \
            Authenticate with `Authorization: Token <token>`: a JWT from login or registration, or an \
            API token made on your account page. Article bodies are Markdown. Only writers publish.",
        license(name = "MIT"),
    ),
    paths(
        users::login, users::register, users::current, users::update,
        profiles::get_profile, profiles::follow, profiles::unfollow,
        articles::feed, articles::list, articles::create, articles::get_article,
        articles::update, articles::delete, articles::favorite, articles::unfavorite,
        comments::list, comments::create, comments::delete,
        tags::list,
    ),
    components(schemas(model::GenericErrorModel)),
    modifiers(&SecurityAndLimits),
    tags(
        (name = "User and Authentication"), (name = "Profile"), (name = "Articles"),
        (name = "Comments"), (name = "Favorites"), (name = "Tags"),
    ),
)]
pub struct ApiDoc;

/// The `Token` security scheme, and the answers every operation may give: 429 when rate
/// limited, 401 for a bad token wherever one is accepted.
struct SecurityAndLimits;

impl Modify for SecurityAndLimits {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "Token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Token <jwt or API token>` (`Bearer` works too)",
            ))),
        );
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("GenericErrorModel")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.delete.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                let responses = &mut operation.responses.responses;
                responses.entry("429".to_owned()).or_insert_with(|| {
                    error("Too many requests: wait for Retry-After seconds").into()
                });
                if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    responses
                        .entry("401".to_owned())
                        .or_insert_with(|| error("Invalid or expired token").into());
                }
            }
        }
    }
}

/// The `/api` routes (CORS and rate limits included) and the documentation.
pub fn routes(state: &AppState) -> Router<AppState> {
    let api = Router::new()
        .route("/users", post(users::register))
        .route("/users/login", post(users::login))
        .route("/user", get(users::current).put(users::update))
        .route("/profiles/{username}", get(profiles::get_profile))
        .route(
            "/profiles/{username}/follow",
            post(profiles::follow).delete(profiles::unfollow),
        )
        .route("/articles", get(articles::list).post(articles::create))
        .route("/articles/feed", get(articles::feed))
        .route(
            "/articles/{slug}",
            get(articles::get_article)
                .put(articles::update)
                .delete(articles::delete),
        )
        .route(
            "/articles/{slug}/favorite",
            post(articles::favorite).delete(articles::unfavorite),
        )
        .route(
            "/articles/{slug}/comments",
            get(comments::list).post(comments::create),
        )
        .route(
            "/articles/{slug}/comments/{id}",
            axum::routing::delete(comments::delete),
        )
        .route("/tags", get(tags::list))
        .fallback(|| async { ApiError::not_found("route") })
        .layer(axum::middleware::from_fn(refuse_nul))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limit_requests,
        ))
        .layer(cors(&state.config.api.cors_allowed_origins));
    Router::new().nest("/api", api).merge(docs::routes())
}

fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(std::time::Duration::from_secs(3600));
    if origins.iter().any(|o| o == "*") {
        layer.allow_origin(Any)
    } else {
        layer.allow_origin(AllowOrigin::list(
            origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()),
        ))
    }
}

/// PostgreSQL text can't hold NUL characters: a path or query carrying one names nothing
/// (404) or is invalid (422), rather than reaching a query that would fail.
async fn refuse_nul(request: Request, next: Next) -> Response {
    let has_nul = |part: &str| part.to_ascii_lowercase().contains("%00") || part.contains('\0');
    if has_nul(request.uri().path()) {
        return ApiError::not_found("route").into_response();
    }
    if request.uri().query().is_some_and(has_nul) {
        return ApiError::new(
            http::StatusCode::UNPROCESSABLE_ENTITY,
            "query",
            "must not contain NUL characters",
        )
        .into_response();
    }
    next.run(request).await
}

/// `API_RATE_LIMIT` requests a minute per client address (through trusted proxies): never
/// keyed on a header the client picks, which a flood would simply vary. A Redis outage lets
/// requests through.
async fn limit_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let who = client_ip_of(request.extensions());
    let key = state.redis_key(&["rl", "api", &who]);
    let limit = rate_limit::Limit {
        max: state.config.api.requests_per_minute,
        window_secs: 60,
    };
    match rate_limit::take(&state.redis, &key, &limit).await {
        Ok(()) => next.run(request).await,
        Err(crate::error::AppError::RateLimited { retry_after_secs }) => {
            ApiError::rate_limited(retry_after_secs).into_response()
        }
        Err(_) => next.run(request).await,
    }
}
