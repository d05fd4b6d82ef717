//! Country outlines (Natural Earth, public domain; see `scripts/geodata`) projected once with
//! the Equal Earth projection, at two levels of detail: 1:110m for world views, 1:50m for a
//! country or a region.

use std::sync::LazyLock;

/// A rectangle in projected units (x east, y *down*, as in SVG).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub min_x: f64,
    pub min_y: f64,
    pub max_x: f64,
    pub max_y: f64,
}

impl Bounds {
    pub fn point([x, y]: [f64; 2]) -> Self {
        Bounds {
            min_x: x,
            min_y: y,
            max_x: x,
            max_y: y,
        }
    }

    pub fn union(self, other: Bounds) -> Bounds {
        Bounds {
            min_x: self.min_x.min(other.min_x),
            min_y: self.min_y.min(other.min_y),
            max_x: self.max_x.max(other.max_x),
            max_y: self.max_y.max(other.max_y),
        }
    }

    pub fn width(&self) -> f64 {
        self.max_x - self.min_x
    }

    pub fn height(&self) -> f64 {
        self.max_y - self.min_y
    }

    pub fn intersects(&self, other: &Bounds) -> bool {
        self.min_x <= other.max_x
            && other.min_x <= self.max_x
            && self.min_y <= other.max_y
            && other.min_y <= self.max_y
    }

    /// Grown by `fraction` of its size on every side.
    pub fn padded(self, fraction: f64) -> Bounds {
        let (dx, dy) = (self.width() * fraction, self.height() * fraction);
        Bounds {
            min_x: self.min_x - dx,
            min_y: self.min_y - dy,
            max_x: self.max_x + dx,
            max_y: self.max_y + dy,
        }
    }

    /// At least `width` × `height`, around the same centre.
    pub fn at_least(self, width: f64, height: f64) -> Bounds {
        let (cx, cy) = (
            (self.min_x + self.max_x) / 2.0,
            (self.min_y + self.max_y) / 2.0,
        );
        let (w, h) = (self.width().max(width), self.height().max(height));
        Bounds {
            min_x: cx - w / 2.0,
            min_y: cy - h / 2.0,
            max_x: cx + w / 2.0,
            max_y: cy + h / 2.0,
        }
    }

    /// Widened or heightened (never cropped) to the aspect ratio `width / height`.
    pub fn with_aspect(self, aspect: f64) -> Bounds {
        if self.width() / self.height() < aspect {
            self.at_least(self.height() * aspect, 0.0)
        } else {
            self.at_least(0.0, self.width() / aspect)
        }
    }
}

/// Equal Earth (Šavrič, Patterson & Jenny, 2018): equal-area, pleasant to look at, and a few
/// lines of arithmetic. Degrees in; y grows southwards.
pub fn project(lon: f64, lat: f64) -> [f64; 2] {
    const A1: f64 = 1.340264;
    const A2: f64 = -0.081106;
    const A3: f64 = 0.000893;
    const A4: f64 = 0.003796;
    let m = 3f64.sqrt() / 2.0;
    let (lambda, phi) = (lon.to_radians(), lat.to_radians());
    let theta = (m * phi.sin()).asin();
    let t2 = theta * theta;
    let t6 = t2 * t2 * t2;
    let x = lambda * theta.cos() / (m * (A1 + 3.0 * A2 * t2 + t6 * (7.0 * A3 + 9.0 * A4 * t2)));
    let y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2));
    [x, -y]
}

/// The whole world, in projected units.
pub fn world_bounds() -> Bounds {
    let [x, _] = project(180.0, 0.0);
    let [_, y] = project(0.0, 90.0);
    Bounds {
        min_x: -x,
        min_y: y,
        max_x: x,
        max_y: -y,
    }
}

pub struct Ring {
    pub points: Vec<[f64; 2]>,
    pub bounds: Bounds,
    area: f64,
}

pub struct Outline {
    /// ISO 3166-1 alpha-2; `None` for the few disputed areas Natural Earth draws without one.
    pub code: Option<&'static str>,
    pub rings: Vec<Ring>,
    pub bounds: Bounds,
}

pub struct Atlas {
    pub outlines: Vec<Outline>,
}

static COARSE: LazyLock<Atlas> =
    LazyLock::new(|| Atlas::parse(include_str!("../data/countries-110m.tsv")));
static FINE: LazyLock<Atlas> =
    LazyLock::new(|| Atlas::parse(include_str!("../data/countries-50m.tsv")));

/// 1:110m outlines, for views of a continent or more.
pub fn coarse() -> &'static Atlas {
    &COARSE
}

/// 1:50m outlines, for a country or a region.
pub fn fine() -> &'static Atlas {
    &FINE
}

impl Atlas {
    fn parse(tsv: &'static str) -> Atlas {
        let outlines = tsv
            .lines()
            .filter_map(|line| {
                let mut fields = line.splitn(3, '\t');
                let code = fields.next()?;
                let _name = fields.next()?;
                let rings: Vec<Ring> = fields.next()?.split(';').flat_map(parse_ring).collect();
                let bounds = rings.iter().map(|r| r.bounds).reduce(Bounds::union)?;
                Some(Outline {
                    code: (!code.is_empty()).then_some(code),
                    rings,
                    bounds,
                })
            })
            .collect();
        Atlas { outlines }
    }

    pub fn outline(&self, code: &str) -> Option<&Outline> {
        self.outlines.iter().find(|o| o.code == Some(code))
    }
}

/// A ring of "lon,lat" pairs (hundredths of a degree), projected. Natural Earth's rings may
/// cross the antimeridian (Fiji, Chukotka) or go round a pole (Antarctica): they are unwrapped
/// into one continuous ring, closed along the pole if they circle it, and drawn again a world
/// away when they reach past ±180°, so no line runs across the whole map.
fn parse_ring(text: &str) -> Vec<Ring> {
    let mut points: Vec<(f64, f64)> = text
        .split(' ')
        .filter_map(|pair| {
            let (lon, lat) = pair.split_once(',')?;
            Some((
                lon.parse::<f64>().ok()? / 100.0,
                lat.parse::<f64>().ok()? / 100.0,
            ))
        })
        .collect();
    let (Some(&first), Some(_)) = (points.first(), points.get(3)) else {
        return Vec::new();
    };
    let mut offset = 0.0;
    let mut previous = first.0;
    for point in points.iter_mut() {
        let mut lon = point.0 + offset;
        if lon - previous > 180.0 {
            offset -= 360.0;
            lon -= 360.0;
        } else if lon - previous < -180.0 {
            offset += 360.0;
            lon += 360.0;
        }
        point.0 = lon;
        previous = lon;
    }
    let last = points[points.len() - 1];
    if (last.0 - first.0).abs() > 180.0 {
        let south = points.iter().map(|p| p.1).sum::<f64>() < 0.0;
        let pole = if south { -90.0 } else { 90.0 };
        points.push((last.0, pole));
        points.push((first.0, pole));
    }
    let west = points.iter().map(|p| p.0).fold(f64::MAX, f64::min);
    let east = points.iter().map(|p| p.0).fold(f64::MIN, f64::max);
    let mut shifts = vec![0.0];
    if east > 180.0 {
        shifts.push(-360.0);
    }
    if west < -180.0 {
        shifts.push(360.0);
    }
    shifts
        .into_iter()
        .filter_map(|shift| {
            projected_ring(
                points
                    .iter()
                    .map(|&(lon, lat)| project(lon + shift, lat))
                    .collect(),
            )
        })
        .collect()
}

fn projected_ring(points: Vec<[f64; 2]>) -> Option<Ring> {
    let bounds = points
        .iter()
        .copied()
        .map(Bounds::point)
        .reduce(Bounds::union)?;
    // Shoelace formula: only the size matters (to find a country's mainland).
    let area = points
        .windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum::<f64>()
        .abs()
        / 2.0;
    Some(Ring {
        points,
        bounds,
        area,
    })
}

/// The edge of the world in Equal Earth: the ±180° meridians, pole to pole.
pub fn sphere_outline() -> Vec<[f64; 2]> {
    let east = (-90..=90)
        .step_by(5)
        .map(|lat| project(180.0, f64::from(lat)));
    let west = (-90..=90)
        .rev()
        .step_by(5)
        .map(|lat| project(-180.0, f64::from(lat)));
    east.chain(west).collect()
}

/// Where a country mostly is: its largest landmass (mainland France, not French Guiana; the
/// contiguous United States, not Alaska and Hawaii).
pub fn mainland(code: &str) -> Option<Bounds> {
    fine()
        .outline(code)?
        .rings
        .iter()
        .max_by(|a, b| a.area.total_cmp(&b.area))
        .map(|r| r.bounds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_earth_matches_the_published_figures() {
        // The projection's extent: x ±2.7066 at the equator's ends, y ±1.3173 at the poles.
        let world = world_bounds();
        assert!((world.max_x - 2.7066).abs() < 1e-3, "{world:?}");
        assert!((world.max_y - 1.3173).abs() < 1e-3, "{world:?}");
        assert_eq!(project(0.0, 0.0), [0.0, -0.0]);
    }

    #[test]
    fn outlines_and_mainlands() {
        assert!(coarse().outlines.len() > 150);
        let portugal = mainland("PT").unwrap();
        let lisbon = project(-9.14, 38.72);
        assert!(portugal.intersects(&Bounds::point(lisbon)));
        let france = mainland("FR").unwrap();
        assert!(
            !france.intersects(&Bounds::point(project(-53.0, 4.0))),
            "French Guiana is not the mainland"
        );
    }
}
