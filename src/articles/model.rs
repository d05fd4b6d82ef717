//! Article data shared by the server and the browser.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorRef {
    pub username: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// Search counts matches exactly up to this many (see the server's search query).
pub const SEARCH_COUNT_CAP: i64 = 500;

/// An article in a list: no body, everything a card shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleCard {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub cover_image: Option<String>,
    pub cover_alt: String,
    pub published_on: String,
    pub published_iso: String,
    pub reading_minutes: i32,
    pub authors: Vec<AuthorRef>,
    pub rating_average: Option<f64>,
    pub rating_count: i64,
    pub comment_count: i64,
    /// A highlighted search excerpt (sanitized HTML with `<mark>`), for search results.
    pub snippet: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticlePage {
    pub items: Vec<ArticleCard>,
    pub page: i64,
    pub total_pages: i64,
    pub total: i64,
    /// The cards' star controls for the reader (anonymous unless filled in).
    #[serde(default)]
    pub ratings: crate::engagement::model::CardRatings,
}

impl ArticlePage {
    /// A page of `size` items out of `total`; a page past the end is a 404 (page 1 of an
    /// empty list is fine).
    pub fn new(
        items: Vec<ArticleCard>,
        page: i64,
        total: i64,
        size: i64,
    ) -> Result<Self, crate::error::AppError> {
        let total_pages = (total + size - 1) / size;
        if page > total_pages.max(1) {
            return Err(crate::error::AppError::NotFound);
        }
        Ok(ArticlePage {
            items,
            page,
            total_pages,
            total,
            ratings: Default::default(),
        })
    }
}

/// One page of search results. `corrected` is the query that was run instead when the one
/// typed found nothing and had a misspelt word ("Lisbn" → "lisbon").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub page: ArticlePage,
    pub corrected: Option<String>,
}

/// Index sort orders (the `sort` query parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    Newest,
    Oldest,
    AuthorAz,
    AuthorZa,
    Rating,
}

impl Sort {
    pub const ALL: [Sort; 5] = [
        Sort::Newest,
        Sort::Oldest,
        Sort::AuthorAz,
        Sort::AuthorZa,
        Sort::Rating,
    ];

    pub fn parse(value: Option<&str>) -> Option<Sort> {
        match value.unwrap_or("-date") {
            "" | "-date" => Some(Sort::Newest),
            "date" => Some(Sort::Oldest),
            "author" => Some(Sort::AuthorAz),
            "-author" => Some(Sort::AuthorZa),
            "rating" | "-rating" => Some(Sort::Rating),
            _ => None,
        }
    }

    pub fn param(self) -> &'static str {
        match self {
            Sort::Newest => "-date",
            Sort::Oldest => "date",
            Sort::AuthorAz => "author",
            Sort::AuthorZa => "-author",
            Sort::Rating => "rating",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Newest => "Newest first",
            Sort::Oldest => "Oldest first",
            Sort::AuthorAz => "Author A–Z",
            Sort::AuthorZa => "Author Z–A",
            Sort::Rating => "Best rated",
        }
    }
}

/// A full article for its page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleView {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body_html: String,
    pub toc: Vec<TocEntry>,
    pub reading_minutes: i32,
    pub cover_image: Option<String>,
    pub cover_alt: String,
    pub published: bool,
    pub published_on: Option<String>,
    pub published_iso: Option<String>,
    pub authors: Vec<AuthorRef>,
    pub tags: Vec<TagRef>,
    /// Ratings and comments; `None` for drafts, which take neither.
    pub engagement: Option<crate::engagement::model::Engagement>,
    pub can_edit: bool,
    /// Absolute URL, for sharing and the canonical link.
    pub url: String,
    pub favorites: i64,
    /// The signed-in reader favourited it (`None` when nobody is signed in).
    pub favorited: Option<bool>,
    /// Where it takes place: a small map and the places (empty when it names none).
    pub places: crate::places::model::PlacesMap,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagRef {
    pub slug: String,
    pub name: String,
}

/// What the editor starts from (empty for a new article).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EditorData {
    pub id: Option<i64>,
    pub slug: Option<String>,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub tags: String,
    pub cover_image: String,
    pub cover_alt: String,
    pub published: bool,
    pub can_publish: bool,
    pub is_owner: bool,
    pub coauthors: Vec<AuthorRef>,
    pub places: Vec<crate::places::model::PlaceChoice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriterCard {
    pub username: String,
    pub name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub article_count: i64,
}

/// `https://x.com/intent/tweet?text=…&url=…`, encoded for any title.
pub fn share_on_x_url(text: &str, url: &str) -> String {
    format!(
        "https://x.com/intent/tweet?text={}&url={}",
        percent_encode(text),
        percent_encode(url)
    )
}

/// RFC 3986 unreserved characters pass; everything else (as UTF-8 bytes) is %-encoded.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

pub fn rating_label(average: Option<f64>, count: i64) -> String {
    match average {
        Some(avg) if count > 0 => format!(
            "{avg:.1} ★ from {}",
            crate::wording::count(count, "rating", "ratings")
        ),
        _ => "Not rated yet".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_links_encode_everything() {
        let url = share_on_x_url(
            "Café & \"friends\" #1?",
            "https://blog.example/articles/cafe?x=1&y=2",
        );
        assert_eq!(
            url,
            "https://x.com/intent/tweet?text=Caf%C3%A9%20%26%20%22friends%22%20%231%3F&url=https%3A%2F%2Fblog.example%2Farticles%2Fcafe%3Fx%3D1%26y%3D2"
        );
    }

    #[test]
    fn sort_round_trips() {
        for sort in Sort::ALL {
            assert_eq!(Sort::parse(Some(sort.param())), Some(sort));
        }
        assert_eq!(Sort::parse(None), Some(Sort::Newest));
        assert_eq!(Sort::parse(Some("title; DROP TABLE")), None);
    }
}
