//! Place queries.

use sqlx::{PgPool, Postgres, Transaction};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlaceRow {
    pub id: i64,
    pub country_code: String,
    pub slug: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// `None` for a writer's pin.
    pub geonames_id: Option<i64>,
    pub story_count: i32,
}

/// The gazetteer town's row, made on first use.
pub async fn town_place_id(
    tx: &mut Transaction<'_, Postgres>,
    geonames_id: i64,
    country_code: &str,
    name: &str,
    lat: f64,
    lon: f64,
) -> Result<i64, sqlx::Error> {
    if let Some(id) =
        sqlx::query_scalar!("SELECT id FROM places WHERE geonames_id = $1", geonames_id)
            .fetch_optional(&mut **tx)
            .await?
    {
        return Ok(id);
    }
    insert_with_free_slug(tx, Some(geonames_id), country_code, name, lat, lon).await
}

/// A writer's pin: the same name at (almost) the same spot is the same pin.
pub async fn pin_place_id(
    tx: &mut Transaction<'_, Postgres>,
    country_code: &str,
    name: &str,
    lat: f64,
    lon: f64,
) -> Result<i64, sqlx::Error> {
    if let Some(id) = sqlx::query_scalar!(
        "SELECT id FROM places WHERE geonames_id IS NULL AND country_code = $1 AND lower(name) = lower($2)
            AND abs(lat - $3) < 0.001 AND abs(lon - $4) < 0.001 LIMIT 1",
        country_code,
        name,
        lat,
        lon
    )
    .fetch_optional(&mut **tx)
    .await?
    {
        return Ok(id);
    }
    insert_with_free_slug(tx, None, country_code, name, lat, lon).await
}

/// "Springfield", then "springfield-2"… within the country. A town another request just
/// inserted is found instead of duplicated (the GeoNames id is unique).
async fn insert_with_free_slug(
    tx: &mut Transaction<'_, Postgres>,
    geonames_id: Option<i64>,
    country_code: &str,
    name: &str,
    lat: f64,
    lon: f64,
) -> Result<i64, sqlx::Error> {
    let mut base = slug::slugify(name);
    base.truncate(90);
    let base = match base.trim_end_matches('-') {
        "" => "place".to_owned(),
        trimmed => trimmed.to_owned(),
    };
    for n in 1..100 {
        let slug = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let inserted = sqlx::query_scalar!(
            "INSERT INTO places (country_code, slug, name, geonames_id, lat, lon)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
            country_code,
            slug,
            name,
            geonames_id,
            lat,
            lon
        )
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(id) = inserted {
            return Ok(id);
        }
        if let Some(id) = geonames_id {
            if let Some(existing) =
                sqlx::query_scalar!("SELECT id FROM places WHERE geonames_id = $1", id)
                    .fetch_optional(&mut **tx)
                    .await?
            {
                return Ok(existing);
            }
        }
    }
    Err(sqlx::Error::Protocol(format!(
        "no free place slug for {base}"
    )))
}

/// Makes `place_ids` the story's places, in that order, and keeps its searchable names.
pub async fn set_story_places(
    tx: &mut Transaction<'_, Postgres>,
    article_id: i64,
    place_ids: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM article_places WHERE article_id = $1 AND place_id <> ALL($2)",
        article_id,
        place_ids
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "INSERT INTO article_places (article_id, place_id, position)
         SELECT $1, id, ord FROM unnest($2::bigint[]) WITH ORDINALITY AS t(id, ord)
         ON CONFLICT (article_id, place_id) DO UPDATE SET position = EXCLUDED.position",
        article_id,
        place_ids
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE articles SET place_names = coalesce((
             SELECT string_agg(p.name, ' ' ORDER BY ap.position)
               FROM article_places ap JOIN places p ON p.id = ap.place_id WHERE ap.article_id = $1), '')
         WHERE id = $1",
        article_id
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Many stories' places at once (the seed): rows of (story, place, position).
pub async fn insert_story_places(
    tx: &mut Transaction<'_, Postgres>,
    article_ids: &[i64],
    place_ids: &[i64],
    positions: &[i32],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO article_places (article_id, place_id, position)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[]) ON CONFLICT DO NOTHING",
        article_ids,
        place_ids,
        positions
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        "UPDATE articles a SET place_names = coalesce((
             SELECT string_agg(p.name, ' ' ORDER BY ap.position)
               FROM article_places ap JOIN places p ON p.id = ap.place_id WHERE ap.article_id = a.id), '')
         WHERE a.id = ANY($1)",
        article_ids
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn story_places(pool: &PgPool, article_id: i64) -> Result<Vec<PlaceRow>, sqlx::Error> {
    sqlx::query_as!(
        PlaceRow,
        r#"SELECT p.id, p.country_code, p.slug, p.name, p.lat, p.lon,
                  p.geonames_id, p.story_count
           FROM article_places ap JOIN places p ON p.id = ap.place_id
           WHERE ap.article_id = $1 ORDER BY ap.position"#,
        article_id
    )
    .fetch_all(pool)
    .await
}

/// The places of a writer's published stories, in the order they first wrote about them.
pub async fn author_places(pool: &PgPool, user_id: i64) -> Result<Vec<PlaceRow>, sqlx::Error> {
    sqlx::query_as!(
        PlaceRow,
        r#"SELECT p.id, p.country_code, p.slug, p.name, p.lat, p.lon,
                  p.geonames_id, p.story_count
           FROM places p JOIN (
               SELECT ap.place_id, min((a.published_at, ap.position)::text) AS first
               FROM article_authors aa
               JOIN articles a ON a.id = aa.article_id AND a.status = 'published'
               JOIN article_places ap ON ap.article_id = a.id
               WHERE aa.user_id = $1
               GROUP BY ap.place_id
           ) visits ON visits.place_id = p.id
           ORDER BY visits.first, p.id
           LIMIT 200"#,
        user_id
    )
    .fetch_all(pool)
    .await
}

/// Every place with published stories (the world map), busiest first.
pub async fn places_with_stories(
    pool: &PgPool,
    country_code: Option<&str>,
) -> Result<Vec<PlaceRow>, sqlx::Error> {
    sqlx::query_as!(
        PlaceRow,
        r#"SELECT id, country_code, slug, name, lat, lon, geonames_id, story_count
           FROM places
           WHERE story_count > 0 AND ($1::text IS NULL OR country_code = $1)
           ORDER BY story_count DESC, name"#,
        country_code
    )
    .fetch_all(pool)
    .await
}

pub async fn by_slug(
    pool: &PgPool,
    country_code: &str,
    slug: &str,
) -> Result<Option<PlaceRow>, sqlx::Error> {
    sqlx::query_as!(
        PlaceRow,
        r#"SELECT id, country_code, slug, name, lat, lon, geonames_id, story_count
           FROM places WHERE country_code = $1 AND slug = $2"#,
        country_code,
        slug
    )
    .fetch_optional(pool)
    .await
}

pub struct NearbyRow {
    pub slug: String,
    pub title: String,
    pub place_id: i64,
    pub km: f64,
}

/// Other places with stories within `radius_km`, nearest first, with their distance: a
/// latitude/longitude box on the index, then exact (haversine) distances on what is inside.
pub async fn neighbours(
    pool: &PgPool,
    place: &PlaceRow,
    radius_km: f64,
) -> Result<Vec<(PlaceRow, f64)>, sqlx::Error> {
    let dlat = radius_km / 111.0;
    let dlon = radius_km / (111.0 * place.lat.to_radians().cos().max(0.05));
    let places = sqlx::query_as!(
        PlaceRow,
        r#"SELECT id, country_code, slug, name, lat, lon, geonames_id, story_count
           FROM places
           WHERE story_count > 0 AND id <> $1
             AND lat BETWEEN $2 AND $3 AND lon BETWEEN $4 AND $5"#,
        place.id,
        place.lat - dlat,
        place.lat + dlat,
        place.lon - dlon,
        place.lon + dlon,
    )
    .fetch_all(pool)
    .await?;
    let mut near: Vec<(PlaceRow, f64)> = places
        .into_iter()
        .map(|p| {
            let km = super::gazetteer::distance_km(place.lat, place.lon, p.lat, p.lon);
            (p, km)
        })
        .filter(|(_, km)| *km <= radius_km)
        .collect();
    near.sort_by(|a, b| a.1.total_cmp(&b.1));
    Ok(near)
}

/// Up to `limit` published stories at the `near` places (nearest first), leaving out those
/// that are also at `here`.
pub async fn stories_near(
    pool: &PgPool,
    here: i64,
    near: &[(i64, f64)],
    limit: i64,
) -> Result<Vec<NearbyRow>, sqlx::Error> {
    let mut stories: Vec<NearbyRow> = Vec::new();
    // Usually the nearest place or two fill the list.
    for &(place_id, km) in near {
        if stories.len() as i64 >= limit {
            break;
        }
        let rows = sqlx::query!(
            r#"SELECT a.slug, a.title
               FROM article_places ap JOIN articles a ON a.id = ap.article_id AND a.status = 'published'
               WHERE ap.place_id = $1
                 AND NOT EXISTS (SELECT 1 FROM article_places here WHERE here.article_id = a.id AND here.place_id = $2)
               ORDER BY a.published_at DESC, a.id DESC LIMIT $3"#,
            place_id,
            here,
            limit,
        )
        .fetch_all(pool)
        .await?;
        for row in rows {
            if stories.len() as i64 >= limit {
                break;
            }
            if !stories.iter().any(|s| s.slug == row.slug) {
                stories.push(NearbyRow {
                    slug: row.slug,
                    title: row.title,
                    place_id,
                    km,
                });
            }
        }
    }
    Ok(stories)
}

/// Goes up with every story recount (`places_version`): what was drawn at this version is
/// still current.
pub async fn places_version(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!("SELECT version FROM places_version")
        .fetch_one(pool)
        .await
}
