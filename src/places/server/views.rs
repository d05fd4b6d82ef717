//! What the place pages, a story's map and a writer's map show, drawn on the server.

use super::at_version::AtVersion;
use super::gazetteer::gazetteer;
use super::map::{self, Frame, MapSpec, Pin};
use super::{place_ref, repo};
use crate::articles::model::{ArticlePage, Sort};
use crate::articles::server::repo::{list_published, ListFilter};
use crate::error::AppError;
use crate::places::model::{
    CountryMap, CountrySummary, NearbyStory, PlaceMap, PlaceRef, PlaceSummary, PlacesMap, WorldView,
};
use crate::wording::count;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

/// Country and place pages kept per process (each a few KB of drawing).
const PAGES_KEPT: usize = 2_000;

/// "Nearby" reaches this far.
pub const NEARBY_KM: f64 = 300.0;
const NEARBY_STORIES: i64 = 6;

fn stories(count: i64) -> String {
    if count == 1 {
        "1 story".to_owned()
    } else {
        format!("{count} stories")
    }
}

fn pin(place: &PlaceRef, count: i64) -> Pin {
    Pin {
        lat: place.lat,
        lon: place.lon,
        href: place.href.clone(),
        label: if count > 0 {
            format!("{}: {}", place.label(), stories(count))
        } else {
            place.label()
        },
        name: place.name.clone(),
        stories: count,
    }
}

/// `/places`: every place with stories on a world map, and the countries.
pub async fn world_view(pool: &PgPool) -> Result<Arc<WorldView>, AppError> {
    static WORLD: LazyLock<AtVersion<(), WorldView>> = LazyLock::new(|| AtVersion::new(1));
    let version = repo::places_version(pool).await?;
    WORLD.get_or_make((), version, draw_world(pool)).await
}

async fn draw_world(pool: &PgPool) -> Result<WorldView, AppError> {
    let rows = repo::places_with_stories(pool, None).await?;
    let places: Vec<(PlaceRef, i64)> = rows
        .iter()
        .map(|r| (place_ref(r), i64::from(r.story_count)))
        .collect();
    let codes: Vec<String> = rows.iter().map(|r| r.country_code.clone()).collect();
    let mut countries: HashMap<String, (String, CountrySummary)> = HashMap::new();
    for ((place, _), code) in places.iter().zip(&codes) {
        let entry = countries
            .entry(place.country_href.clone())
            .or_insert_with(|| {
                let summary = CountrySummary {
                    name: place.country.clone(),
                    href: place.country_href.clone(),
                    places: 0,
                };
                (code.clone(), summary)
            });
        entry.1.places += 1;
    }
    let mut links: Vec<(String, String, String)> = countries
        .values()
        .map(|(code, c)| {
            (
                code.clone(),
                c.href.clone(),
                format!("{}: {}", c.name, count(c.places, "place", "places")),
            )
        })
        .collect();
    // In a fixed order: the map is remembered by a fingerprint of its inputs, and a HashMap's
    // order differs from one request to the next.
    links.sort_unstable();
    let pins: Vec<Pin> = places.iter().map(|(p, n)| pin(p, *n)).collect();
    let map_svg = map::render(&MapSpec {
        id: "world-map",
        title: "World map of the places Waypost's stories are about",
        frame: Frame::World,
        pins: &pins,
        trip: false,
        labels: false,
        size: map::WORLD_SIZE,
        country_links: &links,
    });
    let mut countries: Vec<CountrySummary> = countries.into_values().map(|(_, c)| c).collect();
    countries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(WorldView {
        map_svg,
        countries,
        places: places.len(),
    })
}

/// `/places/<country>`: its map and places, and its stories a page at a time.
pub async fn country_view(
    pool: &PgPool,
    country_slug: &str,
    page: i64,
    page_size: i64,
) -> Result<(Arc<CountryMap>, ArticlePage), AppError> {
    static COUNTRIES: LazyLock<AtVersion<&'static str, CountryMap>> =
        LazyLock::new(|| AtVersion::new(PAGES_KEPT));
    let country = gazetteer()
        .country_by_slug(country_slug)
        .ok_or(AppError::NotFound)?;
    let version = repo::places_version(pool).await?;
    let map = COUNTRIES
        .get_or_make(country.code, version, draw_country(pool, country))
        .await?;
    let filter = ListFilter {
        country: Some(country.code),
        ..Default::default()
    };
    let (items, total) = list_published(
        pool,
        &filter,
        Sort::Newest,
        page_size,
        (page - 1) * page_size,
    )
    .await?;
    Ok((map, ArticlePage::new(items, page, total, page_size)?))
}

async fn draw_country(
    pool: &PgPool,
    country: &super::gazetteer::Country,
) -> Result<CountryMap, AppError> {
    let rows = repo::places_with_stories(pool, Some(country.code)).await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    let places: Vec<PlaceSummary> = rows
        .iter()
        .map(|r| PlaceSummary {
            place: place_ref(r),
            stories: i64::from(r.story_count),
        })
        .collect();
    let pins: Vec<Pin> = places.iter().map(|p| pin(&p.place, p.stories)).collect();
    let title = format!("Map of {}: the places with stories", country.name);
    let map_svg = map::render(&MapSpec {
        id: "country-map",
        title: &title,
        frame: Frame::Country(country.code.to_owned()),
        pins: &pins,
        trip: false,
        labels: pins.len() <= 15,
        size: (800.0, 560.0),
        country_links: &[],
    });
    Ok(CountryMap {
        name: country.name.to_owned(),
        href: format!("/places/{}", country.slug),
        map_svg,
        places,
    })
}

/// A place page's parts that depend on the places alone: the place, its neighbours with
/// stories (nearest first, with their distance) and the map of them.
struct PlaceParts {
    row: repo::PlaceRow,
    place: PlaceRef,
    neighbours: Vec<(i64, f64, PlaceRef)>,
    map_svg: String,
}

/// `/places/<country>/<place>`: the place on a map with its neighbours, its stories, and
/// stories nearby.
pub async fn place_view(
    pool: &PgPool,
    country_slug: &str,
    place_slug: &str,
    page: i64,
    page_size: i64,
) -> Result<(PlaceMap, ArticlePage), AppError> {
    static PLACES: LazyLock<AtVersion<(&'static str, String), PlaceParts>> =
        LazyLock::new(|| AtVersion::new(PAGES_KEPT));
    let country = gazetteer()
        .country_by_slug(country_slug)
        .ok_or(AppError::NotFound)?;
    let version = repo::places_version(pool).await?;
    let parts = PLACES
        .get_or_make(
            (country.code, place_slug.to_owned()),
            version,
            draw_place(pool, country.code, place_slug),
        )
        .await?;
    let near: Vec<(i64, f64)> = parts
        .neighbours
        .iter()
        .map(|(id, km, _)| (*id, *km))
        .collect();
    let nearby = repo::stories_near(pool, parts.row.id, &near, NEARBY_STORIES)
        .await?
        .into_iter()
        .filter_map(|n| {
            let (_, _, place) = parts
                .neighbours
                .iter()
                .find(|(id, _, _)| *id == n.place_id)?;
            Some(NearbyStory {
                slug: n.slug,
                title: n.title,
                place: place.clone(),
                km: n.km.round() as i64,
            })
        })
        .collect();
    let filter = ListFilter {
        place: Some(parts.row.id),
        ..Default::default()
    };
    let (items, total) = list_published(
        pool,
        &filter,
        Sort::Newest,
        page_size,
        (page - 1) * page_size,
    )
    .await?;
    let map = PlaceMap {
        place: parts.place.clone(),
        map_svg: parts.map_svg.clone(),
        nearby,
    };
    Ok((map, ArticlePage::new(items, page, total, page_size)?))
}

async fn draw_place(
    pool: &PgPool,
    country_code: &str,
    place_slug: &str,
) -> Result<PlaceParts, AppError> {
    let row = repo::by_slug(pool, country_code, place_slug)
        .await?
        .filter(|r| r.story_count > 0)
        .ok_or(AppError::NotFound)?;
    let place = place_ref(&row);
    let near = repo::neighbours(pool, &row, NEARBY_KM).await?;
    // The place itself, then its neighbours with stories (those in view are drawn).
    let mut pins = vec![pin(&place, i64::from(row.story_count))];
    pins.extend(
        near.iter()
            .map(|(r, _)| pin(&place_ref(r), i64::from(r.story_count))),
    );
    let title = format!("Map of {} and places nearby", place.label());
    let map_svg = map::render(&MapSpec {
        id: "place-map",
        title: &title,
        frame: Frame::Pins,
        pins: &pins,
        trip: false,
        labels: pins.len() <= 15,
        size: (800.0, 480.0),
        country_links: &[],
    });
    let neighbours = near
        .iter()
        .map(|(r, km)| (r.id, *km, place_ref(r)))
        .collect();
    Ok(PlaceParts {
        row,
        place,
        neighbours,
        map_svg,
    })
}

/// The small map beside a story's byline; empty when the story names no place.
pub async fn story_map(pool: &PgPool, article_id: i64, title: &str) -> Result<PlacesMap, AppError> {
    let rows = repo::story_places(pool, article_id).await?;
    let places: Vec<PlaceRef> = rows.iter().map(place_ref).collect();
    if places.is_empty() {
        return Ok(PlacesMap::default());
    }
    let pins: Vec<Pin> = places.iter().map(|p| pin(p, 0)).collect();
    let map_title = format!("Map: where “{title}” takes place");
    let map_svg = map::render(&MapSpec {
        id: "story-map",
        title: &map_title,
        frame: Frame::Pins,
        pins: &pins,
        trip: false,
        labels: true,
        size: (320.0, 220.0),
        country_links: &[],
    });
    Ok(PlacesMap { map_svg, places })
}

/// "Where <name> has been": a writer's places and the line of their travels, in the order of
/// their stories.
pub async fn author_map(pool: &PgPool, user_id: i64, name: &str) -> Result<PlacesMap, AppError> {
    let rows = repo::author_places(pool, user_id).await?;
    let places: Vec<PlaceRef> = rows.iter().map(place_ref).collect();
    if places.is_empty() {
        return Ok(PlacesMap::default());
    }
    let pins: Vec<Pin> = places.iter().map(|p| pin(p, 0)).collect();
    let map_title = format!("Map: where {name} has been");
    let map_svg = map::render(&MapSpec {
        id: "author-map",
        title: &map_title,
        frame: Frame::Pins,
        pins: &pins,
        trip: true,
        labels: pins.len() <= 12,
        size: (800.0, 420.0),
        country_links: &[],
    });
    Ok(PlacesMap { map_svg, places })
}
