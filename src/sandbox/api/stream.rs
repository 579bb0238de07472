//! Chunked streaming responses fed by a task through a channel.

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use std::convert::Infallible;
use tokio::sync::mpsc;

/// How many chunks may wait for a slow client before the producer waits.
const CHUNKS_IN_FLIGHT: usize = 256;

/// A channel for the producer and a chunked 200 response for the client.
/// The response ends when the sender is dropped; the sender sees the client
/// leave through [`mpsc::Sender::closed`].
pub(crate) fn channel(content_type: &'static str) -> (mpsc::Sender<Bytes>, Response) {
    let (sender, receiver) = mpsc::channel::<Bytes>(CHUNKS_IN_FLIGHT);
    let chunks = futures::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|chunk| (Ok::<Bytes, Infallible>(chunk), receiver))
    });
    let mut response = Response::new(Body::from_stream(chunks));
    *response.status_mut() = StatusCode::OK;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, private"),
    );
    (sender, response)
}
