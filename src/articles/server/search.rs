//! Search as readers use it: the ranked, prefix-forgiving query, and when it finds nothing,
//! the same query with its typos corrected; suggestions while typing.

use super::repo;
use crate::articles::model::{ArticlePage, SearchResults};
use crate::error::AppError;
use sqlx::PgPool;

/// How many suggestions the search field offers.
pub const SUGGESTIONS: i64 = 6;

/// Page `page` (of `size`) of the stories matching `q`.
pub async fn find(pool: &PgPool, q: &str, page: i64, size: i64) -> Result<SearchResults, AppError> {
    if q.trim().is_empty() {
        return Ok(SearchResults {
            page: ArticlePage {
                items: Vec::new(),
                page: 1,
                total_pages: 0,
                total: 0,
                ratings: Default::default(),
            },
            corrected: None,
        });
    }
    let offset = (page - 1) * size;
    let (mut items, mut total) = repo::search(pool, q, size, offset).await?;
    let mut corrected = None;
    if total == 0 {
        if let Some(better) = repo::spelling_correction(pool, q).await? {
            let (found, matching) = repo::search(pool, &better, size, offset).await?;
            if matching > 0 {
                (items, total, corrected) = (found, matching, Some(better));
            }
        }
    }
    // Only the best SEARCH_CANDIDATES x 2 matches are ranked; never offer pages past them.
    let rankable = total.min(2 * repo::SEARCH_CANDIDATES);
    let mut result = ArticlePage::new(items, page, rankable, size)?;
    // The summary still tells how many matched in all.
    result.total = total;
    Ok(SearchResults {
        page: result,
        corrected,
    })
}

/// Titles and writers' names that complete what has been typed so far.
pub async fn suggest(pool: &PgPool, q: &str) -> Result<Vec<String>, AppError> {
    let mut found = repo::suggestions(pool, q, SUGGESTIONS).await?;
    found.dedup();
    found.truncate(SUGGESTIONS as usize);
    Ok(found)
}
