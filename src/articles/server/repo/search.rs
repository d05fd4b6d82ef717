//! Search queries: ranked full-text matches, prefix matches on titles, summaries and authors
//! while a word is still being typed (`lisb` → Lisbon), typo correction against the lexicon
//! of published titles and names (`lisbn` → lisbon), and suggestions as you type.

use super::lists::{CardRow, CARD_COLUMNS, MARK_END, MARK_START};
use crate::articles::model::ArticleCard;
use sqlx::PgPool;

/// The longest search query we run; longer input is cut (not refused).
pub const MAX_QUERY_CHARS: usize = 256;
/// How many matches are ranked (the newest by title/summary/author, the newest by body) and
/// counted exactly; beyond this a query shows "more than N match".
/// Keeps a query that matches every article as cheap as a rare one.
pub const SEARCH_CANDIDATES: i64 = 100;
pub const SEARCH_COUNT_CAP: i64 = crate::articles::model::SEARCH_COUNT_CAP;
/// Words of a query looked at for prefixes and typos (the rest still count in full text).
const MAX_WORDS: usize = 8;

/// The query as typed, without our highlight markers and NULs, at most `MAX_QUERY_CHARS`.
pub fn clean_terms(terms: &str) -> String {
    terms
        .chars()
        .filter(|c| *c != MARK_START && *c != MARK_END && *c != '\0')
        .take(MAX_QUERY_CHARS)
        .collect()
}

/// The plain words of a query (letters and digits, lowercased), or none when it uses the
/// full-text syntax (`"phrases"`, `-exclusions`, `or`), which means exactly what it says.
pub fn plain_words(terms: &str) -> Vec<String> {
    let advanced = terms.contains('"')
        || terms
            .split_whitespace()
            .any(|w| w.starts_with('-') || w.eq_ignore_ascii_case("or"));
    if advanced {
        return Vec::new();
    }
    terms
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .map(str::to_lowercase)
        .collect()
}

/// `lisb rome` → `lisb:* & rome:*`: every word, as a prefix. Only letters and digits get in,
/// so nothing typed is tsquery syntax; empty when there is nothing to match.
pub fn prefix_query(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("{w}:*"))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Ranked search over published articles, with a highlighted excerpt: whole words anywhere
/// (full text, as `websearch_to_tsquery` reads them), or every word as a prefix of a word in
/// the title, summary or an author's name. Returns the page and the number of matches
/// (capped at `SEARCH_COUNT_CAP`).
pub async fn search(
    pool: &PgPool,
    terms: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ArticleCard>, i64), sqlx::Error> {
    let terms = clean_terms(terms);
    let prefix = prefix_query(&plain_words(&terms));
    // Not a cached prepared statement: planned with the actual terms, the planner can tell a
    // word in every article (walk the date index, stop early) from a rare one (use GIN).
    // An empty prefix query matches nothing (PostgreSQL notes that, harmlessly).
    // Strong matches come from the title, summary and authors: with plain words, every word
    // as a prefix (which covers the whole words too); with the full-text syntax, the query as
    // written, checked against the whole story so `-word` excludes body matches.
    let head = if prefix.is_empty() {
        "a.search_head @@ websearch_to_tsquery('english', $1) AND a.search @@ websearch_to_tsquery('english', $1)"
    } else {
        "a.search_head @@ to_tsquery('english', $5)"
    };
    let rows: Vec<CardRow> = sqlx::query_as(&format!(
        r#"WITH candidates AS (
                    (SELECT a.id FROM articles a
                      WHERE a.status = 'published' AND {head}
                      ORDER BY a.published_at DESC LIMIT $4)
                    UNION
                    (SELECT a.id FROM articles a
                      WHERE a.status = 'published' AND a.search @@ websearch_to_tsquery('english', $1)
                      ORDER BY a.published_at DESC LIMIT $4)),
                hits AS (
                    SELECT a.id, ts_rank_cd(a.search, websearch_to_tsquery('english', $1))
                                 + ts_rank_cd(a.search_head, to_tsquery('english', $5)) AS rank,
                           a.published_at
                    FROM candidates c JOIN articles a ON a.id = c.id
                    ORDER BY rank DESC, a.published_at DESC, a.id DESC
                    LIMIT $2 OFFSET $3)
           SELECT {CARD_COLUMNS},
                  ts_headline('english', a.summary || ' ' || left(a.body_md, 20000),
                      websearch_to_tsquery('english', $1) || to_tsquery('english', $5),
                      'MaxFragments=2, MinWords=8, MaxWords=24, FragmentDelimiter= … , StartSel=' || chr(2) || ', StopSel=' || chr(3)) AS snippet
           FROM hits JOIN articles a ON a.id = hits.id
           ORDER BY hits.rank DESC, hits.published_at DESC, a.id DESC"#
    ))
    .bind(&terms)
    .bind(limit)
    .bind(offset)
    .bind(SEARCH_CANDIDATES)
    .bind(&prefix)
    .persistent(false)
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar(
        r#"SELECT count(*) FROM (
               SELECT 1 FROM articles
               WHERE status = 'published'
                 AND (search @@ websearch_to_tsquery('english', $1)
                      OR search_head @@ to_tsquery('english', $3))
               LIMIT $2) matches"#,
    )
    .bind(&terms)
    .bind(SEARCH_COUNT_CAP + 1)
    .bind(&prefix)
    .persistent(false)
    .fetch_one(pool)
    .await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

/// The query with its misspelt words replaced by the closest words of published titles and
/// author names (`lisbn` → `lisbon`), or `None` when no word needed (or found) a correction.
/// A word that starts a known word is not a typo: it is still being typed.
pub async fn spelling_correction(
    pool: &PgPool,
    terms: &str,
) -> Result<Option<String>, sqlx::Error> {
    let words = plain_words(&clean_terms(terms));
    let checked: Vec<&String> = words.iter().filter(|w| w.chars().count() >= 3).collect();
    if checked.is_empty() {
        return Ok(None);
    }
    let candidates: Vec<String> = checked.iter().map(|w| (*w).clone()).collect();
    // One edit for short words, two from six letters on.
    let distances: Vec<i32> = checked
        .iter()
        .map(|w| if w.chars().count() >= 6 { 2 } else { 1 })
        .collect();
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        r#"SELECT q.word,
                  CASE WHEN EXISTS (SELECT 1 FROM search_words w WHERE w.word LIKE q.word || '%') THEN NULL
                       ELSE (SELECT w.word FROM search_words w
                              WHERE w.word % q.word AND levenshtein(w.word, q.word) <= q.distance
                              ORDER BY levenshtein(w.word, q.word), similarity(w.word, q.word) DESC, w.word
                              LIMIT 1)
                  END
           FROM unnest($1::text[], $2::int[]) AS q(word, distance)"#,
    )
    .bind(&candidates)
    .bind(&distances)
    .fetch_all(pool)
    .await?;
    let mut changed = false;
    let corrected: Vec<String> = words
        .iter()
        .map(|word| {
            match rows
                .iter()
                .find(|(w, _)| w == word)
                .and_then(|(_, c)| c.clone())
            {
                Some(better) => {
                    changed = true;
                    better
                }
                None => word.clone(),
            }
        })
        .collect();
    Ok(changed.then(|| corrected.join(" ")))
}

/// What to offer while someone types: titles of published stories whose title, summary or
/// authors start with every word typed (newest first), then writers whose name does.
pub async fn suggestions(
    pool: &PgPool,
    terms: &str,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let words = plain_words(&clean_terms(terms));
    if words.iter().map(|w| w.chars().count()).sum::<usize>() < 2 {
        return Ok(Vec::new());
    }
    let prefix = prefix_query(&words);
    let name_pattern = format!("{}%", words.join(" "));
    sqlx::query_scalar(
        r#"(SELECT u.name FROM (
                SELECT DISTINCT coalesce(nullif(p.display_name, ''), u.username) AS name
                FROM users u JOIN profiles p ON p.user_id = u.id
                WHERE u.is_active
                  AND (lower(p.display_name) LIKE $2 OR lower(u.username) LIKE $2)
                  AND EXISTS (SELECT 1 FROM article_authors aa JOIN articles a ON a.id = aa.article_id
                              WHERE aa.user_id = u.id AND a.status = 'published')) u
            ORDER BY u.name LIMIT 3)
           UNION ALL
           (SELECT a.title FROM articles a
             WHERE a.status = 'published' AND a.search_head @@ to_tsquery('english', $1)
             ORDER BY a.published_at DESC, a.id DESC LIMIT $3)"#,
    )
    .bind(&prefix)
    .bind(&name_pattern)
    .bind(limit)
    .persistent(false)
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_become_prefixes() {
        let words = plain_words("Lisb, café!");
        assert_eq!(words, ["lisb", "café"]);
        assert_eq!(prefix_query(&words), "lisb:* & café:*");
        assert_eq!(prefix_query(&plain_words("  &|!:*() ")), "");
    }

    #[test]
    fn full_text_syntax_is_left_alone() {
        assert!(plain_words("\"old town\" lisbon").is_empty());
        assert!(plain_words("lisbon -rain").is_empty());
        assert!(plain_words("rome or paris").is_empty());
        assert_eq!(plain_words("well-known"), ["well", "known"]);
    }

    #[test]
    fn queries_are_bounded() {
        assert_eq!(clean_terms(&"a".repeat(1000)).len(), MAX_QUERY_CHARS);
        assert_eq!(clean_terms("a\u{2}b\u{0}c"), "abc");
        assert_eq!(plain_words(&"w ".repeat(50)).len(), MAX_WORDS);
    }
}
