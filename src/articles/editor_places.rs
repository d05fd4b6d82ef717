//! The editor's places: type-ahead over the gazetteer, a writer's own pins, and the town a
//! photo was taken near, offered (never added) when an upload carries GPS tags. The choices
//! travel in one hidden `places` field, so the form still saves them without JavaScript.

use crate::places::model::{Degrees, PlaceChoice, TownSuggestion, MAX_PIN_NAME, MAX_STORY_PLACES};
use crate::places::pages::SuggestPlaces;
use leptos::prelude::*;

#[component]
pub fn PlacesPicker(
    initial: Vec<PlaceChoice>,
    /// A town suggested by the last uploaded photo.
    photo_place: RwSignal<Option<TownSuggestion>>,
    /// The save's error for the `places` field.
    error: Signal<Option<String>>,
) -> impl IntoView {
    let chosen = RwSignal::new(initial);
    let suggest = ServerAction::<SuggestPlaces>::new();
    let results = RwSignal::new(Vec::<TownSuggestion>::new());
    let query = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(found)) = suggest.value().get() {
            results.set(found);
        }
    });
    let pending_timer: StoredValue<Option<TimeoutHandle>> = StoredValue::new(None);
    let search = move |text: String| {
        query.set(text.clone());
        if let Some(handle) = pending_timer.get_value() {
            handle.clear();
        }
        if text.trim().chars().count() < 2 {
            results.set(Vec::new());
            return;
        }
        let handle = set_timeout_with_handle(
            move || {
                suggest.dispatch(SuggestPlaces { query: text });
            },
            std::time::Duration::from_millis(150),
        )
        .ok();
        pending_timer.set_value(handle);
    };
    let add = move |choice: PlaceChoice| {
        chosen.update(|list| {
            if !list.contains(&choice) && list.len() < MAX_STORY_PLACES {
                list.push(choice);
            }
        });
    };
    let pin_name = RwSignal::new(String::new());
    let pin_lat = RwSignal::new(String::new());
    let pin_lon = RwSignal::new(String::new());
    let pin_error = RwSignal::new(None::<&'static str>);
    let add_pin = move |_| {
        let name = pin_name.get_untracked().trim().to_owned();
        let lat = Degrees::parse(&pin_lat.get_untracked());
        let lon = Degrees::parse(&pin_lon.get_untracked());
        match (lat, lon) {
            _ if name.is_empty() || name.chars().count() > MAX_PIN_NAME => {
                pin_error.set(Some("Name the pin (up to 80 characters)."))
            }
            (Some(lat), Some(lon)) if lat.within(90) && lon.within(180) => {
                pin_error.set(None);
                add(PlaceChoice::Pin { name, lat, lon });
                pin_name.set(String::new());
                pin_lat.set(String::new());
                pin_lon.set(String::new());
            }
            _ => pin_error.set(Some(
                "Latitude is a number from -90 to 90, longitude from -180 to 180 (e.g. 38.7223 and -9.1393).",
            )),
        }
    };
    view! {
        <fieldset class="field places-picker" aria-describedby="places-hint">
            <legend>"Places"</legend>
            <p class="hint" id="places-hint">
                "Where the story happens: it appears on the story's map and on the place pages. Choose towns from the suggestions, or drop a pin of your own."
            </p>
            <input type="hidden" name="places" value=move || PlaceChoice::encode_all(&chosen.get())/>
            <ul class="places-picker__chosen" aria-label="Places of this story">
                {move || chosen.get().into_iter().map(|choice| {
                    let label = choice.label();
                    let remove = choice.clone();
                    view! {
                        <li>
                            <span>{label.clone()}</span>
                            <button
                                type="button"
                                class="link-button"
                                aria-label=format!("Remove {label}")
                                on:click=move |_| chosen.update(|list| list.retain(|c| *c != remove))
                            >"Remove"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || photo_place.get().map(|town| {
                let label = town.label();
                let choice = town.choice();
                view! {
                    <div class="places-picker__photo" role="status">
                        <p>{format!("Your photo was taken near {label}. Add it to the story's places? (The photo's exact position is not kept either way.)")}</p>
                        <button type="button" class="button button--quiet" on:click=move |_| {
                            add(choice.clone());
                            photo_place.set(None);
                        }>{format!("Add {}", town.name)}</button>
                        <button type="button" class="link-button" on:click=move |_| photo_place.set(None)>"No, thanks"</button>
                    </div>
                }
            })}
            <label for="place-search">"Find a town or city"</label>
            <input
                id="place-search"
                type="search"
                autocomplete="off"
                placeholder="e.g. Lisbon"
                aria-controls="place-results"
                prop:value=move || query.get()
                on:input=move |ev| search(event_target_value(&ev))
                on:keydown=move |ev| {
                    // Enter picks the first suggestion instead of submitting the story.
                    if ev.key() == "Enter" {
                        ev.prevent_default();
                        if let Some(first) = results.get_untracked().first() {
                            add(first.choice());
                            results.set(Vec::new());
                            query.set(String::new());
                        }
                    }
                }
            />
            <p class="visually-hidden" role="status">
                // Never empty: hydration needs the text node the server rendered.
                {move || match (query.get().trim().chars().count() >= 2, results.get().len()) {
                    (false, _) => "Type two letters or more for suggestions.".to_owned(),
                    (true, 0) => "No town found.".to_owned(),
                    (true, 1) => "1 town found.".to_owned(),
                    (true, n) => format!("{n} towns found."),
                }}
            </p>
            <ul id="place-results" class="places-picker__results" aria-label="Suggested towns">
                {move || results.get().into_iter().map(|town| {
                    let choice = town.choice();
                    view! {
                        <li>
                            <button type="button" class="link-button" on:click=move |_| {
                                add(choice.clone());
                                results.set(Vec::new());
                                query.set(String::new());
                            }>{town.label()}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <details class="places-picker__pin">
                <summary>"Drop a pin of your own"</summary>
                <div class="places-picker__pin-fields">
                    <label for="pin-name">"Pin name"</label>
                    <input id="pin-name" prop:value=move || pin_name.get() on:input=move |ev| pin_name.set(event_target_value(&ev))/>
                    <label for="pin-lat">"Latitude"</label>
                    <input id="pin-lat" inputmode="decimal" placeholder="38.7223" prop:value=move || pin_lat.get() on:input=move |ev| pin_lat.set(event_target_value(&ev))/>
                    <label for="pin-lon">"Longitude"</label>
                    <input id="pin-lon" inputmode="decimal" placeholder="-9.1393" prop:value=move || pin_lon.get() on:input=move |ev| pin_lon.set(event_target_value(&ev))/>
                </div>
                {move || pin_error.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                <button type="button" class="button button--quiet" on:click=add_pin>"Add pin"</button>
            </details>
            {move || error.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
        </fieldset>
    }
}
