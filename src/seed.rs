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
                let username = format!(
                    "{}_{}{}{i}",
                    kind,
                    run_id,
                    first
                        .to_lowercase()
                        .chars()
                        .filter(char::is_ascii_alphanumeric)
                        .collect::<String>()
                );
                let username: String = username.chars().take(30).collect();
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
        crate::articles::server::repo::refresh_author_names(pool, &ids).await?;
        println!("seeded {} / {} articles", chunk_start + n, options.articles);
    }
    // Fresh rows: set the visibility map so list queries can use index-only scans.
    sqlx::query("VACUUM ANALYZE").execute(pool).await?;
    println!(
        "seeded {} writers, {} travellers and {} articles (password for every account: {SEED_PASSWORD})",
        options.writers, options.travellers, options.articles
    );
    Ok(())
}
