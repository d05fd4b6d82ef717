//! Places data shared by the server and the browser.

use serde::{Deserialize, Serialize};

/// Most places one story may name.
pub const MAX_STORY_PLACES: usize = 10;
pub const MAX_PIN_NAME: usize = 80;

/// A place as pages link to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceRef {
    pub name: String,
    pub country: String,
    pub href: String,
    pub country_href: String,
    pub lat: f64,
    pub lon: f64,
    /// A writer's own pin rather than a gazetteer town.
    pub pin: bool,
}

impl PlaceRef {
    /// "Lisbon, Portugal".
    pub fn label(&self) -> String {
        format!("{}, {}", self.name, self.country)
    }
}

/// A writer's choice in the editor, as the form carries it (one per line of the `places`
/// field): `g:<GeoNames id>` for a gazetteer town, `p:<lat>,<lon>,<name>` for a pin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PlaceChoice {
    Town { geonames_id: i64, label: String },
    Pin { name: String, lat: f64, lon: f64 },
}

impl PlaceChoice {
    pub fn encode(&self) -> String {
        match self {
            PlaceChoice::Town { geonames_id, .. } => format!("g:{geonames_id}"),
            PlaceChoice::Pin { name, lat, lon } => format!("p:{lat:.5},{lon:.5},{name}"),
        }
    }

    /// What the editor shows for it.
    pub fn label(&self) -> String {
        match self {
            PlaceChoice::Town { label, .. } => label.clone(),
            PlaceChoice::Pin { name, lat, lon } => format!("{name} (pin at {lat:.4}, {lon:.4})"),
        }
    }

    /// One line of the form field; `None` when it isn't one.
    pub fn decode(line: &str) -> Option<PlaceChoice> {
        let line = line.trim();
        if let Some(id) = line.strip_prefix("g:") {
            return Some(PlaceChoice::Town {
                geonames_id: id.trim().parse().ok()?,
                label: String::new(),
            });
        }
        let mut parts = line.strip_prefix("p:")?.splitn(3, ',');
        let lat = parts.next()?.trim().parse().ok()?;
        let lon = parts.next()?.trim().parse().ok()?;
        let name = parts.next()?.trim().to_owned();
        Some(PlaceChoice::Pin { name, lat, lon })
    }

    pub fn encode_all(choices: &[PlaceChoice]) -> String {
        choices
            .iter()
            .map(PlaceChoice::encode)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A type-ahead answer (or a photo's suggestion): a gazetteer town.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TownSuggestion {
    pub geonames_id: i64,
    pub name: String,
    pub country: String,
}

impl TownSuggestion {
    pub fn label(&self) -> String {
        format!("{}, {}", self.name, self.country)
    }

    pub fn choice(&self) -> PlaceChoice {
        PlaceChoice::Town {
            geonames_id: self.geonames_id,
            label: self.label(),
        }
    }
}

/// A place with stories, in lists beside the maps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceSummary {
    pub place: PlaceRef,
    pub stories: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountrySummary {
    pub name: String,
    pub href: String,
    /// Places with stories (a story may name several places in one country, so their story
    /// counts don't add up to the country's).
    pub places: i64,
}

/// `/places`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldView {
    pub map_svg: String,
    pub countries: Vec<CountrySummary>,
    pub places: usize,
}

/// `/places/<country>` without its stories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountryMap {
    pub name: String,
    pub href: String,
    pub map_svg: String,
    pub places: Vec<PlaceSummary>,
}

/// A story near a place, and how far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearbyStory {
    pub slug: String,
    pub title: String,
    pub place: PlaceRef,
    pub km: i64,
}

/// `/places/<country>/<place>` without its stories.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceMap {
    pub place: PlaceRef,
    pub map_svg: String,
    pub nearby: Vec<NearbyStory>,
}

/// A story's or a writer's map: the SVG and its places (the text equivalent).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PlacesMap {
    pub map_svg: String,
    pub places: Vec<PlaceRef>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_round_trip_through_the_form() {
        let pin = PlaceChoice::Pin {
            name: "Camp, by the lake".into(),
            lat: 46.5,
            lon: 7.25,
        };
        assert_eq!(PlaceChoice::decode(&pin.encode()), Some(pin));
        assert!(matches!(
            PlaceChoice::decode("g:2267057"),
            Some(PlaceChoice::Town {
                geonames_id: 2267057,
                ..
            })
        ));
        assert_eq!(PlaceChoice::decode("x:1"), None);
        assert_eq!(PlaceChoice::decode("p:north,7,Camp"), None);
    }
}
