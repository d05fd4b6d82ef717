//! SendGrid's signed event webhook: bounces, drops and spam reports stop all mail to the
//! address; SendGrid unsubscribes end its subscriptions. The request is trusted only with a
//! valid ECDSA (P-256, SHA-256) signature over timestamp + body, made with the key whose
//! public half is `SENDGRID_WEBHOOK_VERIFICATION_KEY`.

use super::{normalize_email, repo};
use crate::error::AppError;
use crate::state::AppState;
use base64::Engine;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde::Deserialize;

pub const SIGNATURE_HEADER: &str = "x-twilio-email-event-webhook-signature";
pub const TIMESTAMP_HEADER: &str = "x-twilio-email-event-webhook-timestamp";

#[derive(Debug, Deserialize)]
struct Event {
    #[serde(default)]
    email: String,
    #[serde(default)]
    event: String,
}

/// Whether `signature` (base64 DER) signs `timestamp` + `body` for `public_key` (base64 DER).
pub fn verify(public_key: &str, signature: &str, timestamp: &str, body: &[u8]) -> bool {
    let engine = base64::engine::general_purpose::STANDARD;
    let Ok(key_der) = engine.decode(public_key.trim()) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_public_key_der(&key_der) else {
        return false;
    };
    let Ok(signature) = engine
        .decode(signature.trim())
        .map_err(|_| ())
        .and_then(|der| Signature::from_der(&der).map_err(|_| ()))
    else {
        return false;
    };
    let mut signed = timestamp.as_bytes().to_vec();
    signed.extend_from_slice(body);
    key.verify(&signed, &signature).is_ok()
}

/// Applies a verified batch of events. Returns how many addresses stopped receiving.
pub async fn apply_events(
    state: &AppState,
    signature: &str,
    timestamp: &str,
    body: &[u8],
) -> Result<usize, AppError> {
    let Some(key) = &state.config.mail.sendgrid_webhook_key else {
        return Err(AppError::NotFound);
    };
    if !verify(key, signature, timestamp, body) {
        tracing::warn!("refused a SendGrid event batch with a bad signature");
        return Err(AppError::Forbidden);
    }
    let events: Vec<Event> = serde_json::from_slice(body)
        .map_err(|_| AppError::BadRequest("Expected SendGrid's JSON event list.".to_owned()))?;
    let mut stopped = 0;
    for event in events {
        let email = normalize_email(&event.email);
        match event.event.as_str() {
            "bounce" | "dropped" | "spamreport"
                if repo::mark_bounced(&state.pool, &email).await? =>
            {
                stopped += 1;
            }
            "unsubscribe" | "group_unsubscribe" => {
                if let Some(subscriber) = repo::subscriber_by_email(&state.pool, &email).await? {
                    if repo::unsubscribe_all(&state.pool, subscriber.id).await? > 0 {
                        stopped += 1;
                    }
                }
            }
            _ => {}
        }
    }
    if stopped > 0 {
        tracing::info!(stopped, "SendGrid events stopped mail to some addresses");
    }
    Ok(stopped)
}
