//! Places: where stories happen. A gazetteer that ships in the binary (GeoNames), country
//! outlines (Natural Earth), maps drawn on the server as SVG (no script), the `/places` pages,
//! a story's map and a writer's. Stories get places through the articles' save command.

pub mod components;
pub mod model;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod server;
