//! Live updates: `GET /vivo/edificio/{id}` is a server-sent-event stream of what happens in one
//! building (bookings created, confirmed, checked in or out, cancelled…), fed by the bus's
//! fan-out so an event on any instance reaches screens on every instance. Staff of that building
//! (and platform staff) only; others get 404, as for any data outside their scope.
//!
//! Events carry the kind and the booking id, never personal data: the screen reloads its lists
//! through the usual authorised server functions.

use crate::bus::EventBus;
use app::domain::{event::Envelope, role::Role};
use app::ssr::actor;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
    routing::get,
    Router,
};
use sqlx::PgPool;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::{error::RecvError, Receiver};
use tower_sessions::Session;
use uuid::Uuid;

/// What the stream needs.
#[derive(Clone)]
pub struct LiveState {
    /// To authorise the viewer.
    pub pool: PgPool,
    /// The fan-out.
    pub bus: Arc<dyn EventBus>,
}

/// The live route.
pub fn routes(state: LiveState) -> Router {
    Router::new().route("/vivo/edificio/{id}", get(stream)).with_state(state)
}

/// The roles that watch a building's screens.
const WATCHERS: &[Role] = &[Role::Concierge, Role::BuildingAdmin, Role::Support, Role::Admin];

async fn stream(State(state): State<LiveState>, Path(id): Path<String>, session: Session) -> Response {
    let Ok(building_id) = Uuid::parse_str(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let viewer = match actor::actor_of_session(&state.pool, &session).await {
        Ok(Some(a)) => a,
        Ok(None) => return StatusCode::UNAUTHORIZED.into_response(),
        Err(err) => {
            tracing::error!(error = %err, "live stream: actor lookup failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    if !WATCHERS.contains(&viewer.role) || !viewer.can_see_building(building_id) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let events = futures_util::stream::unfold(state.bus.live(), move |mut rx: Receiver<Envelope>| async move {
        loop {
            match rx.recv().await {
                Ok(env) if env.building_id == Some(building_id) => {
                    let data = serde_json::json!({ "id": env.id, "event": env.event }).to_string();
                    let event = Event::default().event("cambio").data(data);
                    return Some((Ok::<_, Infallible>(event), rx));
                }
                Ok(_) => continue,
                // Fell behind: the screen reloads everything rather than miss a change.
                Err(RecvError::Lagged(_)) => {
                    return Some((Ok(Event::default().event("recargar").data("{}")), rx));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
