//! Queries that list stories as cards (index, tags, authors, writers, feeds; search is in
//! `search`). Lists never read bodies; aggregates and the byline live on the row, so a page
//! costs two small queries (rows + count).

use crate::articles::model::{ArticleCard, AuthorRef, Sort, WriterCard};
use sqlx::types::Json;
use sqlx::{PgPool, Postgres, QueryBuilder};

/// Columns of an article card; shared by every list query.
pub(super) const CARD_COLUMNS: &str = r#"
    a.slug, a.title, a.summary, a.cover_image, a.cover_alt,
    to_char(a.published_at AT TIME ZONE 'UTC', 'FMDD FMMonth YYYY') AS published_on,
    to_char(a.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS published_iso,
    a.reading_minutes, a.rating_sum, a.rating_count, a.comment_count, a.authors"#;

#[cfg(test)]
mod tests {
    #[test]
    fn snippets_are_escaped_and_marked() {
        let raw = "a <b> \u{2}coffee\u{3} & \u{2}tea\u{3}.";
        assert_eq!(
            super::highlight_snippet(raw),
            "a &lt;b&gt; <mark>coffee</mark> &amp; <mark>tea</mark>."
        );
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct CardRow {
    slug: String,
    title: String,
    summary: String,
    cover_image: Option<String>,
    cover_alt: String,
    published_on: Option<String>,
    published_iso: Option<String>,
    reading_minutes: i32,
    rating_sum: i64,
    rating_count: i64,
    comment_count: i64,
    authors: Json<Vec<AuthorRef>>,
    #[sqlx(default)]
    snippet: Option<String>,
}

impl From<CardRow> for ArticleCard {
    fn from(row: CardRow) -> Self {
        ArticleCard {
            slug: row.slug,
            title: row.title,
            summary: row.summary,
            cover_image: row.cover_image,
            cover_alt: row.cover_alt,
            published_on: row.published_on.unwrap_or_default(),
            published_iso: row.published_iso.unwrap_or_default(),
            reading_minutes: row.reading_minutes,
            rating_average: average(row.rating_sum, row.rating_count),
            rating_count: row.rating_count,
            comment_count: row.comment_count,
            authors: row.authors.0,
            snippet: row.snippet.map(|s| highlight_snippet(&s)),
        }
    }
}

pub fn average(sum: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| (sum as f64 / count as f64 * 10.0).round() / 10.0)
}

/// Which published articles a list shows. Shared by the web pages and the JSON API.
#[derive(Default)]
pub struct ListFilter<'a> {
    /// By this author (owner or co-author), by username.
    pub author: Option<&'a str>,
    /// With this tag, by slug or by name.
    pub tag: Option<&'a str>,
    /// Favourited by this username.
    pub favorited_by: Option<&'a str>,
    /// By writers this user follows (the personal feed).
    pub followed_by: Option<i64>,
    /// About this place (by id).
    pub place: Option<i64>,
    /// About a place in this country (ISO 3166-1 alpha-2).
    pub country: Option<&'a str>,
}

impl ListFilter<'_> {
    /// The place, when nothing but a place filters.
    fn only_place(&self) -> Option<i64> {
        match self {
            ListFilter {
                author: None,
                tag: None,
                favorited_by: None,
                followed_by: None,
                country: None,
                place,
            } => *place,
            _ => None,
        }
    }

    fn is_everything(&self) -> bool {
        self.author.is_none()
            && self.tag.is_none()
            && self.favorited_by.is_none()
            && self.followed_by.is_none()
            && self.place.is_none()
            && self.country.is_none()
    }
}

fn push_filters<'a>(query: &mut QueryBuilder<'a, Postgres>, filter: &ListFilter<'a>) {
    query.push(" WHERE a.status = 'published'");
    if let Some(author) = filter.author {
        query
            .push(
                " AND EXISTS (SELECT 1 FROM article_authors fa JOIN users fu ON fu.id = fa.user_id \
                 WHERE fa.article_id = a.id AND lower(fu.username) = lower(",
            )
            .push_bind(author)
            .push("))");
    }
    if let Some(tag) = filter.tag {
        query
            .push(
                " AND EXISTS (SELECT 1 FROM article_tags ft JOIN tags t ON t.id = ft.tag_id \
                 WHERE ft.article_id = a.id AND (t.slug = ",
            )
            .push_bind(tag)
            .push(" OR t.name = ")
            .push_bind(tag)
            .push("))");
    }
    if let Some(username) = filter.favorited_by {
        query
            .push(
                " AND EXISTS (SELECT 1 FROM favorites ff JOIN users fu ON fu.id = ff.user_id \
                 WHERE ff.article_id = a.id AND lower(fu.username) = lower(",
            )
            .push_bind(username)
            .push("))");
    }
    if let Some(follower) = filter.followed_by {
        query
            .push(
                " AND EXISTS (SELECT 1 FROM article_authors fa JOIN follows fo ON fo.followee_id = fa.user_id \
                 WHERE fa.article_id = a.id AND fo.follower_id = ",
            )
            .push_bind(follower)
            .push(")");
    }
    if let Some(place) = filter.place {
        query
            .push(" AND EXISTS (SELECT 1 FROM article_places fp WHERE fp.article_id = a.id AND fp.place_id = ")
            .push_bind(place)
            .push(")");
    }
    if let Some(country) = filter.country {
        query
            .push(
                " AND EXISTS (SELECT 1 FROM article_places fp JOIN places pl ON pl.id = fp.place_id \
                 WHERE fp.article_id = a.id AND pl.country_code = ",
            )
            .push_bind(country)
            .push(")");
    }
}

/// How many published articles match (the site-wide counter when nothing filters).
async fn count_published(pool: &PgPool, filter: &ListFilter<'_>) -> Result<i64, sqlx::Error> {
    if filter.is_everything() {
        sqlx::query_scalar!("SELECT value FROM site_counters WHERE name = 'published_articles'")
            .fetch_one(pool)
            .await
    } else if let Some(place) = filter.only_place() {
        // A place's count is kept on its row (by trigger).
        let count = sqlx::query_scalar!("SELECT story_count FROM places WHERE id = $1", place)
            .fetch_optional(pool)
            .await?;
        Ok(i64::from(count.unwrap_or(0)))
    } else {
        let mut count = QueryBuilder::new("SELECT count(*) FROM articles a");
        push_filters(&mut count, filter);
        count.build_query_scalar().fetch_one(pool).await
    }
}

/// ` LIMIT n OFFSET m` written into the statement, not bound: with the page window bound,
/// PostgreSQL planned the index's statement afresh on every call (~0.4 ms, four times its
/// execution) because a generic plan can't know how many rows a page takes. Both are integers
/// from our own arithmetic (never text from the request), so nothing can be injected; each
/// page number is its own prepared statement, and the first pages are the ones read.
fn page_window(limit: i64, offset: i64) -> String {
    format!(" LIMIT {limit} OFFSET {offset}")
}

/// Ids of one page of matching articles, newest first, and how many match in all.
pub async fn page_ids(
    pool: &PgPool,
    filter: &ListFilter<'_>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<i64>, i64), sqlx::Error> {
    let mut query = QueryBuilder::new("SELECT a.id FROM articles a");
    push_filters(&mut query, filter);
    query
        .push(" ORDER BY a.published_at DESC, a.id DESC")
        .push(page_window(limit, offset));
    let ids: Vec<i64> = query.build_query_scalar().fetch_all(pool).await?;
    Ok((ids, count_published(pool, filter).await?))
}

/// Published articles for one index page. The query is assembled from fixed fragments (the
/// ORDER BY comes from an enum) with every value bound as a parameter.
pub async fn list_published(
    pool: &PgPool,
    filter: &ListFilter<'_>,
    sort: Sort,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ArticleCard>, i64), sqlx::Error> {
    let order = match sort {
        Sort::Newest => " ORDER BY a.published_at DESC, a.id DESC",
        Sort::Oldest => " ORDER BY a.published_at ASC, a.id ASC",
        Sort::AuthorAz => " ORDER BY lower(a.sort_author) ASC, a.published_at DESC, a.id DESC",
        Sort::AuthorZa => " ORDER BY lower(a.sort_author) DESC, a.published_at DESC, a.id DESC",
        Sort::Rating => {
            " ORDER BY (a.rating_sum::float8 / GREATEST(a.rating_count, 1)) DESC, a.published_at DESC, a.id DESC"
        }
    };
    // Page through ids on the index first; the per-row author lookup then runs for the
    // page's rows only, not for every row skipped by OFFSET.
    let mut query = QueryBuilder::new(format!(
        "SELECT {CARD_COLUMNS} FROM (SELECT a.id FROM articles a"
    ));
    push_filters(&mut query, filter);
    query
        .push(order)
        .push(page_window(limit, offset))
        .push(") page JOIN articles a ON a.id = page.id")
        .push(order);
    let rows: Vec<CardRow> = query.build_query_as().fetch_all(pool).await?;

    let total = count_published(pool, filter).await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

/// Private markers `ts_headline` puts around matches (escaped text can't contain them).
pub(super) const MARK_START: char = '\u{2}';
pub(super) const MARK_END: char = '\u{3}';

/// `ts_headline` returns raw article text: escape all of it, then turn our private markers
/// into `<mark>`.
fn highlight_snippet(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 32);
    for (i, part) in raw.split(MARK_START).enumerate() {
        let (marked, rest) = if i == 0 {
            ("", part)
        } else {
            part.split_once(MARK_END).unwrap_or((part, ""))
        };
        if i > 0 {
            out.push_str("<mark>");
            out.push_str(&crate::text::escape_markup(marked));
            out.push_str("</mark>");
        }
        out.push_str(&crate::text::escape_markup(rest));
    }
    out
}

pub async fn writers(pool: &PgPool, descending: bool) -> Result<Vec<WriterCard>, sqlx::Error> {
    sqlx::query_as!(
        WriterCard,
        r#"SELECT u.username, coalesce(nullif(p.display_name, ''), u.username) AS "name!", p.bio, p.avatar_url,
                  (SELECT count(*) FROM article_authors aa JOIN articles a ON a.id = aa.article_id
                    WHERE aa.user_id = u.id AND a.status = 'published') AS "article_count!"
           FROM users u JOIN profiles p ON p.user_id = u.id
           WHERE u.is_active AND EXISTS (SELECT 1 FROM user_groups ug JOIN groups g ON g.id = ug.group_id
                                         WHERE ug.user_id = u.id AND g.name = 'writer')
           ORDER BY CASE WHEN $1 THEN NULL ELSE lower(coalesce(nullif(p.display_name, ''), u.username)) END ASC,
                    lower(coalesce(nullif(p.display_name, ''), u.username)) DESC"#,
        descending
    )
    .fetch_all(pool)
    .await
}

pub async fn tag_name(pool: &PgPool, slug: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!("SELECT name FROM tags WHERE slug = $1", slug)
        .fetch_optional(pool)
        .await
}

/// Everything the feed and sitemap need, newest first.
pub struct FeedItem {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub published_rfc2822: String,
    pub updated_iso: String,
    pub author_names: String,
    /// The story's first place, for GeoRSS.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

pub async fn latest_for_feed(pool: &PgPool, limit: i64) -> Result<Vec<FeedItem>, sqlx::Error> {
    sqlx::query_as!(
        FeedItem,
        r#"SELECT a.slug, a.title, a.summary, a.author_names,
                  to_char(a.published_at AT TIME ZONE 'UTC', 'Dy, DD Mon YYYY HH24:MI:SS "+0000"') AS "published_rfc2822!",
                  to_char(a.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "updated_iso!",
                  first_place.lat AS "lat?", first_place.lon AS "lon?"
           FROM articles a
           LEFT JOIN LATERAL (SELECT p.lat, p.lon FROM article_places ap JOIN places p ON p.id = ap.place_id
                               WHERE ap.article_id = a.id ORDER BY ap.position LIMIT 1) first_place ON true
           WHERE a.status = 'published'
           ORDER BY a.published_at DESC, a.id DESC LIMIT $1"#,
        limit
    )
    .fetch_all(pool)
    .await
}

/// Cards for the given slugs (published only), in no particular order.
pub async fn by_slugs(pool: &PgPool, slugs: &[String]) -> Result<Vec<ArticleCard>, sqlx::Error> {
    let rows: Vec<CardRow> = sqlx::query_as(&format!(
        "SELECT {CARD_COLUMNS} FROM articles a WHERE a.status = 'published' AND a.slug = ANY($1)"
    ))
    .bind(slugs)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}
