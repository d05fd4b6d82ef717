//! Articles, the feed and favourites under `/api/articles`.

use super::auth::{Caller, SignedIn};
use super::error::{ApiError, ApiResult};
use super::json::{required, ApiJson};
use super::model::{
    MultipleArticlesResponse, NewArticleRequest, SingleArticleResponse, UpdateArticleRequest,
};
use crate::accounts::server::Actor;
use crate::accounts::Permission;
use crate::articles::server::repo::api_view::{self, ArticleRecord};
use crate::articles::server::repo::{self, ListFilter};
use crate::articles::server::write::{save, ArticleInput};
use crate::engagement::server::favorites;
use crate::error::FieldErrors;
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::Json;
use http::StatusCode;

/// Waypost's field names in errors, as the spec calls them.
const RENAMES: &[(&str, &str)] = &[("summary", "description"), ("tags", "tagList")];
const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 100;

/// Query parameters of the list endpoints; unknown ones are ignored.
#[derive(Default)]
struct ListQuery {
    tag: Option<String>,
    author: Option<String>,
    favorited: Option<String>,
    limit: i64,
    offset: i64,
}

fn parse_list_query(raw: Option<&str>) -> ApiResult<ListQuery> {
    let mut query = ListQuery {
        limit: DEFAULT_LIMIT,
        ..Default::default()
    };
    let mut errors = FieldErrors::new();
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let value = value.trim().to_owned();
        match key.as_ref() {
            "tag" => query.tag = Some(value).filter(|v| !v.is_empty()),
            "author" => query.author = Some(value).filter(|v| !v.is_empty()),
            "favorited" => query.favorited = Some(value).filter(|v| !v.is_empty()),
            "limit" => match value.parse::<i64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => query.limit = n,
                _ => errors.add(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_LIMIT}"),
                ),
            },
            "offset" => match value.parse::<i64>() {
                Ok(n) if n >= 0 => query.offset = n,
                _ => errors.add("offset", "must be a whole number, 0 or more"),
            },
            _ => {}
        }
    }
    errors.into_result().map_err(ApiError::from)?;
    Ok(query)
}

async fn page(
    state: &AppState,
    filter: &ListFilter<'_>,
    query: &ListQuery,
    viewer: Option<i64>,
) -> ApiResult<MultipleArticlesResponse> {
    let (ids, total) = repo::page_ids(&state.pool, filter, query.limit, query.offset).await?;
    let rows = api_view::article_summaries(&state.pool, &ids, viewer).await?;
    Ok(MultipleArticlesResponse {
        articles: rows
            .into_iter()
            .map(|r| r.into_summary(&state.config.site_url))
            .collect(),
        articles_count: total,
    })
}

#[utoipa::path(
    get, path = "/api/articles", tag = "Articles",
    params(
        ("tag" = Option<String>, Query, description = "Only articles with this tag"),
        ("author" = Option<String>, Query, description = "Only articles by this username"),
        ("favorited" = Option<String>, Query, description = "Only articles this username favourited"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size (default 20)"),
        ("offset" = Option<i64>, Query, minimum = 0, description = "Articles to skip (default 0)"),
    ),
    security((), ("Token" = [])),
    responses(
        (status = 200, description = "Published articles, newest first", body = MultipleArticlesResponse),
        (status = 422, description = "Invalid limit or offset", body = super::model::GenericErrorModel),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Caller(actor): Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<MultipleArticlesResponse>> {
    let query = parse_list_query(raw.as_deref())?;
    let filter = ListFilter {
        author: query.author.as_deref(),
        tag: query.tag.as_deref(),
        favorited_by: query.favorited.as_deref(),
        ..Default::default()
    };
    Ok(Json(page(&state, &filter, &query, actor.id()).await?))
}

#[utoipa::path(
    get, path = "/api/articles/feed", tag = "Articles",
    params(
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size (default 20)"),
        ("offset" = Option<i64>, Query, minimum = 0, description = "Articles to skip (default 0)"),
    ),
    security(("Token" = [])),
    responses(
        (status = 200, description = "Articles by writers you follow, newest first", body = MultipleArticlesResponse),
        (status = 401, description = "No or invalid token", body = super::model::GenericErrorModel),
        (status = 422, description = "Invalid limit or offset", body = super::model::GenericErrorModel),
    )
)]
pub async fn feed(
    State(state): State<AppState>,
    caller: SignedIn,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<MultipleArticlesResponse>> {
    let query = parse_list_query(raw.as_deref())?;
    let filter = ListFilter {
        followed_by: Some(caller.user.id),
        ..Default::default()
    };
    Ok(Json(
        page(&state, &filter, &query, Some(caller.user.id)).await?,
    ))
}

/// The article at `slug` as `viewer` may see it: drafts only for their authors and editors.
async fn visible(state: &AppState, actor: &Actor, slug: &str) -> ApiResult<ArticleRecord> {
    let record = api_view::article_by_slug(&state.pool, slug, actor.id())
        .await?
        .ok_or_else(|| ApiError::not_found("article"))?;
    if record.status != "published" && !actor.can_edit(&record.author_ids) {
        return Err(ApiError::not_found("article"));
    }
    Ok(record)
}

async fn respond(
    state: &AppState,
    actor: &Actor,
    slug: &str,
) -> ApiResult<Json<SingleArticleResponse>> {
    let record = visible(state, actor, slug).await?;
    let site = &state.config.site_url;
    let places = crate::places::server::repo::story_places(&state.pool, record.id)
        .await?
        .iter()
        .map(crate::places::server::place_ref)
        .map(|place| super::model::Place {
            url: format!("{site}{}", place.href),
            name: place.name,
            country: place.country,
            latitude: place.lat,
            longitude: place.lon,
        })
        .collect();
    Ok(Json(SingleArticleResponse {
        article: record.into_article(site, places),
    }))
}

#[utoipa::path(
    get, path = "/api/articles/{slug}", tag = "Articles",
    params(("slug" = String, Path, description = "The article's slug", example = "lima-at-dawn")),
    security((), ("Token" = [])),
    responses(
        (status = 200, description = "The article, with its Markdown body", body = SingleArticleResponse),
        (status = 404, description = "No such article", body = super::model::GenericErrorModel),
    )
)]
pub async fn get_article(
    State(state): State<AppState>,
    Caller(actor): Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<SingleArticleResponse>> {
    respond(&state, &actor, &slug).await
}

#[utoipa::path(
    post, path = "/api/articles", tag = "Articles",
    request_body = NewArticleRequest,
    security(("Token" = [])),
    responses(
        (status = 201, description = "The published article", body = SingleArticleResponse),
        (status = 401, description = "No or invalid token", body = super::model::GenericErrorModel),
        (status = 403, description = "Only writers publish", body = super::model::GenericErrorModel),
        (status = 409, description = "The slug was taken meanwhile; send again", body = super::model::GenericErrorModel),
        (status = 422, description = "Invalid input", body = super::model::GenericErrorModel),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    caller: SignedIn,
    ApiJson(request): ApiJson<NewArticleRequest>,
) -> ApiResult<(StatusCode, Json<SingleArticleResponse>)> {
    if !caller.actor.can(Permission::WriteArticle) || !caller.actor.can(Permission::PublishArticle)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "article",
            "only writers can publish articles; ask the editors to make you a writer",
        ));
    }
    let new = request.article;
    let mut errors = FieldErrors::new();
    let title = required(new.title, "title", &mut errors);
    let description = required(new.description, "description", &mut errors);
    let body = required(new.body, "body", &mut errors);
    errors.into_result().map_err(ApiError::from)?;
    let tags = new.tag_list.unwrap_or_default();
    let saved = save(
        &state,
        &caller.actor,
        ArticleInput {
            id: None,
            title: &title,
            summary: &description,
            body: &body,
            tag_names: tags.iter().map(String::as_str).collect(),
            cover_image: "",
            cover_alt: "",
            places: None,
            publish: true,
        },
    )
    .await
    .map_err(|e| ApiError::from_app(e, "article", RENAMES))?;
    let response = respond(&state, &caller.actor, &saved.slug).await?;
    Ok((StatusCode::CREATED, response))
}

#[utoipa::path(
    put, path = "/api/articles/{slug}", tag = "Articles",
    params(("slug" = String, Path, description = "The article's slug", example = "lima-at-dawn")),
    request_body = UpdateArticleRequest,
    security(("Token" = [])),
    responses(
        (status = 200, description = "The updated article (a new title gives a new slug)", body = SingleArticleResponse),
        (status = 401, description = "No or invalid token", body = super::model::GenericErrorModel),
        (status = 403, description = "Not one of its authors", body = super::model::GenericErrorModel),
        (status = 404, description = "No such article", body = super::model::GenericErrorModel),
        (status = 409, description = "The slug was taken meanwhile; send again", body = super::model::GenericErrorModel),
        (status = 422, description = "Invalid input", body = super::model::GenericErrorModel),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(slug): Path<String>,
    ApiJson(request): ApiJson<UpdateArticleRequest>,
) -> ApiResult<Json<SingleArticleResponse>> {
    let current = visible(&state, &caller.actor, &slug).await?;
    let row = repo::by_slug(&state.pool, &current.slug)
        .await?
        .ok_or_else(|| ApiError::not_found("article"))?;
    let change = request.article;
    let mut errors = FieldErrors::new();
    let mut field = |value: Option<Option<String>>, name: &str, current: String| match value {
        None => current,
        Some(value) => required(value, name, &mut errors),
    };
    let title = field(change.title, "title", row.title);
    let description = field(change.description, "description", row.summary);
    let body = field(change.body, "body", row.body_md);
    let tags: Vec<String> = match change.tag_list {
        None => row.tags.0.into_iter().map(|t| t.name).collect(),
        Some(Some(tags)) => tags,
        Some(None) => {
            errors.add("tagList", "can't be null; send [] to remove every tag");
            Vec::new()
        }
    };
    errors.into_result().map_err(ApiError::from)?;
    let cover_image = row.cover_image.unwrap_or_default();
    let saved = save(
        &state,
        &caller.actor,
        ArticleInput {
            id: Some(row.id),
            title: &title,
            summary: &description,
            body: &body,
            tag_names: tags.iter().map(String::as_str).collect(),
            cover_image: &cover_image,
            cover_alt: &row.cover_alt,
            places: None,
            publish: row.status == "published",
        },
    )
    .await
    .map_err(|e| ApiError::from_app(e, "article", RENAMES))?;
    respond(&state, &caller.actor, &saved.slug).await
}

#[utoipa::path(
    delete, path = "/api/articles/{slug}", tag = "Articles",
    params(("slug" = String, Path, description = "The article's slug", example = "lima-at-dawn")),
    security(("Token" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or invalid token", body = super::model::GenericErrorModel),
        (status = 403, description = "Not its owner", body = super::model::GenericErrorModel),
        (status = 404, description = "No such article", body = super::model::GenericErrorModel),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(slug): Path<String>,
) -> ApiResult<StatusCode> {
    let record = visible(&state, &caller.actor, &slug).await?;
    crate::articles::server::write::delete(&state, &caller.actor, record.id)
        .await
        .map_err(|e| ApiError::from_app(e, "article", RENAMES))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_favorite(
    state: &AppState,
    caller: &SignedIn,
    slug: &str,
    on: bool,
) -> ApiResult<Json<SingleArticleResponse>> {
    visible(state, &caller.actor, slug).await?;
    favorites::favourite(state, &caller.actor, slug, on)
        .await
        .map_err(|e| ApiError::from_app(e, "article", &[]))?;
    respond(state, &caller.actor, slug).await
}

#[utoipa::path(
    post, path = "/api/articles/{slug}/favorite", tag = "Favorites",
    params(("slug" = String, Path, description = "The article's slug", example = "lima-at-dawn")),
    security(("Token" = [])),
    responses(
        (status = 200, description = "The article, favourited", body = SingleArticleResponse),
        (status = 401, description = "No or invalid token", body = super::model::GenericErrorModel),
        (status = 404, description = "No such article", body = super::model::GenericErrorModel),
    )
)]
pub async fn favorite(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(slug): Path<String>,
) -> ApiResult<Json<SingleArticleResponse>> {
    set_favorite(&state, &caller, &slug, true).await
}

#[utoipa::path(
    delete, path = "/api/articles/{slug}/favorite", tag = "Favorites",
    params(("slug" = String, Path, description = "The article's slug", example = "lima-at-dawn")),
    security(("Token" = [])),
    responses(
        (status = 200, description = "The article, no longer favourited", body = SingleArticleResponse),
        (status = 401, description = "No or invalid token", body = super::model::GenericErrorModel),
        (status = 404, description = "No such article", body = super::model::GenericErrorModel),
    )
)]
pub async fn unfavorite(
    State(state): State<AppState>,
    caller: SignedIn,
    Path(slug): Path<String>,
) -> ApiResult<Json<SingleArticleResponse>> {
    set_favorite(&state, &caller, &slug, false).await
}
