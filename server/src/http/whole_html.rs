//! Pages leave in one piece. Every page renders with `SsrMode::Async`, so its HTML is complete
//! before the first byte goes out, yet it arrives as a stream of small chunks, each one a write
//! on the socket (and a chunk header): a profile of the search page under load found those
//! writes in a seventh of the server's time. Collected first, a page is one body with a
//! `Content-Length`, which compression and the socket then handle in one go. Other responses
//! (the live-event stream above all) pass untouched.

use axum::{body::Body, extract::Request, middleware::Next, response::Response};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http_body_util::BodyExt as _;

/// Middleware: collects an HTML response's body before it is sent.
pub async fn collect_pages(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !is_html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    match body.collect().await {
        Ok(collected) => {
            let bytes = collected.to_bytes();
            parts.headers.insert(CONTENT_LENGTH, bytes.len().into());
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(err) => {
            // The page failed while rendering: the client gets the error status, never half a page.
            tracing::error!(error = %err, "a page's body failed while rendering");
            let mut failed = Response::new(Body::from("Error interno. Intenta nuevamente."));
            *failed.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            failed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{routing::get, Router};
    use tower::ServiceExt as _;

    /// A handler answering `<p>uno</p>` in three chunks with `content_type`.
    fn chunked(content_type: &'static str) -> axum::routing::MethodRouter {
        get(move || async move {
            let chunks = futures_util::stream::iter(["<p>", "uno", "</p>"].map(|s| Ok::<_, std::io::Error>(s.to_string())));
            Response::builder().header(CONTENT_TYPE, content_type).body(Body::from_stream(chunks)).unwrap()
        })
    }

    fn app() -> Router {
        Router::new()
            .route("/page", chunked("text/html; charset=utf-8"))
            .route("/stream", chunked("text/event-stream"))
            .layer(axum::middleware::from_fn(collect_pages))
    }

    #[tokio::test]
    async fn a_page_leaves_whole_with_its_length_and_a_stream_stays_a_stream() {
        let page = app().oneshot(Request::get("/page").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(page.headers().get(CONTENT_LENGTH).unwrap(), "10");
        assert_eq!(page.into_body().collect().await.unwrap().to_bytes(), "<p>uno</p>");
        let stream = app().oneshot(Request::get("/stream").body(Body::empty()).unwrap()).await.unwrap();
        assert!(stream.headers().get(CONTENT_LENGTH).is_none());
        assert_eq!(stream.into_body().collect().await.unwrap().to_bytes(), "<p>uno</p>");
    }
}
