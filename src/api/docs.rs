//! `/api/docs`: Swagger UI on a page of our own (a heading, landmarks, readable contrast),
//! with the bundle served from the binary (utoipa-swagger-ui's vendored files) and
//! `/api/openapi.json` generated from the handlers.

use super::ApiDoc;
use crate::state::AppState;
use axum::extract::Path;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::{header, HeaderValue, StatusCode};
use std::sync::{Arc, LazyLock};
use utoipa::OpenApi;

static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Waypost API documentation</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
<link rel="stylesheet" href="/api/docs/docs.css">
</head>
<body>
<header class="docs-header">
<h1>Waypost API documentation</h1>
<p>RealWorld-compatible JSON API. Send <code>Authorization: Token &lt;token&gt;</code> with a JWT from
login or an API token from your account page. <a href="/api/openapi.json">OpenAPI document</a> ·
<a href="/">Back to Waypost</a></p>
</header>
<main id="swagger-ui" aria-label="API reference"></main>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
"#;

// No deep links: Swagger UI puts them inside its summary buttons (nested controls).
const INIT: &str = r#"window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: false,
    layout: 'BaseLayout',
    presets: [SwaggerUIBundle.presets.apis],
    tryItOutEnabled: false,
    defaultModelsExpandDepth: 0,
  });
});
"#;

// Darker text where Swagger UI's greys and greens fall short of 4.5:1 on its backgrounds.
const CSS: &str = r#"body { margin: 0; background: #fafafa; color: #1f2328; font-family: system-ui, sans-serif; }
.docs-header { max-width: 1460px; margin: 0 auto; padding: 1.5rem 20px 0; }
.docs-header h1 { margin: 0 0 0.5rem; font-size: 2rem; }
.docs-header a { color: #0b5e3a; }
.swagger-ui .info .title small pre, .swagger-ui .info .title small.version-stamp { background: #3d4451; }
.swagger-ui .info .title small { background: #3d4451; }
.swagger-ui, .swagger-ui .opblock-tag, .swagger-ui .opblock .opblock-summary-description,
.swagger-ui .opblock .opblock-summary-path, .swagger-ui .info p, .swagger-ui .info li,
.swagger-ui table thead tr th, .swagger-ui .parameter__name, .swagger-ui .parameter__type,
.swagger-ui .parameter__in, .swagger-ui .response-col_status, .swagger-ui .response-col_links,
.swagger-ui .model-title, .swagger-ui .model, .swagger-ui .prop-type, .swagger-ui .renderedMarkdown p,
.swagger-ui .tab li, .swagger-ui label, .swagger-ui .opblock-description-wrapper p,
.swagger-ui .responses-inner h4, .swagger-ui .responses-inner h5, .swagger-ui .opblock-section-header h4,
.swagger-ui .json-schema-2020-12__title, .swagger-ui .json-schema-2020-12-keyword__name,
.swagger-ui .json-schema-2020-12-keyword__value { color: #1f2328; }
.swagger-ui .opblock .opblock-summary-method { color: #fff; text-shadow: none; }
.swagger-ui .opblock.opblock-get .opblock-summary-method { background: #1d5fa8; }
.swagger-ui .opblock.opblock-post .opblock-summary-method { background: #1e7046; }
.swagger-ui .opblock.opblock-put .opblock-summary-method { background: #9a4a00; }
.swagger-ui .opblock.opblock-delete .opblock-summary-method { background: #b3261e; }
.swagger-ui .btn.authorize, .swagger-ui .btn.authorize span { color: #1e7046; border-color: #1e7046; }
.swagger-ui .btn.authorize svg { fill: #1e7046; }
.swagger-ui a.nostyle, .swagger-ui .info a { color: #0b5e3a; }
.swagger-ui .json-schema-2020-12-keyword--constraint, .swagger-ui .json-schema-2020-12__attribute { color: #1f2328; background: #e6e8eb; }
.swagger-ui .prop-format, .swagger-ui .parameter__deprecated, .swagger-ui .markdown code { color: #6a2c91; }
"#;

/// The Swagger UI files the page uses (and only those).
const ASSETS: &[&str] = &["swagger-ui.css", "swagger-ui-bundle.js"];

pub fn routes() -> Router<AppState> {
    let config = Arc::new(utoipa_swagger_ui::Config::new(["/api/openapi.json"]));
    Router::new()
        .route(
            "/api/openapi.json",
            get(|| async { Json(DOCUMENT.clone()) }),
        )
        .route("/api/docs", get(|| async { Html(PAGE) }))
        .route(
            "/api/docs/",
            get(|| async { axum::response::Redirect::permanent("/api/docs") }),
        )
        .route("/api/docs/init.js", get(|| async { script(INIT) }))
        .route("/api/docs/docs.css", get(|| async { stylesheet(CSS) }))
        .route(
            "/api/docs/assets/{file}",
            get(move |Path(file): Path<String>| {
                let config = config.clone();
                async move { asset(&file, config) }
            }),
        )
        .layer(axum::middleware::map_response(policy))
}

fn script(body: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        body,
    )
        .into_response()
}

fn stylesheet(body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], body).into_response()
}

fn asset(file: &str, config: Arc<utoipa_swagger_ui::Config<'static>>) -> Response {
    if !ASSETS.contains(&file) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match utoipa_swagger_ui::serve(file, config) {
        Ok(Some(found)) => (
            [
                (header::CONTENT_TYPE, found.content_type),
                (header::CACHE_CONTROL, "public, max-age=86400".to_owned()),
            ],
            found.bytes.into_owned(),
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, "Swagger UI file unavailable");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Swagger UI sets inline styles as it renders; these pages get a policy that allows those
/// (scripts stay same-origin only), in place of the site's stricter default.
async fn policy(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
             form-action 'self'; frame-ancestors 'none'",
        ),
    );
    response
}
