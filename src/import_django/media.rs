//! Copying the Django blog's uploaded files after a committed import.

use super::{ImportOptions, Summary};
use std::path::PathBuf;

/// Copies the referenced media files (after the commit; never fatal): from a directory, or
/// downloaded from a base URL. Only with local storage.
pub(super) async fn copy_media(options: &ImportOptions, media: &[String], summary: &mut Summary) {
    let (Some(from), Some(root)) = (&options.media_from, &options.media_root) else {
        if options.media_from.is_some() {
            summary
                .notes
                .push("media not copied: Waypost stores media on S3; upload them there".to_owned());
        }
        return;
    };
    let mut seen = std::collections::HashSet::new();
    for relative in media {
        if !seen.insert(relative.clone()) || relative.contains("..") {
            continue;
        }
        let destination = root.join(relative);
        let bytes = if from.starts_with("http://") || from.starts_with("https://") {
            let url = format!("{}/{relative}", from.trim_end_matches('/'));
            match reqwest::get(&url).await.and_then(|r| r.error_for_status()) {
                Ok(response) => response.bytes().await.ok().map(|b| b.to_vec()),
                Err(_) => None,
            }
        } else {
            tokio::fs::read(PathBuf::from(from).join(relative))
                .await
                .ok()
        };
        let Some(bytes) = bytes else {
            summary.media_missing.push(relative.clone());
            continue;
        };
        if let Some(parent) = destination.parent() {
            let _ = tokio::fs::create_dir_all(parent).await;
        }
        match tokio::fs::write(&destination, bytes).await {
            Ok(()) => summary.media_copied += 1,
            Err(error) => summary
                .media_missing
                .push(format!("{relative} (could not write: {error})")),
        }
    }
}
