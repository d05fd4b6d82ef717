//! The gazetteer that ships in the binary: GeoNames towns of 5,000 people and more, capitals
//! and regional seats (CC BY 4.0; see `scripts/geodata`), and the countries' names. Read once,
//! on first use; answers type-ahead and "which town is this photo near" without a database.

use std::collections::HashMap;
use std::sync::LazyLock;

/// One town or city.
#[derive(Debug)]
pub struct Town {
    pub geonames_id: i64,
    pub name: &'static str,
    pub country_code: &'static str,
    pub lat: f64,
    pub lon: f64,
    pub population: u32,
    /// The name folded for matching: "São Paulo" → "sao-paulo".
    key: String,
}

#[derive(Debug)]
pub struct Country {
    pub code: &'static str,
    pub name: &'static str,
    /// The country's address under `/places/`: "Portugal" → "portugal".
    pub slug: String,
}

pub struct Gazetteer {
    /// Most populous first, so the first matches are the likeliest.
    towns: Vec<Town>,
    by_id: HashMap<i64, usize>,
    countries: Vec<Country>,
    country_by_code: HashMap<&'static str, usize>,
    country_by_slug: HashMap<String, usize>,
}

static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(|| {
    Gazetteer::parse(
        include_str!("../data/gazetteer.tsv"),
        include_str!("../data/country-names.tsv"),
    )
});

pub fn gazetteer() -> &'static Gazetteer {
    &GAZETTEER
}

/// Folds a name or a query for matching (accents, case, punctuation).
pub fn fold(text: &str) -> String {
    slug::slugify(text)
}

impl Gazetteer {
    fn parse(towns_tsv: &'static str, countries_tsv: &'static str) -> Self {
        let countries: Vec<Country> = countries_tsv
            .lines()
            .filter_map(|line| {
                let (code, name) = line.split_once('\t')?;
                Some(Country {
                    code,
                    name,
                    slug: fold(name),
                })
            })
            .collect();
        let country_by_code = countries
            .iter()
            .enumerate()
            .map(|(i, c)| (c.code, i))
            .collect();
        let country_by_slug = countries
            .iter()
            .enumerate()
            .map(|(i, c)| (c.slug.clone(), i))
            .collect();
        let towns: Vec<Town> = towns_tsv
            .lines()
            .filter_map(|line| {
                let mut f = line.split('\t');
                let town = Town {
                    geonames_id: f.next()?.parse().ok()?,
                    name: f.next()?,
                    country_code: f.next()?,
                    lat: f.next()?.parse().ok()?,
                    lon: f.next()?.parse().ok()?,
                    population: f.next()?.parse().ok()?,
                    key: String::new(),
                };
                Some(Town {
                    key: fold(town.name),
                    ..town
                })
            })
            .collect();
        let by_id = towns
            .iter()
            .enumerate()
            .map(|(i, t)| (t.geonames_id, i))
            .collect();
        Gazetteer {
            towns,
            by_id,
            countries,
            country_by_code,
            country_by_slug,
        }
    }

    /// The `n` most populous towns.
    pub fn largest(&self, n: usize) -> &[Town] {
        &self.towns[..n.min(self.towns.len())]
    }

    pub fn town(&self, geonames_id: i64) -> Option<&Town> {
        self.by_id.get(&geonames_id).map(|&i| &self.towns[i])
    }

    pub fn country(&self, code: &str) -> Option<&Country> {
        self.country_by_code.get(code).map(|&i| &self.countries[i])
    }

    pub fn country_by_slug(&self, slug: &str) -> Option<&Country> {
        self.country_by_slug.get(slug).map(|&i| &self.countries[i])
    }

    /// The country's name, or its code when the gazetteer doesn't know it.
    pub fn country_name<'a>(&'a self, code: &'a str) -> &'a str {
        self.country(code).map_or(code, |c| c.name)
    }

    /// Towns whose name starts with `query` (accents and case aside), most populous first.
    /// "lisbon, portugal" narrows by country too.
    pub fn suggest(&self, query: &str, limit: usize) -> Vec<&Town> {
        let (name, country) = match query.split_once(',') {
            Some((name, country)) => (fold(name), Some(fold(country))),
            None => (fold(query), None),
        };
        if name.is_empty() {
            return Vec::new();
        }
        let in_country = |town: &Town| match &country {
            None => true,
            Some(c) if c.is_empty() => true,
            Some(c) => {
                town.country_code.eq_ignore_ascii_case(c)
                    || self
                        .country(town.country_code)
                        .is_some_and(|known| known.slug.starts_with(c.as_str()))
            }
        };
        self.towns
            .iter()
            .filter(|t| t.key.starts_with(&name) && in_country(t))
            .take(limit)
            .collect()
    }

    /// The town nearest to a position, and how far it is (km).
    pub fn nearest(&self, lat: f64, lon: f64) -> Option<(&Town, f64)> {
        self.towns
            .iter()
            .map(|t| (t, distance_km(lat, lon, t.lat, t.lon)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// Great-circle distance (haversine), in kilometres.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    6371.0 * 2.0 * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_ahead_prefers_the_famous_one_and_forgives_accents() {
        let g = gazetteer();
        let lisbon = g.suggest("lisb", 5);
        assert_eq!(lisbon[0].name, "Lisbon");
        assert_eq!(lisbon[0].country_code, "PT");
        assert!(g.suggest("sao paulo", 1)[0].name.starts_with("São Paulo"));
        assert_eq!(g.suggest("Lisbon, United", 5)[0].country_code, "US");
        assert!(g.suggest("   ", 5).is_empty());
    }

    #[test]
    fn nearest_town_and_countries() {
        let g = gazetteer();
        // Belém tower, a few kilometres from central Lisbon.
        let (town, km) = g.nearest(38.6916, -9.2160).unwrap();
        assert_eq!(town.country_code, "PT");
        assert!(km < 15.0, "{} is {km} km away", town.name);
        assert_eq!(g.country("PT").unwrap().slug, "portugal");
        assert_eq!(g.country_by_slug("united-kingdom").unwrap().code, "GB");
        assert!((distance_km(38.72, -9.14, 41.15, -8.61) - 274.0).abs() < 5.0);
    }
}
