//! Pages with several server-side resources, requested by several signed-in readers at once:
//! every request must answer. (The account page used to hang now and then: a blocking
//! resource created inside a `Suspend` could leave the server render waiting forever.)

mod common;

use common::{test_pool, TestApp};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_pages_always_answer_under_concurrent_readers() {
    let app = TestApp::new(test_pool().await).await;
    let mut readers = Vec::new();
    for n in 0..4 {
        let mut client = app.user(&format!("reader{n}"), Some("writer")).await;
        readers.push(tokio::spawn(async move {
            for i in 0..200 {
                let path = if i % 2 == 0 {
                    "/account"
                } else {
                    "/account/subscribers"
                };
                let started = Instant::now();
                let response = tokio::time::timeout(Duration::from_secs(10), client.get(path))
                    .await
                    .unwrap_or_else(|_| panic!("{path} never answered (reader {n}, request {i})"));
                assert_eq!(response.status, 200, "{path}");
                assert!(started.elapsed() < Duration::from_secs(10));
            }
        }));
    }
    for reader in readers {
        reader.await.unwrap();
    }
}
