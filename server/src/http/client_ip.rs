//! Decides the client's address once per request (see [`app::ssr::client_ip`]) and stores it
//! as a [`ClientIp`] extension, before logging and everything else run: rate limits, the IP
//! blocklist, audit rows and the request log line all read this one value.

use app::ssr::client_ip::{ClientIp, TrustedProxies};
use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use std::net::SocketAddr;
use std::sync::Arc;

/// Middleware: the socket peer, or — when the peer is a trusted proxy — the right-most address
/// of its forwarding header that no trusted proxy wrote.
pub async fn resolve_client_ip(State(trusted): State<Arc<TrustedProxies>>, mut req: Request, next: Next) -> Response {
    if let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) {
        let client = trusted.client_ip(peer, req.headers());
        req.extensions_mut().insert(ClientIp(client));
    }
    next.run(req).await
}
