//! Places for `waypost seed`: each seeded story is about the town its title names, and half of
//! them about a second town among the world's larger cities, so the maps have pins everywhere.

use super::gazetteer::gazetteer;
use crate::error::AppError;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use sqlx::PgPool;
use std::collections::HashMap;

/// How many of the largest cities the second places come from.
const SPREAD: usize = 600;

pub async fn give_places(
    pool: &PgPool,
    article_ids: &[i64],
    title_places: &[&str],
    rng: &mut StdRng,
) -> Result<(), AppError> {
    let towns = gazetteer();
    let mut rows: Vec<(i64, i64, i32)> = Vec::new();
    let mut place_ids: HashMap<i64, i64> = HashMap::new();
    let mut tx = pool.begin().await?;
    for (&article_id, &name) in article_ids.iter().zip(title_places) {
        let mut chosen = Vec::new();
        if let Some(town) = towns.suggest(name, 1).first() {
            chosen.push(*town);
        }
        if rng.gen_bool(0.5) {
            if let Some(town) = towns.largest(SPREAD).choose(rng) {
                if !chosen.iter().any(|c| c.geonames_id == town.geonames_id) {
                    chosen.push(town);
                }
            }
        }
        for (position, town) in chosen.into_iter().enumerate() {
            let place_id = match place_ids.get(&town.geonames_id) {
                Some(id) => *id,
                None => {
                    let id = super::repo::town_place_id(
                        &mut tx,
                        town.geonames_id,
                        town.country_code,
                        town.name,
                        town.lat,
                        town.lon,
                    )
                    .await?;
                    place_ids.insert(town.geonames_id, id);
                    id
                }
            };
            rows.push((article_id, place_id, position as i32));
        }
    }
    let articles: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let places: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let positions: Vec<i32> = rows.iter().map(|r| r.2).collect();
    super::repo::insert_story_places(&mut tx, &articles, &places, &positions).await?;
    tx.commit().await?;
    Ok(())
}
