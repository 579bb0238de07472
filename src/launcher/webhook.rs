//! The HTTP side: `POST /api/v1/alerts`, Alertmanager's webhook. A bearer
//! token is required (401 otherwise); a body that is not a version 4
//! payload gets 400 with the reason (and a log line); a replica that does
//! not lead, or a queue past its bound, gets 503 with `Retry-After`, which
//! Alertmanager retries.

use super::WEBHOOK_PATH;
use super::intake::{self, Outcome};
use super::payload;
use super::state::Shared;
use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The largest body accepted (Alertmanager batches a group's alerts).
const BODY_LIMIT: usize = 32 * 1024 * 1024;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            WEBHOOK_PATH,
            post(move |headers: HeaderMap, body: Bytes| {
                let shared = shared.clone();
                async move { handle(shared, &headers, &body).await }
            }),
        )
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

async fn handle(shared: Arc<Shared>, headers: &HeaderMap, body: &[u8]) -> Response {
    if !authorized(&shared.config.webhook_token, headers) {
        tracing::warn!("launcher: webhook request without the right bearer token (401)");
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a bearer token is required\n",
        )
            .into_response();
    }
    let alerts = match payload::parse(body) {
        Ok(alerts) => alerts,
        Err(reason) => {
            tracing::warn!(%reason, "launcher: malformed webhook payload (400)");
            return (StatusCode::BAD_REQUEST, format!("{reason}\n")).into_response();
        }
    };
    shared.metrics.received(alerts.len() as u64);
    // In a task of its own: a client that hangs up mid-request does not cut
    // the intake short (its bookkeeping of Jobs being created stays true).
    let working = shared.clone();
    match tokio::spawn(async move { intake::accept(&working, alerts).await }).await {
        Ok(outcome) => respond(&shared, &outcome),
        Err(error) => {
            tracing::warn!(%error, "launcher: the intake of a webhook failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the intake failed; retry\n",
            )
                .into_response()
        }
    }
}

fn respond(shared: &Shared, outcome: &Outcome) -> Response {
    let body = serde_json::json!({
        "created": outcome.created,
        "deduplicated": outcome.deduplicated,
        "rateLimited": outcome.rate_limited,
        "unmatched": outcome.unmatched,
        "resolved": outcome.resolved,
        "refused": outcome.refused,
        "reason": outcome.refusal,
    });
    if outcome.refused == 0 && outcome.refusal.is_none() {
        return (StatusCode::OK, axum::Json(body)).into_response();
    }
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&shared.config.retry_after_seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Whether the request carries `Authorization: Bearer <token>` (compared
/// through digests, so the time taken says nothing about the token).
fn authorized(token: &str, headers: &HeaderMap) -> bool {
    if token.is_empty() {
        return false;
    }
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
    else {
        return false;
    };
    Sha256::digest(given.trim().as_bytes()) == Sha256::digest(token.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_bearer_token_passes() {
        let headers = |value: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                header::AUTHORIZATION,
                HeaderValue::from_str(value).expect("header"),
            );
            h
        };
        assert!(authorized("s3cret", &headers("Bearer s3cret")));
        assert!(!authorized("s3cret", &headers("Bearer wrong")));
        assert!(!authorized("s3cret", &headers("Basic s3cret")));
        assert!(!authorized("s3cret", &HeaderMap::new()));
        assert!(!authorized("", &headers("Bearer ")));
    }
}
