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

/// A latitude or longitude in hundred-thousandths of a degree (about a metre). Integers on
/// purpose: exact to write into the form and read back, and no floating-point formatting or
/// parsing code in the browser's bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Degrees(pub i32);

impl Degrees {
    const SCALE: i64 = 100_000;

    /// "38.7163", "-9.13", "12": up to five decimals are kept, more are cut.
    pub fn parse(text: &str) -> Option<Degrees> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty()
            || !whole
                .bytes()
                .chain(fraction.bytes())
                .all(|b| b.is_ascii_digit())
            || whole.len() > 3
        {
            return None;
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let mut fraction: String = fraction.chars().take(5).collect();
        while fraction.len() < 5 {
            fraction.push('0');
        }
        let value = whole * Self::SCALE + fraction.parse::<i64>().ok()?;
        i32::try_from(if negative { -value } else { value })
            .ok()
            .map(Degrees)
    }

    pub fn within(self, limit: i32) -> bool {
        (-limit * 100_000..=limit * 100_000).contains(&self.0)
    }

    pub fn to_f64(self) -> f64 {
        f64::from(self.0) / Self::SCALE as f64
    }

    pub fn from_f64(value: f64) -> Degrees {
        Degrees((value * Self::SCALE as f64).round() as i32)
    }
}

impl std::fmt::Display for Degrees {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = i64::from(self.0).abs();
        let fraction = format!("{:05}", abs % Self::SCALE);
        let fraction = fraction.trim_end_matches('0');
        if fraction.is_empty() {
            write!(f, "{sign}{}", abs / Self::SCALE)
        } else {
            write!(f, "{sign}{}.{fraction}", abs / Self::SCALE)
        }
    }
}

/// A writer's choice in the editor, as the form carries it (one per line of the `places`
/// field): `g:<GeoNames id>` for a gazetteer town, `p:<lat>,<lon>,<name>` for a pin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PlaceChoice {
    Town {
        geonames_id: i64,
        label: String,
    },
    Pin {
        name: String,
        lat: Degrees,
        lon: Degrees,
    },
}

impl PlaceChoice {
    pub fn encode(&self) -> String {
        match self {
            PlaceChoice::Town { geonames_id, .. } => format!("g:{geonames_id}"),
            PlaceChoice::Pin { name, lat, lon } => format!("p:{lat},{lon},{name}"),
        }
    }

    /// What the editor shows for it.
    pub fn label(&self) -> String {
        match self {
            PlaceChoice::Town { label, .. } => label.clone(),
            PlaceChoice::Pin { name, lat, lon } => format!("{name} (pin at {lat}, {lon})"),
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
        let lat = Degrees::parse(parts.next()?)?;
        let lon = Degrees::parse(parts.next()?)?;
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
            lat: Degrees(4_650_000),
            lon: Degrees(725_000),
        };
        assert_eq!(PlaceChoice::decode(&pin.encode()), Some(pin.clone()));
        assert!(matches!(
            PlaceChoice::decode("g:2267057"),
            Some(PlaceChoice::Town {
                geonames_id: 2267057,
                ..
            })
        ));
        assert_eq!(PlaceChoice::decode("x:1"), None);
        assert_eq!(PlaceChoice::decode("p:north,7,Camp"), None);
        assert_eq!(pin.encode(), "p:46.5,7.25,Camp, by the lake");
    }

    #[test]
    fn degrees_are_read_and_written_exactly() {
        assert_eq!(Degrees::parse("38.7163"), Some(Degrees(3_871_630)));
        assert_eq!(Degrees::parse("-9.1316"), Some(Degrees(-913_160)));
        assert_eq!(Degrees::parse(" 12 "), Some(Degrees(1_200_000)));
        assert_eq!(Degrees::parse("-0.123456789"), Some(Degrees(-12_345)));
        assert_eq!(Degrees(-12_345).to_string(), "-0.12345");
        assert_eq!(Degrees(1_200_000).to_string(), "12");
        for bad in ["", "-", ".", "1e5", "12,5", "north", "1234.5"] {
            assert_eq!(Degrees::parse(bad), None, "{bad}");
        }
        assert!(Degrees(9_000_000).within(90) && !Degrees(9_000_001).within(90));
    }
}
