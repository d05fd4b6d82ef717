//! Places and maps end to end on real PostgreSQL: a story's places from the editor's field,
//! the maps and place pages, nearby, search, the API, the feed and sitemap, story counts that
//! follow publishing, refusals that lose nothing, and a photo's GPS position that becomes a
//! suggestion but is never stored or served.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{article_id, Client, TestApp, TestResponse};
use std::io::Cursor;

const LISBON: &str = "g:2267057";
const PORTO: &str = "g:2735943";
const BODY: &str = "## Morning\n\nTrams, custard tarts and the river.\n";

async fn save_with_places(
    client: &mut Client,
    id: Option<i64>,
    title: &str,
    places: &str,
    intent: &str,
) -> TestResponse {
    let id = id.map(|i| i.to_string()).unwrap_or_default();
    let mut fields = vec![
        ("title", title),
        ("summary", "A short summary."),
        ("body", BODY),
        ("tags", ""),
        ("cover_image", ""),
        ("cover_alt", ""),
        ("intent", intent),
        ("places", places),
    ];
    if !id.is_empty() {
        fields.push(("id", &id));
    }
    client.call("save_article", &fields).await
}

/// A server function's message for `field` (`{"Invalid":[{"field":…,"message":…}]}`).
fn field_error(response: &TestResponse, field: &str) -> String {
    response.json()["Invalid"]
        .as_array()
        .and_then(|errors| errors.iter().find(|e| e["field"] == field))
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no error for {field}: {}", response.body))
        .to_owned()
}

async fn story_count(app: &TestApp, slug: &str) -> i32 {
    sqlx::query_scalar!("SELECT story_count FROM places WHERE slug = $1", slug)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn stories_get_places_and_readers_find_them_on_maps() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let mut reader = app.client();

    let places = format!("{LISBON}\np:38.6916,-9.2160,Belém viewpoint");
    let saved =
        save_with_places(&mut writer, None, "Seven hills at dawn", &places, "publish").await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let slug = saved.json().as_str().unwrap().to_owned();
    let porto = save_with_places(&mut writer, None, "Port wine cellars", PORTO, "publish").await;
    let porto_slug = porto.json().as_str().unwrap().to_owned();

    // The story: a map beside the byline whose pins are named links, its places as text,
    // OpenGraph's place.
    let page = reader.get(&format!("/articles/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("class=\"map__svg\""), "a map is drawn");
    assert!(page
        .body
        .contains(r#"<a href="/places/portugal/lisbon" aria-label="Lisbon, Portugal">"#));
    assert!(
        page.body
            .contains(r#"href="/places/portugal/belem-viewpoint""#),
        "the writer's pin"
    );
    assert!(page
        .body
        .contains(r#"property="place:location:latitude" content="38.7167""#));

    // The world map: one pin per place, linked, and the countries listed.
    let world = reader.get("/places").await;
    assert_eq!(world.status, StatusCode::OK);
    assert!(
        world
            .body
            .contains(r#"aria-label="Lisbon, Portugal: 1 story""#),
        "{}",
        world.body.len()
    );
    assert!(world.body.contains(r#"href="/places/portugal""#));
    assert!(
        world.body.contains(r#"aria-label="Portugal: 3 places""#),
        "the country is a link on the map"
    );
    assert!(world.body.contains("GeoNames"), "the gazetteer is credited");

    // Portugal: its outline highlighted, its places, its stories.
    let country = reader.get("/places/portugal").await;
    assert_eq!(country.status, StatusCode::OK);
    assert!(country.body.contains("map__country--focus"));
    assert!(
        country.body.contains("Seven hills at dawn") && country.body.contains("Port wine cellars")
    );

    // Lisbon: its story, and Porto's story nearby (about 275 km north).
    let lisbon = reader.get("/places/portugal/lisbon").await;
    assert_eq!(lisbon.status, StatusCode::OK);
    assert!(lisbon.body.contains("Seven hills at dawn"));
    let nearby = lisbon
        .body
        .split(r#"id="nearby-heading""#)
        .nth(1)
        .unwrap_or_default();
    assert!(
        nearby.contains(&format!("/articles/{porto_slug}")),
        "Porto is nearby: {nearby}"
    );
    assert!(nearby.contains("km away"));
    assert!(
        !nearby.contains(&format!("/articles/{slug}\"")),
        "not itself"
    );
    assert_eq!(
        reader.get("/places/portugal/atlantis").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        reader.get("/places/narnia").await.status,
        StatusCode::NOT_FOUND
    );

    // Search finds a story by its place, though the word is in no title or text.
    let search = reader.get("/search?q=lisbon").await;
    assert!(
        search.body.contains("Seven hills at dawn"),
        "search matches place names"
    );

    // The writer's page: where they have been, in story order, joined by a trip line.
    let author = reader.get("/authors/wendy").await;
    assert!(author.body.contains("has been"));
    assert!(author.body.contains("map__trip"));

    // The API's extra field, the feed's GeoRSS point, the sitemap's place pages.
    let api = reader.get(&format!("/api/articles/{slug}")).await;
    let json = api.json();
    assert_eq!(json["article"]["places"][0]["name"], "Lisbon");
    assert_eq!(json["article"]["places"][0]["country"], "Portugal");
    assert_eq!(
        json["article"]["places"][1]["url"],
        "http://127.0.0.1:3000/places/portugal/belem-viewpoint"
    );
    let feed = reader.get("/feed.xml").await;
    assert!(feed
        .body
        .contains("<georss:point>38.7167 -9.1333</georss:point>"));
    let sitemap = reader.get("/sitemap.xml").await;
    assert!(sitemap
        .body
        .contains("http://127.0.0.1:3000/places/portugal/lisbon</loc>"));

    // The editor gets the places back as it sent them.
    let editor = writer.call("load_editor", &[("slug", &slug)]).await;
    assert!(
        editor.body.contains("2267057") && editor.body.contains("Belém viewpoint"),
        "{}",
        editor.body
    );

    // Counts follow publishing: back to draft, Lisbon has no story and no page.
    let id = article_id(&pool, &slug).await;
    assert_eq!(story_count(&app, "lisbon").await, 1);
    let draft = save_with_places(
        &mut writer,
        Some(id),
        "Seven hills at dawn",
        &places,
        "draft",
    )
    .await;
    assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
    assert_eq!(story_count(&app, "lisbon").await, 0);
    assert_eq!(
        reader.get("/places/portugal/lisbon").await.status,
        StatusCode::NOT_FOUND
    );
    // …and deleting a story drops its count too.
    assert_eq!(story_count(&app, "porto").await, 1);
    let porto_id = article_id(&pool, &porto_slug).await.to_string();
    let deleted = writer.call("delete_article", &[("id", &porto_id)]).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    assert_eq!(story_count(&app, "porto").await, 0);
}

#[tokio::test]
async fn bad_places_are_refused_and_nothing_is_lost() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let saved = save_with_places(&mut writer, None, "Lisbon", LISBON, "publish").await;
    let id = article_id(&pool, saved.json().as_str().unwrap()).await;

    let too_many: Vec<String> = (0..11)
        .map(|i| format!("p:{}.5,10,Camp {i}", 40 + i))
        .collect();
    for (bad, says) in [
        ("p:95,10,North of north", "latitude"),
        ("p:40,10,", "Name each pin"),
        ("g:1", "gazetteer"),
        ("lisbon please", "could not be read"),
        (too_many.join("\n").as_str(), "at most 10"),
    ] {
        let refused = save_with_places(&mut writer, Some(id), "Lisbon", bad, "publish").await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            refused.body
        );
        assert!(
            field_error(&refused, "places").contains(says),
            "{bad}: {}",
            refused.body
        );
    }
    // Nothing was written: the story keeps Lisbon, and no pin was made.
    let places: Vec<String> = sqlx::query_scalar!(
        "SELECT p.name FROM article_places ap JOIN places p ON p.id = ap.place_id WHERE ap.article_id = $1",
        id
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(places, ["Lisbon"]);
    let pins = sqlx::query_scalar!("SELECT count(*) FROM places WHERE geonames_id IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(pins, Some(0));

    // Travellers can't use the type-ahead (a writer's tool); writers can.
    let mut traveller = app.user("tom", None).await;
    assert_eq!(
        traveller
            .call("suggest_places", &[("query", "lisb")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let found = writer.call("suggest_places", &[("query", "lisb")]).await;
    assert_eq!(found.json()[0]["name"], "Lisbon");
    assert_eq!(found.json()[0]["country"], "Portugal");
}

/// A JPEG whose EXIF says it was taken on Lisbon's Praça do Comércio (38°42'27"N 9°08'11"W).
fn photo_with_gps() -> Vec<u8> {
    use exif::experimental::Writer;
    use exif::{Field, In, Rational, Tag, Value};
    let mut jpeg = Cursor::new(Vec::new());
    image::RgbImage::from_fn(640, 480, |x, y| {
        image::Rgb([(x % 255) as u8, (y % 255) as u8, 120])
    })
    .write_to(&mut jpeg, image::ImageFormat::Jpeg)
    .unwrap();
    let dms = |d: u32, m: u32, s_hundredths: u32| {
        Value::Rational(vec![
            Rational::from((d, 1)),
            Rational::from((m, 1)),
            Rational::from((s_hundredths, 100)),
        ])
    };
    let field = |tag, value| Field {
        tag,
        ifd_num: In::PRIMARY,
        value,
    };
    let fields = [
        field(Tag::GPSLatitudeRef, Value::Ascii(vec![b"N".to_vec()])),
        field(Tag::GPSLatitude, dms(38, 42, 2700)),
        field(Tag::GPSLongitudeRef, Value::Ascii(vec![b"W".to_vec()])),
        field(Tag::GPSLongitude, dms(9, 8, 1100)),
    ];
    let mut writer = Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut tiff = Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    let tiff = tiff.into_inner();
    let jpeg = jpeg.into_inner();
    // APP1 "Exif" segment right after the JPEG's start-of-image marker.
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((tiff.len() + 8) as u16).to_be_bytes());
    out.extend(b"Exif\0\0");
    out.extend(&tiff);
    out.extend(&jpeg[2..]);
    out
}

fn has_gps(bytes: &[u8]) -> bool {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .map(|e| {
            e.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
                .is_some()
        })
        .unwrap_or(false)
}

fn multipart(path: &str, bytes: Vec<u8>) -> Request<Body> {
    let boundary = "waypost-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"belem.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    Request::post(path)
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn a_photos_position_suggests_a_place_but_is_never_kept() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let original = photo_with_gps();
    assert!(has_gps(&original), "the test photo carries GPS tags");

    let response = writer.send(multipart("/media/upload", original)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let json = response.json();
    assert_eq!(json["place"]["name"], "Lisbon", "{json}");
    assert_eq!(json["place"]["country"], "Portugal");
    assert!(
        !response.body.contains("38.69"),
        "the photo's own position is not sent back"
    );

    // Declined (the writer saves without it): no place row, no coordinates anywhere.
    let places = sqlx::query_scalar!("SELECT count(*) FROM places")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(places, Some(0));

    // Every stored size, read back as served, has no GPS tags (no EXIF at all).
    for url in json["srcset"].as_str().unwrap().split(", ") {
        let path = url.split(' ').next().unwrap();
        let served = writer.get(path).await;
        assert_eq!(served.status, StatusCode::OK, "{path}");
        assert!(!has_gps(&served.bytes), "{path} has GPS tags");
        assert!(
            exif::Reader::new()
                .read_from_container(&mut Cursor::new(&served.bytes))
                .is_err(),
            "{path} has EXIF"
        );
    }

    // A photo without a position suggests nothing.
    let mut plain = Cursor::new(Vec::new());
    image::RgbImage::new(64, 64)
        .write_to(&mut plain, image::ImageFormat::Png)
        .unwrap();
    let response = writer
        .send(multipart("/media/upload", plain.into_inner()))
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert!(response.json()["place"].is_null());
}

/// Maps and place lists are kept per process with the places version they were drawn at:
/// a story published through one instance is on the other's maps at the next request.
#[tokio::test]
async fn maps_drawn_by_one_instance_follow_changes_made_through_another() {
    let pool = common::test_pool().await;
    let one = TestApp::new(pool.clone()).await;
    let two = TestApp::new(pool).await;
    let mut writer = one.user("wendy", Some("writer")).await;
    let first = save_with_places(&mut writer, None, "Seven hills", LISBON, "publish").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);

    let mut reader = two.client();
    for path in ["/places", "/places/portugal", "/places/portugal/lisbon"] {
        let page = reader.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains("/places/portugal/porto"), "{path}");
    }

    let second = save_with_places(&mut writer, None, "Port wine cellars", PORTO, "publish").await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let world = reader.get("/places").await;
    assert!(world.body.contains(r#"aria-label="Portugal: 2 places""#));
    let country = reader.get("/places/portugal").await;
    assert!(country.body.contains(r#"href="/places/portugal/porto""#));
    let lisbon = reader.get("/places/portugal/lisbon").await;
    assert!(
        lisbon.body.contains("Port wine cellars"),
        "Porto's story is nearby"
    );
    assert!(lisbon.body.contains(r#"href="/places/portugal/porto""#));
}
