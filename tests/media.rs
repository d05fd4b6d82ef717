//! Image uploads end to end: validation by content, size limit, permissions, both storage
//! backends (local disk, and a real S3-compatible server: moto).

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{Client, TestApp, TestResponse};
use std::io::Cursor;

fn photo(width: u32, height: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 255) as u8, (y % 255) as u8, 90])
    })
    .write_to(&mut out, image::ImageFormat::Png)
    .unwrap();
    out.into_inner()
}

/// A same-origin multipart POST of one file in the field `file`.
fn multipart(path: &str, filename: &str, bytes: Vec<u8>) -> Request<Body> {
    let boundary = "waypost-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: image/jpeg\r\n\r\n"
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

async fn upload(client: &mut Client, filename: &str, bytes: Vec<u8>) -> TestResponse {
    client
        .send(multipart("/media/upload", filename, bytes))
        .await
}

#[tokio::test]
async fn writers_upload_images_validated_by_content() {
    let pool = common::test_pool().await;
    let app = TestApp::with_vars(pool, &[("MAX_UPLOAD_MB", "1")]).await;
    let mut writer = app.user("wendy", Some("writer")).await;

    // A PNG named .jpg is fine: the content decides.
    let response = upload(&mut writer, "holiday.jpg", photo(1200, 800)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let json = response.json();
    let url = json["url"].as_str().unwrap();
    assert!(
        url.starts_with("/media/") && url.ends_with("-960.jpg"),
        "{url}"
    );
    assert_eq!(json["width"], 1200);
    assert!(json["srcset"].as_str().unwrap().contains("-480.jpg 480w"));
    assert!(json["markdown"].as_str().unwrap().contains(url));

    // It is served back as a JPEG, 960 px wide, with nosniff.
    let served = app.client().get(url).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), Some("image/jpeg"));
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    let root = match &app.state.config.media {
        waypost::config::MediaConfig::Local { root } => root.clone(),
        _ => unreachable!(),
    };
    let stored = std::fs::read(root.join(url.trim_start_matches("/media/"))).unwrap();
    let decoded = image::load_from_memory(&stored).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (960, 640));

    // A text file named .png is refused, clearly.
    let response = upload(
        &mut writer,
        "totally.png",
        b"just some text, honest".to_vec(),
    )
    .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response.body.contains("not a JPEG, PNG, WebP or GIF"),
        "{}",
        response.body
    );

    // Over the configured limit (1 MB): 413 with the limit in the message.
    let response = upload(&mut writer, "huge.jpg", vec![0u8; 1_300_000]).await;
    assert_eq!(
        response.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        response.body
    );
    assert!(
        response.body.contains("larger than 1 MB"),
        "{}",
        response.body
    );
}

#[tokio::test]
async fn only_writers_upload() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool).await;
    let mut anonymous = app.client();
    assert_eq!(
        upload(&mut anonymous, "a.png", photo(10, 10)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut traveller = app.user("tom", None).await;
    assert_eq!(
        upload(&mut traveller, "a.png", photo(10, 10)).await.status,
        StatusCode::FORBIDDEN
    );
}

/// A real S3 API (moto, from PyPI) on a local port, stopped when the test ends.
struct Moto(std::process::Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn the_s3_backend_stores_public_objects() {
    let pool = common::test_pool().await;
    let port = free_port();
    let moto = Moto(
        std::process::Command::new(
            std::env::var("MOTO_SERVER").unwrap_or_else(|_| "moto_server".into()),
        )
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("moto_server (pip install 'moto[server]') is required for the S3 test"),
    );
    let endpoint = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..100 {
        if http
            .put(format!("{endpoint}/waypost-media"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "moto did not start");

    let app = TestApp::with_vars(
        pool,
        &[
            ("USE_SPACES", "true"),
            ("AWS_STORAGE_BUCKET_NAME", "waypost-media"),
            ("AWS_S3_ENDPOINT_URL", &endpoint),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
        ],
    )
    .await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let response = upload(&mut writer, "lake.png", photo(700, 400)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let url = response.json()["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("{endpoint}/waypost-media/")),
        "{url}"
    );

    let object = http.get(&url).send().await.unwrap();
    assert_eq!(object.status(), 200);
    assert_eq!(object.headers()["content-type"], "image/jpeg");
    let bytes = object.bytes().await.unwrap();
    assert_eq!(
        image::load_from_memory(&bytes).unwrap().width(),
        700,
        "not upscaled"
    );
    drop(moto);
}

#[tokio::test]
async fn anyone_signed_in_sets_an_avatar_from_a_plain_form() {
    let pool = common::test_pool().await;
    let app = TestApp::new(pool.clone()).await;
    let mut traveller = app.user("tom", None).await;
    let form = |bytes: Vec<u8>| multipart("/media/avatar", "me.png", bytes);
    let refused = traveller.send(form(b"not an image".to_vec())).await;
    assert!(refused.status.is_redirection());
    assert_eq!(
        refused.header("location"),
        Some("/account?avatar_error=type")
    );

    let response = traveller.send(form(photo(800, 800))).await;
    assert_eq!(
        response.header("location"),
        Some("/account?saved=1"),
        "{}",
        response.body
    );
    let url = sqlx::query_scalar!("SELECT avatar_url FROM profiles p JOIN users u ON u.id = p.user_id WHERE u.username = 'tom'")
        .fetch_one(&pool)
        .await
        .unwrap()
        .expect("avatar set");
    assert!(
        url.starts_with("/media/avatars/") && url.ends_with("-480.jpg"),
        "{url}"
    );
    let profile = app.client().get("/authors/tom").await;
    assert!(profile.body.contains(&format!("src=\"{url}\"")));
    assert_eq!(app.client().get(&url).await.status, StatusCode::OK);

    let mut anonymous = app.client();
    let response = anonymous.send(form(photo(10, 10))).await;
    assert_eq!(response.header("location"), Some("/login?next=/account"));
}

/// A real PNG whose header claims `width` × `height` pixels (a solid colour, so the file is
/// tiny while decoding it would take width × height × 3 bytes).
fn claimed_png(width: u32, height: u32) -> Vec<u8> {
    let mut png = photo(4, 4);
    // IHDR starts after the 8-byte signature: length(4) type(4) width(4) height(4) …
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffff_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[tokio::test]
async fn an_image_bomb_is_refused_before_it_is_decoded() {
    let app = TestApp::new(common::test_pool().await).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let bomb = claimed_png(12_000, 12_000);
    assert!(bomb.len() < 1024, "a small file");
    let started = std::time::Instant::now();
    let response = upload(&mut writer, "bomb.png", bomb).await;
    assert_eq!(
        response.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        response.body
    );
    assert!(response.body.contains("megapixels"), "{}", response.body);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "refused from the header, not after decoding"
    );
    // Within the limit in pixels, the same kind of file is read (and found damaged here).
    let small = upload(&mut writer, "ok.png", claimed_png(2_000, 1_000)).await;
    assert_eq!(small.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!small.body.contains("megapixels"), "{}", small.body);
}

#[tokio::test]
async fn uploads_are_limited_per_account() {
    let pool = common::test_pool().await;
    let app = TestApp::with_vars(pool, &[("UPLOADS_PER_USER_PER_HOUR", "1")]).await;
    let mut writer = app.user("wendy", Some("writer")).await;
    let first = upload(&mut writer, "one.png", photo(600, 400)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let second = upload(&mut writer, "two.png", photo(600, 400)).await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(second.header("retry-after").is_some());
    // Another writer has their own allowance.
    let mut other = app.user("otto", Some("writer")).await;
    assert_eq!(
        upload(&mut other, "three.png", photo(600, 400))
            .await
            .status,
        StatusCode::OK
    );
}
