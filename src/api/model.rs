//! The JSON shapes of the RealWorld API (spec v2), with their OpenAPI schemas.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ---- users ----

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub user: LoginUser,
}

#[derive(Deserialize, ToSchema)]
pub struct LoginUser {
    /// Your e-mail address (your username works too).
    #[serde(default)]
    #[schema(required = true, example = "ana@example.com")]
    pub email: Option<String>,
    #[serde(default)]
    #[schema(required = true, format = Password, example = "harbour-lantern-compass")]
    pub password: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    pub user: NewUser,
}

#[derive(Deserialize, ToSchema)]
pub struct NewUser {
    /// 3–30 letters, digits, dots, dashes or underscores.
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 3,
        max_length = 30,
        pattern = "^[A-Za-z0-9_.-]+$",
        example = "ana"
    )]
    pub username: Option<String>,
    #[serde(default)]
    #[schema(required = true, format = Email, max_length = 254, example = "ana@example.com")]
    pub email: Option<String>,
    /// At least 10 characters (8 with `PASSWORD_POLICY=basic`), at most 128.
    #[serde(default)]
    #[schema(required = true, format = Password, min_length = 8, max_length = 128, example = "harbour-lantern-compass")]
    pub password: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateUserRequest {
    pub user: UpdateUser,
}

/// Every field is optional; `bio` and `image` may be `null` (or "") to clear them.
#[derive(Deserialize, ToSchema)]
pub struct UpdateUser {
    /// A new address. It takes effect when the link e-mailed to it is opened (unless the site
    /// switches addresses at once). Needs `currentPassword` or a token from a login in the
    /// last 10 minutes.
    #[serde(default, deserialize_with = "super::json::present")]
    #[schema(value_type = Option<String>, format = Email, max_length = 254)]
    pub email: Option<Option<String>>,
    /// A new password. Needs `currentPassword` or a token from a login in the last 10
    /// minutes; ends every other session, JWT and API token of the account.
    #[serde(default, deserialize_with = "super::json::present")]
    #[schema(value_type = Option<String>, format = Password, min_length = 8, max_length = 128)]
    pub password: Option<Option<String>>,
    /// Waypost's addition: the current password, to change `email` or `password` with a
    /// personal API token or an older JWT.
    #[serde(default, rename = "currentPassword")]
    #[schema(format = Password, max_length = 128)]
    pub current_password: Option<String>,
    #[serde(default, deserialize_with = "super::json::present")]
    #[schema(value_type = Option<String>, min_length = 3, max_length = 30, pattern = "^[A-Za-z0-9_.-]+$")]
    pub username: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::json::present")]
    #[schema(value_type = Option<String>, nullable, max_length = 2000)]
    pub bio: Option<Option<String>>,
    /// An https:// address of a picture.
    #[serde(default, deserialize_with = "super::json::present")]
    #[schema(value_type = Option<String>, nullable, max_length = 500, example = "https://example.com/ana.jpg")]
    pub image: Option<Option<String>>,
}

#[derive(Serialize, ToSchema)]
pub struct UserResponse {
    pub user: User,
}

#[derive(Serialize, ToSchema)]
pub struct User {
    pub email: String,
    /// A JWT for `Authorization: Token <token>`.
    pub token: String,
    pub username: String,
    #[schema(required = true)]
    pub bio: Option<String>,
    #[schema(required = true)]
    pub image: Option<String>,
}

// ---- profiles ----

#[derive(Serialize, ToSchema)]
pub struct ProfileResponse {
    pub profile: Profile,
}

#[derive(Serialize, ToSchema, Clone)]
pub struct Profile {
    pub username: String,
    #[schema(required = true)]
    pub bio: Option<String>,
    #[schema(required = true)]
    pub image: Option<String>,
    pub following: bool,
}

// ---- articles ----

#[derive(Deserialize, ToSchema)]
pub struct NewArticleRequest {
    pub article: NewArticle,
}

#[derive(Deserialize, ToSchema)]
pub struct NewArticle {
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 200,
        example = "Lima at dawn"
    )]
    pub title: Option<String>,
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 500,
        example = "Ceviche at six in the morning"
    )]
    pub description: Option<String>,
    /// Markdown (at most 200 KB).
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        example = "# Lima\n\nThe city wakes up slowly."
    )]
    pub body: Option<String>,
    /// At most 8 tags of at most 30 characters.
    #[serde(default, rename = "tagList")]
    #[schema(max_items = 8, example = json!(["peru", "food"]))]
    pub tag_list: Option<Vec<String>>,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateArticleRequest {
    pub article: UpdateArticle,
}

/// Fields left out keep their value; `tagList: []` removes every tag.
#[derive(Deserialize, ToSchema)]
pub struct UpdateArticle {
    /// A new title gives the article a new slug.
    #[serde(default, deserialize_with = "super::json::present")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::json::present")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 500)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::json::present")]
    #[schema(value_type = Option<String>, min_length = 1)]
    pub body: Option<Option<String>>,
    #[serde(default, rename = "tagList", deserialize_with = "super::json::present")]
    #[schema(value_type = Option<Vec<String>>, max_items = 8)]
    pub tag_list: Option<Option<Vec<String>>>,
}

#[derive(Serialize, ToSchema)]
pub struct SingleArticleResponse {
    pub article: Article,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub description: String,
    /// Markdown, as written.
    pub body: String,
    pub tag_list: Vec<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub favorited: bool,
    pub favorites_count: i64,
    pub author: Profile,
    /// Where the story happens (a Waypost extension to the RealWorld shape), in the writer's
    /// order.
    pub places: Vec<Place>,
}

/// A place a story names: a gazetteer town or a writer's pin.
#[derive(Serialize, ToSchema)]
pub struct Place {
    #[schema(example = "Lisbon")]
    pub name: String,
    #[schema(example = "Portugal")]
    pub country: String,
    #[schema(example = 38.7167)]
    pub latitude: f64,
    #[schema(example = -9.1333)]
    pub longitude: f64,
    /// The place's page.
    #[schema(example = "https://waypost.example/places/portugal/lisbon")]
    pub url: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MultipleArticlesResponse {
    pub articles: Vec<ArticleSummary>,
    /// All matching articles, not only this page.
    pub articles_count: i64,
}

/// An article in a list: everything but the body.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticleSummary {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub tag_list: Vec<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub favorited: bool,
    pub favorites_count: i64,
    pub author: Profile,
}

// ---- comments ----

#[derive(Deserialize, ToSchema)]
pub struct NewCommentRequest {
    pub comment: NewComment,
}

#[derive(Deserialize, ToSchema)]
pub struct NewComment {
    /// Markdown, at most 10,000 characters.
    #[serde(default)]
    #[schema(
        required = true,
        min_length = 1,
        max_length = 10000,
        example = "Thanks for the tip!"
    )]
    pub body: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SingleCommentResponse {
    pub comment: Comment,
}

#[derive(Serialize, ToSchema)]
pub struct MultipleCommentsResponse {
    pub comments: Vec<Comment>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub body: String,
    pub author: Profile,
}

// ---- tags, errors ----

#[derive(Serialize, ToSchema)]
pub struct TagsResponse {
    pub tags: Vec<String>,
}

/// `{"errors": {"title": ["can't be blank"]}}`
#[derive(Serialize, ToSchema)]
pub struct GenericErrorModel {
    pub errors: std::collections::BTreeMap<String, Vec<String>>,
}
