//! Maps drawn on the server as SVG: country outlines, pins that are links, an optional trip
//! line. No script, no tiles, nothing in the wasm bundle; colours come from the stylesheet
//! (`.map…` classes), so dark mode is CSS's job.

use super::atlas::{self, Bounds};
use std::collections::HashMap;
use std::fmt::Write;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::{Arc, LazyLock, Mutex};

/// A pin: a link to a place page, named for screen readers and tooltips.
pub struct Pin {
    pub lat: f64,
    pub lon: f64,
    pub href: String,
    /// Accessible name: "Lisbon, Portugal: 3 stories".
    pub label: String,
    /// Shown beside the pin when the map labels its pins.
    pub name: String,
    /// Stories there (the pin grows with it).
    pub stories: i64,
}

/// What the map shows.
pub enum Frame {
    /// The whole world.
    World,
    /// A country's mainland and every pin given.
    Country(String),
    /// Just the pins, with room around them.
    Pins,
}

pub struct MapSpec<'a> {
    /// Unique on the page: the SVG's title id derives from it.
    pub id: &'a str,
    pub title: &'a str,
    pub frame: Frame,
    pub pins: &'a [Pin],
    /// Joins the pins in order (a writer's trip).
    pub trip: bool,
    /// Writes each pin's name beside it.
    pub labels: bool,
    /// Width and height in SVG units (the page scales it).
    pub size: (f64, f64),
    /// Countries drawn as links (alpha-2 code, address, accessible name): choosing one zooms
    /// in, on a page of its own.
    pub country_links: &'a [(String, String, String)],
}

/// Smallest region shown around pins, in degrees of longitude at the equator: a single pin
/// shows its surroundings, not a blank square.
const MIN_SPAN_DEGREES: f64 = 9.0;

/// The map as SVG. Maps are drawn from what the database says now (pins, counts, links), so a
/// drawing is remembered by a fingerprint of everything it is drawn from: the same inputs give
/// the same SVG without drawing again, and changed inputs miss. Nothing to invalidate, on this
/// instance or any other.
pub fn render(spec: &MapSpec) -> String {
    let key = fingerprint(spec);
    if let Some(svg) = drawn().lock().ok().and_then(|memo| memo.get(&key).cloned()) {
        return svg.as_ref().clone();
    }
    let svg = Arc::new(draw(spec));
    if let Ok(mut memo) = drawn().lock() {
        // Bounded: a full memo starts over (place pages come and go with their stories).
        if memo.len() >= DRAWINGS_REMEMBERED {
            memo.clear();
        }
        memo.insert(key, Arc::clone(&svg));
    }
    Arc::unwrap_or_clone(svg)
}

/// Drawings kept per process (a world map is ~250 KB, a story's map a few KB).
const DRAWINGS_REMEMBERED: usize = 512;

fn drawn() -> &'static Mutex<HashMap<u64, Arc<String>>> {
    static DRAWN: LazyLock<Mutex<HashMap<u64, Arc<String>>>> = LazyLock::new(Default::default);
    &DRAWN
}

/// Everything a drawing depends on, hashed with a per-process random key (pin names are
/// writers' text: nobody can aim for a collision they can't compute).
fn fingerprint(spec: &MapSpec) -> u64 {
    static KEY: LazyLock<RandomState> = LazyLock::new(RandomState::new);
    let mut hasher = KEY.build_hasher();
    (spec.id, spec.title, spec.trip, spec.labels).hash(&mut hasher);
    (spec.size.0.to_bits(), spec.size.1.to_bits()).hash(&mut hasher);
    match &spec.frame {
        Frame::World => 0u8.hash(&mut hasher),
        Frame::Country(code) => (1u8, code).hash(&mut hasher),
        Frame::Pins => 2u8.hash(&mut hasher),
    }
    for pin in spec.pins {
        (pin.lat.to_bits(), pin.lon.to_bits(), &pin.href, &pin.label).hash(&mut hasher);
        (&pin.name, pin.stories).hash(&mut hasher);
    }
    spec.country_links.hash(&mut hasher);
    hasher.finish()
}

fn draw(spec: &MapSpec) -> String {
    let (width, height) = spec.size;
    let frame = frame_bounds(spec).with_aspect(width / height);
    let scale = width / frame.width();
    let to_px = |[x, y]: [f64; 2]| [(x - frame.min_x) * scale, (y - frame.min_y) * scale];
    let focus = match &spec.frame {
        Frame::Country(code) => Some(code.as_str()),
        _ => None,
    };
    let mut svg = String::with_capacity(32 * 1024);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="map__svg" viewBox="0 0 {width} {height}" role="group" aria-labelledby="{id}-title"><title id="{id}-title">{title}</title>"#,
        id = escape(spec.id),
        title = escape(spec.title),
    );
    if matches!(spec.frame, Frame::World) {
        // The world as Equal Earth draws it: sea inside its outline, the page around it.
        svg.push_str(r#"<path class="map__sea" d="M"#);
        for [x, y] in atlas::sphere_outline().into_iter().map(to_px) {
            let _ = write!(svg, "{x:.1} {y:.1} ");
        }
        svg.push_str(r#"Z"/>"#);
    } else {
        let _ = write!(
            svg,
            r#"<rect class="map__sea" width="{width}" height="{height}"/>"#
        );
    }
    let computed;
    let paths: &[CountryPath] =
        if matches!(spec.frame, Frame::World) && (width, height) == WORLD_SIZE {
            &WORLD_PATHS
        } else {
            computed = land(frame, scale);
            &computed
        };
    svg.push_str(r#"<g class="map__land">"#);
    for (code, d) in paths {
        let focused = focus.is_some() && *code == focus;
        let class = if focused {
            "map__country map__country--focus"
        } else {
            "map__country"
        };
        let link = code.and_then(|code| spec.country_links.iter().find(|(c, _, _)| c == code));
        match link {
            Some((_, href, label)) => {
                let _ = write!(
                    svg,
                    r#"<a class="map__country-link" href="{}" aria-label="{label}"><title>{label}</title><path class="{class}" d="{d}"/></a>"#,
                    escape(href),
                    label = escape(label),
                );
            }
            None => {
                let _ = write!(svg, r#"<path class="{class}" d="{d}"/>"#);
            }
        }
    }
    svg.push_str("</g>");
    if spec.trip && spec.pins.len() > 1 {
        svg.push_str(r#"<polyline class="map__trip" points=""#);
        for pin in spec.pins {
            let [x, y] = to_px(atlas::project(pin.lon, pin.lat));
            let _ = write!(svg, "{x:.1},{y:.1} ");
        }
        svg.push_str(r#""/>"#);
    }
    // Big pins first, so small ones stay on top and clickable.
    let mut pins: Vec<&Pin> = spec.pins.iter().collect();
    pins.sort_by_key(|p| std::cmp::Reverse(p.stories));
    // Pins stay finger-sized on small maps and grow slowly with their stories.
    let base = (width / 160.0).max(5.0);
    svg.push_str(r#"<g class="map__pins">"#);
    for pin in pins {
        let [x, y] = to_px(atlas::project(pin.lon, pin.lat));
        let r = (base * 0.8 * (1.0 + (pin.stories.max(1) as f64).ln() * 0.45)).min(base * 2.6);
        let _ = write!(
            svg,
            r#"<a href="{href}" aria-label="{label}"><title>{label}</title><circle class="map__pin" cx="{x:.1}" cy="{y:.1}" r="{r:.1}"/>"#,
            href = escape(&pin.href),
            label = escape(&pin.label),
        );
        if spec.labels {
            let _ = write!(
                svg,
                r#"<text class="map__label" x="{:.1}" y="{:.1}">{}</text>"#,
                x + r + base * 0.6,
                y + base * 0.7,
                escape(&pin.name)
            );
        }
        svg.push_str("</a>");
    }
    svg.push_str("</g></svg>");
    svg
}

/// The world map's size; its land is drawn once per process.
pub const WORLD_SIZE: (f64, f64) = (1000.0, 487.0);

/// A country's code and its path data.
type CountryPath = (Option<&'static str>, String);

static WORLD_PATHS: LazyLock<Vec<CountryPath>> = LazyLock::new(|| {
    let frame = atlas::world_bounds().with_aspect(WORLD_SIZE.0 / WORLD_SIZE.1);
    land(frame, WORLD_SIZE.0 / frame.width())
});

fn frame_bounds(spec: &MapSpec) -> Bounds {
    let pins = spec
        .pins
        .iter()
        .map(|p| Bounds::point(atlas::project(p.lon, p.lat)))
        .reduce(Bounds::union);
    let min_span = atlas::project(MIN_SPAN_DEGREES, 0.0)[0];
    match &spec.frame {
        Frame::World => atlas::world_bounds(),
        Frame::Country(code) => match (atlas::mainland(code), pins) {
            (Some(land), Some(pins)) => land.union(pins).padded(0.08),
            (Some(land), None) => land.padded(0.08),
            (None, Some(pins)) => pins.at_least(min_span, min_span).padded(0.15),
            (None, None) => atlas::world_bounds(),
        },
        Frame::Pins => match pins {
            Some(pins) => pins.at_least(min_span, min_span * 0.6).padded(0.15),
            None => atlas::world_bounds(),
        },
    }
}

/// Country paths inside `frame`: detail by zoom, clipped to the frame, points closer than a
/// pixel dropped.
fn land(frame: Bounds, scale: f64) -> Vec<CountryPath> {
    let wide = frame.width() > atlas::project(60.0, 0.0)[0];
    let atlas = if wide { atlas::coarse() } else { atlas::fine() };
    let clip = frame.padded(0.02);
    let mut paths = Vec::new();
    for outline in &atlas.outlines {
        if !outline.bounds.intersects(&clip) {
            continue;
        }
        let mut d = String::new();
        for ring in &outline.rings {
            if !ring.bounds.intersects(&clip) {
                continue;
            }
            let clipped = clip_ring(&ring.points, &clip);
            let mut last: Option<[f64; 2]> = None;
            let mut count = 0;
            let start = d.len();
            for point in clipped {
                let [x, y] = [
                    (point[0] - frame.min_x) * scale,
                    (point[1] - frame.min_y) * scale,
                ];
                if last.is_some_and(|[lx, ly]| (lx - x).abs() < 0.8 && (ly - y).abs() < 0.8) {
                    continue;
                }
                let _ = write!(d, "{}{x:.1} {y:.1}", if count == 0 { "M" } else { "L" });
                last = Some([x, y]);
                count += 1;
            }
            if count < 3 {
                d.truncate(start);
            } else {
                d.push('Z');
            }
        }
        if !d.is_empty() {
            paths.push((outline.code, d));
        }
    }
    paths
}

/// Sutherland–Hodgman: the part of a ring inside a rectangle (a convex clip window, so the
/// result is exact up to edges running along the window, which lie outside the view).
fn clip_ring(points: &[[f64; 2]], window: &Bounds) -> Vec<[f64; 2]> {
    if window.min_x <= points.iter().map(|p| p[0]).fold(f64::MAX, f64::min)
        && window.max_x >= points.iter().map(|p| p[0]).fold(f64::MIN, f64::max)
        && window.min_y <= points.iter().map(|p| p[1]).fold(f64::MAX, f64::min)
        && window.max_y >= points.iter().map(|p| p[1]).fold(f64::MIN, f64::max)
    {
        return points.to_vec();
    }
    type Edge = (fn(&[f64; 2], f64) -> bool, usize, f64);
    let edges: [Edge; 4] = [
        (|p, v| p[0] >= v, 0, window.min_x),
        (|p, v| p[0] <= v, 0, window.max_x),
        (|p, v| p[1] >= v, 1, window.min_y),
        (|p, v| p[1] <= v, 1, window.max_y),
    ];
    let mut ring = points.to_vec();
    for (inside, axis, value) in edges {
        if ring.is_empty() {
            break;
        }
        let input = std::mem::take(&mut ring);
        let mut previous = input[input.len() - 1];
        for &current in &input {
            let cross = |a: [f64; 2], b: [f64; 2]| {
                let t = (value - a[axis]) / (b[axis] - a[axis]);
                [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
            };
            match (inside(&current, value), inside(&previous, value)) {
                (true, true) => ring.push(current),
                (true, false) => {
                    ring.push(cross(previous, current));
                    ring.push(current);
                }
                (false, true) => ring.push(cross(previous, current)),
                (false, false) => {}
            }
            previous = current;
        }
    }
    ring
}

/// Text for SVG/XML attributes and content.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(name: &str, lat: f64, lon: f64) -> Pin {
        Pin {
            lat,
            lon,
            href: format!("/places/x/{name}"),
            label: format!("{name} & co"),
            name: name.to_owned(),
            stories: 2,
        }
    }

    #[test]
    fn pins_are_named_links_and_text_is_escaped() {
        let pins = [pin("lisbon", 38.72, -9.14), pin("porto", 41.15, -8.61)];
        let svg = render(&MapSpec {
            id: "story-map",
            title: "Where \"it\" happened",
            frame: Frame::Pins,
            pins: &pins,
            trip: true,
            labels: true,
            size: (320.0, 240.0),
            country_links: &[],
        });
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(r#"<a href="/places/x/lisbon" aria-label="lisbon &amp; co">"#));
        assert!(svg.contains("Where &quot;it&quot; happened"));
        assert!(svg.contains("map__trip"));
        // Portugal's and Spain's outlines are in view; Japan's is not.
        assert!(svg.matches("<path").count() >= 2);
        assert!(svg.len() < 60_000, "{} bytes", svg.len());
    }

    #[test]
    fn a_country_view_highlights_the_country() {
        let svg = render(&MapSpec {
            id: "m",
            title: "Portugal",
            frame: Frame::Country("PT".into()),
            pins: &[],
            trip: false,
            labels: false,
            size: (600.0, 400.0),
            country_links: &[("PT".into(), "/places/portugal".into(), "Portugal".into())],
        });
        assert!(svg.contains(
            r#"<a class="map__country-link" href="/places/portugal" aria-label="Portugal">"#
        ));
        assert_eq!(svg.matches("map__country--focus").count(), 1);
    }

    #[test]
    fn a_drawing_is_remembered_for_the_same_inputs_only() {
        let spec = |stories| {
            let mut pins = vec![pin("kyoto", 35.01, 135.77)];
            pins[0].stories = stories;
            pins
        };
        let map = |pins: &[Pin]| {
            render(&MapSpec {
                id: "memo",
                title: "Kyoto",
                frame: Frame::Pins,
                pins,
                trip: false,
                labels: false,
                size: (320.0, 240.0),
                country_links: &[],
            })
        };
        let (one, many) = (spec(1), spec(400));
        assert_eq!(map(&one), map(&one));
        assert_ne!(map(&one), map(&many), "a pin that grew is drawn again");
        assert_eq!(
            map(&many),
            draw(&MapSpec {
                id: "memo",
                title: "Kyoto",
                frame: Frame::Pins,
                pins: &many,
                trip: false,
                labels: false,
                size: (320.0, 240.0),
                country_links: &[],
            })
        );
    }

    #[test]
    fn clipping_keeps_what_is_inside() {
        let window = Bounds {
            min_x: 0.0,
            min_y: 0.0,
            max_x: 1.0,
            max_y: 1.0,
        };
        let square = [[-1.0, -1.0], [2.0, -1.0], [2.0, 2.0], [-1.0, 2.0]];
        let clipped = clip_ring(&square, &window);
        assert!(clipped
            .iter()
            .all(|p| (0.0..=1.0).contains(&p[0]) && (0.0..=1.0).contains(&p[1])));
        assert_eq!(clipped.len(), 4);
    }
}
