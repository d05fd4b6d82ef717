//! Places on the server: the gazetteer, the maps, and the commands that give stories places.
//! Articles call [`parse_choices`] and [`set_story_places`] from their save command, inside its
//! transaction; the place pages' data is in [`views`].

pub mod at_version;
pub mod atlas;
pub mod gazetteer;
pub mod map;
pub mod repo;
pub mod seed;
pub mod views;

use crate::error::{AppError, FieldErrors};
use crate::places::model::{
    Degrees, PlaceChoice, PlaceRef, TownSuggestion, MAX_PIN_NAME, MAX_STORY_PLACES,
};
use gazetteer::gazetteer;
use sqlx::{Postgres, Transaction};

/// A photo's position suggests a town only when one is this close.
const PHOTO_SUGGESTION_KM: f64 = 50.0;

pub fn place_ref(row: &repo::PlaceRow) -> PlaceRef {
    let country = gazetteer().country(&row.country_code);
    let country_slug = country.map_or_else(|| row.country_code.to_lowercase(), |c| c.slug.clone());
    PlaceRef {
        name: row.name.clone(),
        country: country.map_or_else(|| row.country_code.clone(), |c| c.name.to_owned()),
        href: format!("/places/{country_slug}/{}", row.slug),
        country_href: format!("/places/{country_slug}"),
        lat: row.lat,
        lon: row.lon,
        pin: row.geonames_id.is_none(),
    }
}

fn suggestion(town: &gazetteer::Town) -> TownSuggestion {
    TownSuggestion {
        geonames_id: town.geonames_id,
        name: town.name.to_owned(),
        country: gazetteer().country_name(town.country_code).to_owned(),
    }
}

/// Type-ahead: towns starting with what the writer typed.
pub fn suggest(query: &str) -> Vec<TownSuggestion> {
    let query: String = query.chars().take(80).collect();
    gazetteer()
        .suggest(&query, 8)
        .into_iter()
        .map(suggestion)
        .collect()
}

/// The town a photo was taken in or near, if any is close. Only the town is offered: the
/// photo's own coordinates go nowhere.
pub fn suggest_near(lat: f64, lon: f64) -> Option<TownSuggestion> {
    let (town, km) = gazetteer().nearest(lat, lon)?;
    (km <= PHOTO_SUGGESTION_KM).then(|| suggestion(town))
}

/// The editor's `places` field (one choice per line), checked; problems go under `places`.
pub fn parse_choices(raw: &str, errors: &mut FieldErrors) -> Vec<PlaceChoice> {
    let mut choices: Vec<PlaceChoice> = Vec::new();
    for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some(choice) = PlaceChoice::decode(line) else {
            errors.add(
                "places",
                "One of the places could not be read. Remove it and add it again.",
            );
            return Vec::new();
        };
        match &choice {
            PlaceChoice::Town { geonames_id, .. } => {
                if gazetteer().town(*geonames_id).is_none() {
                    errors.add("places", "One of the places is not in Waypost's gazetteer. Choose it from the suggestions.");
                    return Vec::new();
                }
            }
            PlaceChoice::Pin { name, lat, lon } => {
                if name.is_empty() || name.chars().count() > MAX_PIN_NAME {
                    errors.add(
                        "places",
                        format!("Name each pin (up to {MAX_PIN_NAME} characters)."),
                    );
                    return Vec::new();
                }
                if !lat.within(90) || !lon.within(180) {
                    errors.add("places", "A pin's latitude is between -90 and 90, its longitude between -180 and 180.");
                    return Vec::new();
                }
            }
        }
        if !choices.contains(&choice) {
            choices.push(choice);
        }
    }
    if choices.len() > MAX_STORY_PLACES {
        errors.add("places", format!("Name at most {MAX_STORY_PLACES} places."));
        return Vec::new();
    }
    choices
}

/// Makes `choices` the story's places (inside the story's saving transaction). Story counts
/// follow by trigger; the caller drops the cached pages.
pub async fn set_story_places(
    tx: &mut Transaction<'_, Postgres>,
    article_id: i64,
    choices: &[PlaceChoice],
) -> Result<(), AppError> {
    let mut ids = Vec::with_capacity(choices.len());
    for choice in choices {
        let id = match choice {
            PlaceChoice::Town { geonames_id, .. } => {
                let town = gazetteer().town(*geonames_id).ok_or_else(|| {
                    AppError::invalid("places", "That place is not in the gazetteer.")
                })?;
                repo::town_place_id(
                    tx,
                    town.geonames_id,
                    town.country_code,
                    town.name,
                    town.lat,
                    town.lon,
                )
                .await?
            }
            PlaceChoice::Pin { name, lat, lon } => {
                let (lat, lon) = (lat.to_f64(), lon.to_f64());
                // A pin belongs to the country of the nearest town.
                let country = gazetteer()
                    .nearest(lat, lon)
                    .map(|(town, _)| town.country_code)
                    .ok_or_else(|| AppError::invalid("places", "No country is near that pin."))?;
                repo::pin_place_id(tx, country, name, lat, lon).await?
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    repo::set_story_places(tx, article_id, &ids).await?;
    Ok(())
}

/// A story's places as the editor shows them.
pub async fn story_choices(
    pool: &sqlx::PgPool,
    article_id: i64,
) -> Result<Vec<PlaceChoice>, AppError> {
    let rows = repo::story_places(pool, article_id).await?;
    Ok(rows
        .iter()
        .map(|row| match row.geonames_id {
            Some(geonames_id) => PlaceChoice::Town {
                geonames_id,
                label: place_ref(row).label(),
            },
            None => PlaceChoice::Pin {
                name: row.name.clone(),
                lat: Degrees::from_f64(row.lat),
                lon: Degrees::from_f64(row.lon),
            },
        })
        .collect())
}
