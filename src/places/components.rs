//! Map pieces that pages share: the figure around a server-drawn SVG map (with its credits)
//! and the list of places that is its text equivalent.

use crate::places::model::{PlaceRef, PlacesMap};
use leptos::prelude::*;

/// A map drawn on the server. The SVG is ours (built from our data with every text escaped),
/// so it goes in as markup.
#[component]
pub fn MapFigure(svg: String, #[prop(optional)] compact: bool) -> impl IntoView {
    view! {
        <figure class=if compact { "map map--compact" } else { "map" }>
            <div class="map__frame" inner_html=svg></div>
            <figcaption class="map__credit">
                "Map data: " <a href="https://www.naturalearthdata.com/">"Natural Earth"</a>
                " · places: " <a href="https://www.geonames.org/">"GeoNames"</a> " (CC BY 4.0)"
            </figcaption>
        </figure>
    }
}

/// Places as links: "Lisbon, Portugal".
#[component]
pub fn PlaceLinks(places: Vec<PlaceRef>, #[prop(optional)] label: &'static str) -> impl IntoView {
    view! {
        <ul class="place-links" aria-label=(!label.is_empty()).then_some(label)>
            {places.into_iter().map(|place| view! {
                <li>
                    <a href=place.href.clone()>{place.name.clone()}</a>
                    ", "
                    <a class="place-links__country" href=place.country_href.clone()>{place.country.clone()}</a>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// Beside a story's byline: where it takes place. Nothing when it names no place.
#[component]
pub fn StoryPlaces(map: PlacesMap) -> impl IntoView {
    (!map.places.is_empty()).then(|| {
        view! {
            <aside class="story-places" aria-labelledby="story-places-heading">
                <h2 id="story-places-heading" class="story-places__title">"Where it happens"</h2>
                <MapFigure svg=map.map_svg compact=true/>
                <PlaceLinks places=map.places/>
            </aside>
        }
    })
}

/// On a writer's page: where they have been, in the order of their stories.
#[component]
pub fn WriterPlaces(map: PlacesMap, name: String) -> impl IntoView {
    (!map.places.is_empty()).then(|| {
        view! {
            <section class="writer-places" aria-labelledby="writer-places-heading">
                <h2 id="writer-places-heading">{format!("Where {name} has been")}</h2>
                <MapFigure svg=map.map_svg/>
                <PlaceLinks places=map.places label="Places, in the order of the stories"/>
            </section>
        }
    })
}
