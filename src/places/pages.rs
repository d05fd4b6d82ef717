//! `/places`, `/places/<country>` and `/places/<country>/<place>`: maps that are links, and
//! the stories there. Plain server-rendered pages: nothing here ships to the browser.

use crate::articles::components::{href_with, ArticleList, Pagination};
use crate::articles::model::ArticlePage;
use crate::components::layout::error_view;
use crate::error::AppError;
use crate::places::components::{MapFigure, PlaceLinks};
use crate::places::model::{CountryMap, PlaceMap, TownSuggestion, WorldView};
use leptos::prelude::*;
use leptos_meta::{Link, Title};
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountryPage {
    pub map: CountryMap,
    pub stories: ArticlePage,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacePage {
    pub map: PlaceMap,
    pub stories: ArticlePage,
}

#[server(prefix = "/sfn", endpoint = "world_places")]
pub async fn world_places() -> Result<WorldView, AppError> {
    async {
        let state = crate::request::app_state()?;
        let world = crate::places::server::views::world_view(&state.pool).await?;
        Ok(std::sync::Arc::unwrap_or_clone(world))
    }
    .await
    .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "country_places")]
pub async fn country_places(
    country: String,
    page: Option<String>,
) -> Result<CountryPage, AppError> {
    use crate::articles::list::with_card_ratings;
    async {
        let page = crate::articles::list::parse_page(page.as_deref())?;
        let state = crate::request::app_state()?;
        let actor = crate::request::actor().await?;
        let (map, stories) = crate::places::server::views::country_view(
            &state.pool,
            &country,
            page,
            state.config.page_size,
        )
        .await?;
        let stories = with_card_ratings(&state, &actor, stories).await?;
        Ok(CountryPage {
            map: std::sync::Arc::unwrap_or_clone(map),
            stories,
        })
    }
    .await
    .map_err(AppError::with_status)
}

#[server(prefix = "/sfn", endpoint = "place_stories")]
pub async fn place_stories(
    country: String,
    place: String,
    page: Option<String>,
) -> Result<PlacePage, AppError> {
    use crate::articles::list::with_card_ratings;
    async {
        let page = crate::articles::list::parse_page(page.as_deref())?;
        let state = crate::request::app_state()?;
        let actor = crate::request::actor().await?;
        let (map, stories) = crate::places::server::views::place_view(
            &state.pool,
            &country,
            &place,
            page,
            state.config.page_size,
        )
        .await?;
        let stories = with_card_ratings(&state, &actor, stories).await?;
        Ok(PlacePage { map, stories })
    }
    .await
    .map_err(AppError::with_status)
}

/// The editor's type-ahead over the gazetteer (writers only; it costs no database query).
#[server(prefix = "/sfn", endpoint = "suggest_places")]
pub async fn suggest_places(query: String) -> Result<Vec<TownSuggestion>, AppError> {
    async {
        crate::request::actor()
            .await?
            .require(crate::accounts::Permission::WriteArticle)?;
        Ok(crate::places::server::suggest(&query))
    }
    .await
    .map_err(AppError::with_status)
}

#[component]
pub fn PlacesPage() -> impl IntoView {
    let world = Resource::new_blocking(|| (), |_| world_places());
    view! {
        <Title text="Places"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match world.await {
                    Ok(world) => view! { <WorldBody world/> }.into_any(),
                    Err(error) => error_view(error),
                }
            })}
        </Suspense>
    }
}

#[component]
fn WorldBody(world: WorldView) -> impl IntoView {
    let summary = if world.places == 0 {
        "No story names a place yet.".to_owned()
    } else {
        format!(
            "{} {} in {} {}. Choose a pin or a country.",
            world.places,
            if world.places == 1 { "place" } else { "places" },
            world.countries.len(),
            if world.countries.len() == 1 {
                "country"
            } else {
                "countries"
            },
        )
    };
    view! {
        <header class="page-header">
            <h1>"Places"</h1>
            <p class="lead">{summary}</p>
        </header>
        <MapFigure svg=world.map_svg/>
        <section aria-labelledby="countries-heading">
            <h2 id="countries-heading">"Countries"</h2>
            <ul class="country-list">
                {world.countries.into_iter().map(|c| view! {
                    <li>
                        <a href=c.href.clone()>{c.name.clone()}</a>
                        <span class="country-list__count">
                            {format!(" · {}", crate::wording::count(c.places, "place", "places"))}
                        </span>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
pub fn CountryPlacesPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let source = move || {
        (
            params.read().get("country").unwrap_or_default(),
            query.read().get("page"),
        )
    };
    let data = Resource::new_blocking(source, |(country, page)| country_places(country, page));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(CountryPage { map, stories }) => {
                        let base = map.href.clone();
                        let href = move |n: i64| href_with(&base, &[("page", (n > 1).then(|| n.to_string()))]);
                        let places = map.places.iter().map(|p| p.place.clone()).collect::<Vec<_>>();
                        view! {
                            <Title text=map.name.clone()/>
                            <Link rel="canonical" href=map.href.clone()/>
                            <nav class="breadcrumbs" aria-label="Breadcrumbs">
                                <a href="/places">"Places"</a>
                            </nav>
                            <header class="page-header">
                                <h1>{map.name.clone()}</h1>
                                <p class="lead">{format!("{} here.", crate::wording::count(stories.total, "story", "stories"))}</p>
                            </header>
                            <MapFigure svg=map.map_svg/>
                            <section aria-labelledby="places-heading">
                                <h2 id="places-heading">{format!("Places in {}", map.name)}</h2>
                                <PlaceLinks places/>
                            </section>
                            <section aria-labelledby="stories-heading">
                                <h2 id="stories-heading">{format!("Stories from {}", map.name)}</h2>
                                <ArticleList items=stories.items ratings=stories.ratings empty=""/>
                                <Pagination page=stories.page total_pages=stories.total_pages href/>
                            </section>
                        }
                        .into_any()
                    }
                    Err(error) => error_view(error),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn PlacePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let source = move || {
        let p = params.read();
        (
            p.get("country").unwrap_or_default(),
            p.get("place").unwrap_or_default(),
            query.read().get("page"),
        )
    };
    let data = Resource::new_blocking(source, |(country, place, page)| {
        place_stories(country, place, page)
    });
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(PlacePage { map, stories }) => {
                        let place = map.place.clone();
                        let base = place.href.clone();
                        let href = move |n: i64| href_with(&base, &[("page", (n > 1).then(|| n.to_string()))]);
                        view! {
                            <Title text=place.label()/>
                            <Link rel="canonical" href=place.href.clone()/>
                            <nav class="breadcrumbs" aria-label="Breadcrumbs">
                                <a href="/places">"Places"</a>
                                " / "
                                <a href=place.country_href.clone()>{place.country.clone()}</a>
                            </nav>
                            <header class="page-header">
                                <h1>{place.name.clone()}</h1>
                                <p class="lead">
                                    {format!("{} · {}", place.country, crate::wording::count(stories.total, "story", "stories"))}
                                    {place.pin.then_some(" · a writer's pin")}
                                </p>
                            </header>
                            <MapFigure svg=map.map_svg/>
                            <section aria-labelledby="stories-heading">
                                <h2 id="stories-heading">{format!("Stories from {}", place.name)}</h2>
                                <ArticleList items=stories.items ratings=stories.ratings empty=""/>
                                <Pagination page=stories.page total_pages=stories.total_pages href/>
                            </section>
                            <section aria-labelledby="nearby-heading">
                                <h2 id="nearby-heading">"Nearby"</h2>
                                {if map.nearby.is_empty() {
                                    view! { <p>"No other stories within 300 km yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="nearby-list">
                                            {map.nearby.into_iter().map(|n| view! {
                                                <li>
                                                    <a href=format!("/articles/{}", n.slug)>{n.title.clone()}</a>
                                                    <span class="nearby-list__where">
                                                        " — " <a href=n.place.href.clone()>{n.place.name.clone()}</a>
                                                        {format!(", {} km away", n.km)}
                                                    </span>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }
                                    .into_any()
                                }}
                            </section>
                        }
                        .into_any()
                    }
                    Err(error) => error_view(error),
                }
            })}
        </Suspense>
    }
}
