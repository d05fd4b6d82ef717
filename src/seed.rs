//! `waypost seed`: fills a database with realistic writers, travellers and published articles
//! for demos and benchmarks. Deterministic (fixed RNG seed), batched inserts.

use crate::articles::model::TocEntry;
use crate::articles::server::render;
use crate::error::AppError;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::types::Json;
use sqlx::PgPool;

pub struct SeedOptions {
    pub writers: usize,
    pub travellers: usize,
    pub articles: usize,
    /// Ratings spread over random (article, reader) pairs.
    pub ratings: usize,
    /// Comments spread over random articles, in threads a few levels deep.
    pub comments: usize,
    /// Extra comments on the newest article: one long thread (for the thread benchmark).
    pub long_thread: usize,
}

/// Every seeded account's password (they are demo accounts).
pub const SEED_PASSWORD: &str = "waypost-seed-password";
const BATCH: usize = 500;

const FIRST: &[&str] = &[
    "Ana", "Bruno", "Chloé", "Dmitri", "Elif", "Farah", "Gabriel", "Hana", "Ines", "Jonas", "Kofi",
    "Lucía", "Mateo", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma",
    "Viktor", "Wen", "Ximena", "Yusuf", "Zara",
];
const LAST: &[&str] = &[
    "Lima", "Okafor", "Nakamura", "Rossi", "Schmidt", "Haddad", "Novak", "Silva", "Kowalski",
    "Dubois", "Andersen", "Moreau", "Costa", "Yilmaz", "Fischer", "Santos", "Ivanova", "Mensah",
    "Park", "Larsen",
];
const PLACES: &[&str] = &[
    "Lima",
    "Cusco",
    "Lisbon",
    "Kyoto",
    "Hanoi",
    "Oaxaca",
    "Tbilisi",
    "Marrakesh",
    "Reykjavík",
    "Valparaíso",
    "Istanbul",
    "Naples",
    "Hoi An",
    "Zanzibar",
    "Bergen",
    "Sarajevo",
    "Luang Prabang",
    "Cartagena",
    "Porto",
    "Yogyakarta",
    "Puno",
    "Arequipa",
    "Mendoza",
    "Tromsø",
];
const ADJECTIVES: &[&str] = &[
    "Slow",
    "Quiet",
    "Early",
    "Unexpected",
    "Long",
    "Rainy",
    "Golden",
    "Hidden",
    "Last",
    "First",
    "Cold",
    "Bright",
    "Lost",
    "Little",
];
const NOUNS: &[&str] = &[
    "mornings",
    "trains",
    "markets",
    "walks",
    "ferries",
    "coffee",
    "bus rides",
    "rooftops",
    "harbours",
    "mountains",
    "kitchens",
    "streets",
    "islands",
    "bookshops",
];
const TAGS: &[&str] = &[
    "Food",
    "Trains",
    "Hiking",
    "Cities",
    "Islands",
    "Coffee",
    "Budget",
    "Slow travel",
    "Mountains",
    "Markets",
    "Winter",
    "Photography",
];
const SENTENCES: &[&str] = &[
    "The bus left before dawn, and the driver played the same cassette for six hours.",
    "We found a tiny café where the owner roasted coffee beans in a pan over an open flame.",
    "By noon the market was loud with vendors calling out the prices of mangoes and river fish.",
    "Nobody in the village spoke English, so we pointed, smiled and ate whatever arrived.",
    "The trail climbed through cloud forest until the valley opened below us like a map.",
    "Our hostel had a rooftop where travellers traded advice, books and half-empty bottles of sunscreen.",
    "I had planned to stay two nights and stayed for nine.",
    "The night train rattled across the plateau while a family shared their bread with everyone in the carriage.",
    "A fisherman showed us how to mend a net, laughing every time we tangled it again.",
    "The coffee was strong enough to stand a spoon in, and the pastries were still warm.",
    "Rain came in sideways off the sea, and the whole town retreated into bakeries.",
    "We walked the old walls at sunset, counting church bells as they rang across the roofs.",
    "Every guidebook warned about the ferry, and every warning turned out to be true.",
    "In the museum, a retired teacher gave us a two-hour tour for the price of a coffee.",
    "The border crossing took four stamps, three queues and one very patient guard.",
    "At the top of the pass the air was thin, the tea was sweet and the view was worth every step.",
];

fn paragraph(rng: &mut StdRng) -> String {
    let count = rng.gen_range(3..7);
    (0..count)
        .map(|_| *SENTENCES.choose(rng).unwrap_or(&SENTENCES[0]))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A ~3 KB Markdown body with headings, emphasis, a list and a quote.
fn body(rng: &mut StdRng, place: &str) -> String {
    let mut out = String::with_capacity(3400);
    out.push_str(&paragraph(rng));
    for heading in [
        "Getting there",
        &format!("Days in {place}"),
        "What I would do again",
    ] {
        out.push_str(&format!("\n\n## {heading}\n\n"));
        out.push_str(&paragraph(rng));
        out.push_str("\n\n");
        out.push_str(&paragraph(rng));
    }
    out.push_str("\n\n- Bring a warm layer\n- Carry small change for the buses\n- Ask for the **coffee** of the house\n\n");
    out.push_str(&format!(
        "> {}\n\n",
        SENTENCES.choose(rng).unwrap_or(&SENTENCES[0])
    ));
    out.push_str(&paragraph(rng));
    out
}

pub async fn run(pool: &PgPool, options: &SeedOptions) -> Result<(), AppError> {
    let mut rng = StdRng::seed_from_u64(42);
    let hash = crate::accounts::server::password::hash(SEED_PASSWORD.to_owned()).await?;
    let run_id: String = (0..6).map(|_| rng.gen_range(b'a'..=b'z') as char).collect();

    let mut writer_ids = Vec::with_capacity(options.writers);
    for (kind, count) in [
        ("writer", options.writers),
        ("traveller", options.travellers),
    ] {
        for chunk_start in (0..count).step_by(BATCH) {
            let n = BATCH.min(count - chunk_start);
            let mut usernames = Vec::with_capacity(n);
            let mut emails = Vec::with_capacity(n);
            let mut names = Vec::with_capacity(n);
            for i in chunk_start..chunk_start + n {
                let first = FIRST.choose(&mut rng).unwrap_or(&"Ana");
                let last = LAST.choose(&mut rng).unwrap_or(&"Lima");
                let short: String = (first.to_lowercase().chars())
                    .filter(char::is_ascii_alphanumeric)
                    .collect();
                let username: String = format!("{kind}_{run_id}{short}{i}")
                    .chars()
                    .take(30)
                    .collect();
                emails.push(format!("{username}@seed.waypost.test"));
                usernames.push(username);
                names.push(format!("{first} {last}"));
            }
            let ids = sqlx::query_scalar!(
                r#"WITH new_users AS (
                       INSERT INTO users (username, email, password_hash, email_verified_at)
                       SELECT u, e, $3, now() FROM unnest($1::text[], $2::text[]) AS t(u, e)
                       RETURNING id, username)
                   SELECT id FROM new_users ORDER BY id"#,
                &usernames,
                &emails,
                &hash,
            )
            .fetch_all(pool)
            .await?;
            sqlx::query!(
                r#"INSERT INTO profiles (user_id, display_name, bio)
                   SELECT id, name, 'Writes about trains, markets and the people met along the way.'
                   FROM unnest($1::bigint[], $2::text[]) AS t(id, name)"#,
                &ids,
                &names,
            )
            .execute(pool)
            .await?;
            sqlx::query!(
                r#"INSERT INTO user_groups (user_id, group_id)
                   SELECT t.id, g.id FROM unnest($1::bigint[]) AS t(id)
                   JOIN groups g ON g.name = ANY(CASE WHEN $2 THEN ARRAY['traveller', 'writer'] ELSE ARRAY['traveller'] END)"#,
                &ids,
                kind == "writer",
            )
            .execute(pool)
            .await?;
            if kind == "writer" {
                writer_ids.extend(ids);
            }
        }
    }
    if writer_ids.is_empty() && options.articles > 0 {
        return Err(AppError::BadRequest(
            "Articles need at least one writer.".to_owned(),
        ));
    }

    let tag_slugs: Vec<String> = TAGS.iter().map(slug::slugify).collect();
    let tag_names: Vec<String> = TAGS.iter().map(|t| (*t).to_owned()).collect();
    sqlx::query!(
        "INSERT INTO tags (slug, name) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (slug) DO NOTHING",
        &tag_slugs,
        &tag_names,
    )
    .execute(pool)
    .await?;

    let now = time::OffsetDateTime::now_utc();
    for chunk_start in (0..options.articles).step_by(BATCH) {
        let n = BATCH.min(options.articles - chunk_start);
        let mut slugs = Vec::with_capacity(n);
        let mut titles = Vec::with_capacity(n);
        let mut summaries = Vec::with_capacity(n);
        let mut bodies = Vec::with_capacity(n);
        let mut htmls = Vec::with_capacity(n);
        let mut tocs: Vec<Json<Vec<TocEntry>>> = Vec::with_capacity(n);
        let mut minutes = Vec::with_capacity(n);
        let mut published = Vec::with_capacity(n);
        let mut owners = Vec::with_capacity(n);
        let mut tags = Vec::with_capacity(n);
        let mut places = Vec::with_capacity(n);
        for i in chunk_start..chunk_start + n {
            let place = PLACES.choose(&mut rng).unwrap_or(&"Lima");
            let title = format!(
                "{} {} in {}",
                ADJECTIVES.choose(&mut rng).unwrap_or(&"Slow"),
                NOUNS.choose(&mut rng).unwrap_or(&"mornings"),
                place
            );
            let markdown = body(&mut rng, place);
            let rendered = render::render_article(&markdown);
            slugs.push(format!("{}-{run_id}-{i}", slug::slugify(&title)));
            titles.push(title);
            summaries.push(format!(
                "Notes from {place}: {}",
                SENTENCES.choose(&mut rng).unwrap_or(&SENTENCES[0])
            ));
            bodies.push(markdown);
            htmls.push(rendered.html);
            tocs.push(Json(rendered.toc));
            minutes.push(rendered.reading_minutes);
            published.push(now - time::Duration::minutes(rng.gen_range(0..(3 * 365 * 24 * 60))));
            owners.push(*writer_ids.choose(&mut rng).unwrap_or(&writer_ids[0]));
            tags.push(tag_slugs.choose(&mut rng).cloned().unwrap_or_default());
            places.push(*place);
        }
        let tocs_json: Vec<serde_json::Value> = tocs
            .iter()
            .map(|t| serde_json::to_value(&t.0).unwrap_or_default())
            .collect();
        let ids = sqlx::query_scalar!(
            r#"WITH new_articles AS (
                   INSERT INTO articles (slug, title, summary, body_md, body_html, toc, reading_minutes,
                                         status, published_at, owner_id)
                   SELECT s, t, su, b, h, toc, m, 'published', p, o
                   FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[],
                               $7::int[], $8::timestamptz[], $9::bigint[]) AS x(s, t, su, b, h, toc, m, p, o)
                   RETURNING id, owner_id)
               SELECT id FROM new_articles ORDER BY id"#,
            &slugs,
            &titles,
            &summaries,
            &bodies,
            &htmls,
            &tocs_json,
            &minutes,
            &published,
            &owners,
        )
        .fetch_all(pool)
        .await?;
        sqlx::query!(
            r#"INSERT INTO article_authors (article_id, user_id, position)
               SELECT id, owner_id, 0 FROM articles WHERE id = ANY($1)"#,
            &ids
        )
        .execute(pool)
        .await?;
        sqlx::query!(
            r#"INSERT INTO article_tags (article_id, tag_id)
               SELECT t.id, tags.id FROM unnest($1::bigint[], $2::text[]) AS t(id, slug) JOIN tags ON tags.slug = t.slug"#,
            &ids,
            &tags
        )
        .execute(pool)
        .await?;
        crate::places::server::seed::give_places(pool, &ids, &places, &mut rng).await?;
        crate::articles::server::repo::refresh_author_names(pool, &ids).await?;
        println!("seeded {} / {} articles", chunk_start + n, options.articles);
    }
    seed_engagement(pool, &mut rng, options).await?;
    // Fresh rows: set the visibility map so list queries can use index-only scans.
    sqlx::query("VACUUM ANALYZE").execute(pool).await?;
    println!(
        "seeded {} writers, {} travellers, {} articles, {} ratings and {} comments (password for every account: {SEED_PASSWORD})",
        options.writers, options.travellers, options.articles, options.ratings,
        options.comments + options.long_thread
    );
    Ok(())
}

const COMMENTS: &[&str] = &[
    "This brought back memories of my own trip. Did you book the **night train** in advance?",
    "Great tips, thank you! The market at dawn is now on my list.",
    "How did you get from the station to the old town? Taxi or the local bus?",
    "We went last spring and the weather was *completely* different. Lucky you!",
    "I would add one thing: carry small change, most stalls don't take cards.",
    "Beautifully written. The part about the ferry made me laugh.",
    "Is it safe to walk there at night? Travelling solo next month.",
    "Bookmarked. [The local tourist office](https://example.com) also has free maps.",
];

/// Seeded comments, column by column (for one `unnest` insert per batch).
#[derive(Default)]
struct CommentColumns {
    id: Vec<i64>,
    article: Vec<i64>,
    parent: Vec<Option<i64>>,
    author: Vec<i64>,
    path: Vec<String>,
    depth: Vec<i32>,
    /// Index into `COMMENTS`.
    template: Vec<usize>,
}

/// Ratings and comment threads for the seeded articles.
async fn seed_engagement(
    pool: &PgPool,
    rng: &mut StdRng,
    options: &SeedOptions,
) -> Result<(), AppError> {
    use crate::engagement::server::comments::path_segment;
    use std::collections::{HashMap, HashSet};
    if options.ratings + options.comments + options.long_thread == 0 {
        return Ok(());
    }
    let readers: Vec<i64> = sqlx::query_scalar("SELECT id FROM users ORDER BY id")
        .fetch_all(pool)
        .await?;
    let articles: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM articles WHERE status = 'published' ORDER BY id")
            .fetch_all(pool)
            .await?;
    if readers.is_empty() || articles.is_empty() {
        return Ok(());
    }

    let mut pairs = HashSet::new();
    let wanted = options.ratings.min(readers.len() * articles.len());
    while pairs.len() < wanted {
        let article = articles[rng.gen_range(0..articles.len())];
        let reader = readers[rng.gen_range(0..readers.len())];
        pairs.insert((article, reader));
    }
    let pairs: Vec<(i64, i64)> = pairs.into_iter().collect();
    for chunk in pairs.chunks(5_000) {
        let (article_ids, user_ids): (Vec<i64>, Vec<i64>) = chunk.iter().copied().unzip();
        let stars: Vec<i16> = chunk.iter().map(|_| rng.gen_range(2..=5)).collect();
        sqlx::query(
            // Authors don't rate their own stories.
            "INSERT INTO ratings (article_id, user_id, stars)
             SELECT t.a, t.u, t.s FROM unnest($1::bigint[], $2::bigint[], $3::smallint[]) AS t(a, u, s)
             WHERE NOT EXISTS (SELECT 1 FROM article_authors aa WHERE aa.article_id = t.a AND aa.user_id = t.u)
             ON CONFLICT DO NOTHING",
        )
        .bind(&article_ids)
        .bind(&user_ids)
        .bind(&stars)
        .execute(pool)
        .await?;
    }

    let rendered: Vec<String> = COMMENTS.iter().map(|c| render::render_comment(c)).collect();
    let newest = *articles.last().unwrap_or(&articles[0]);
    let total = options.comments + options.long_thread;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT nextval(pg_get_serial_sequence('comments', 'id')) FROM generate_series(1, $1)",
    )
    .bind(total as i64)
    .fetch_all(pool)
    .await?;
    // Per article: the comments so far, with their path and depth, to reply to.
    let mut threads: HashMap<i64, Vec<(i64, String, i32)>> = HashMap::new();
    let mut rows = CommentColumns::default();
    for (i, &id) in ids.iter().enumerate() {
        // The second newest story gets a typical busy discussion (~30 comments).
        let busy = articles[articles.len().saturating_sub(2)];
        let (article, max_depth) = if i < options.comments.min(30) {
            (busy, 3)
        } else if i < options.comments {
            (articles[rng.gen_range(0..articles.len())], 3)
        } else {
            (newest, 6)
        };
        let thread = threads.entry(article).or_default();
        let parent = (!thread.is_empty() && rng.gen_bool(0.6))
            .then(|| thread[rng.gen_range(0..thread.len())].clone())
            .filter(|(_, _, depth)| *depth < max_depth);
        let (parent_id, path, depth) = match parent {
            Some((pid, ppath, pdepth)) => (
                Some(pid),
                format!("{ppath}{}", path_segment(id)),
                pdepth + 1,
            ),
            None => (None, path_segment(id), 0),
        };
        thread.push((id, path.clone(), depth));
        rows.id.push(id);
        rows.article.push(article);
        rows.parent.push(parent_id);
        rows.author.push(readers[rng.gen_range(0..readers.len())]);
        rows.path.push(path);
        rows.depth.push(depth);
        rows.template.push(rng.gen_range(0..COMMENTS.len()));
    }
    for start in (0..ids.len()).step_by(5_000) {
        let end = (start + 5_000).min(ids.len());
        let md: Vec<&str> = rows.template[start..end]
            .iter()
            .map(|&t| COMMENTS[t])
            .collect();
        let html: Vec<&str> = rows.template[start..end]
            .iter()
            .map(|&t| rendered[t].as_str())
            .collect();
        sqlx::query(
            "INSERT INTO comments (id, article_id, parent_id, author_id, path, depth, body_md, body_html, created_at)
             SELECT t.id, t.article, t.parent, t.author, t.path, t.depth, t.md, t.html,
                    -- A minute apart, in id order: replies are never older than their parent.
                    now() - ($9::bigint - t.id) * interval '1 minute'
             FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::int[], $7::text[], $8::text[])
                  AS t(id, article, parent, author, path, depth, md, html)",
        )
        .bind(&rows.id[start..end])
        .bind(&rows.article[start..end])
        .bind(&rows.parent[start..end])
        .bind(&rows.author[start..end])
        .bind(&rows.path[start..end])
        .bind(&rows.depth[start..end])
        .bind(&md)
        .bind(&html)
        .bind(ids.last().copied().unwrap_or_default())
        .execute(pool)
        .await?;
    }
    // Aggregates on the article rows, as the app keeps them.
    sqlx::query(
        "UPDATE articles a SET rating_sum = s.sum, rating_count = s.count
         FROM (SELECT article_id, sum(stars)::bigint AS sum, count(*) AS count FROM ratings GROUP BY article_id) s
         WHERE a.id = s.article_id",
    )
    .execute(pool)
    .await?;
    sqlx::query(
        "UPDATE articles a SET comment_count = s.count
         FROM (SELECT article_id, count(*) AS count FROM comments
               WHERE deleted_at IS NULL AND hidden_at IS NULL GROUP BY article_id) s
         WHERE a.id = s.article_id",
    )
    .execute(pool)
    .await?;
    println!("seeded {} ratings and {} comments", pairs.len(), ids.len());
    Ok(())
}
