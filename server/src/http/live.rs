//! Live updates: `GET /vivo/edificio/{id}` is a server-sent-event stream of what happens in one
//! building (bookings created, confirmed, checked in or out, cancelled…), fed by the bus's
//! fan-out so an event on any instance reaches screens on every instance. Staff of that building
//! (and platform staff) only; others get 404, as for any data outside their scope.
//!
//! Events carry the kind and the booking id, never personal data: the screen reloads its lists
//! through the usual authorised server functions.
//!
//! An open stream re-reads its viewer's session from the store and the user from the database
//! every `LIVE_RECHECK_SECONDS` (60 by default) and closes once the session has ended (logout,
//! idle or absolute limit, ban, role or building change) or no longer reaches this building.
//! The re-check does not count as activity: a screen left alone still reaches the idle limit.
//! Each user holds at most `LIVE_STREAMS_PER_USER` open streams per instance (see
//! [`super::stream_slots`]); one more is refused with 429. When the instance stops, each open
//! stream gets a `reconectar` event with an SSE `retry` hint and ends: the browser's
//! `EventSource` reconnects through the balancer to an instance still serving.

use super::session::AppSessionStore;
use super::stream_slots::{StreamSlot, StreamSlots};
use crate::bus::EventBus;
use crate::lifecycle::Lifecycle;
use crate::metrics::LiveStreamGauge;
use app::domain::{event::Envelope, role::Role};
use app::ssr::actor::{self, SessionLimits};
use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
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
use tokio::sync::watch;
use tokio::time::{interval_at, Instant, Interval, MissedTickBehavior};
use tower_sessions::{session::Id, Session};
use uuid::Uuid;

/// The answer when a user already holds every stream they may.
pub const TOO_MANY_STREAMS: &str = "Tienes demasiadas pantallas en vivo abiertas. Cierra alguna e inténtalo nuevamente.";

/// What the stream needs.
#[derive(Clone)]
pub struct LiveState {
    /// To authorise the viewer.
    pub pool: PgPool,
    /// The fan-out.
    pub bus: Arc<dyn EventBus>,
    /// Where sessions live, to re-read the viewer's while the stream is open.
    pub sessions: AppSessionStore,
    /// Idle and absolute session limits.
    pub limits: SessionLimits,
    /// How often an open stream re-checks its viewer.
    pub recheck: Duration,
    /// Open streams per user on this instance.
    pub slots: StreamSlots,
    /// When the instance stops, every open stream ends with a reconnect hint.
    pub lifecycle: Lifecycle,
}

/// How long a browser waits before reconnecting a stream its stopping instance closed (the
/// balancer sends the new connection to another instance).
pub const RECONNECT_AFTER: Duration = Duration::from_millis(1500);

/// The live route.
pub fn routes(state: LiveState) -> Router {
    Router::new().route("/vivo/edificio/{id}", get(stream)).with_state(state)
}

/// The roles that watch a building's screens.
const WATCHERS: &[Role] = &[Role::Concierge, Role::BuildingAdmin, Role::Support, Role::Admin];

/// Whether `actor` may watch `building_id`.
fn may_watch(actor: &actor::Actor, building_id: Uuid) -> bool {
    WATCHERS.contains(&actor.role) && actor.can_see_building(building_id)
}

async fn stream(State(state): State<LiveState>, Path(id): Path<String>, session: Session) -> Response {
    let Ok(building_id) = Uuid::parse_str(&id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let viewer = match actor::actor_of_session(&state.pool, &session, state.limits).await {
        Ok(Some(a)) => a,
        Ok(None) => return StatusCode::UNAUTHORIZED.into_response(),
        Err(err) => {
            tracing::error!(error = %err, "live stream: actor lookup failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    if !may_watch(&viewer, building_id) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Some(session_id) = session.id() else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Some(slot) = state.slots.try_acquire(viewer.id) else {
        return (StatusCode::TOO_MANY_REQUESTS, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], TOO_MANY_STREAMS)
            .into_response();
    };
    let mut recheck = interval_at(Instant::now() + state.recheck, state.recheck);
    recheck.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let watch = Watch {
        stop: state.lifecycle.subscribe(),
        ended: false,
        _open: LiveStreamGauge::open(),
        rx: state.bus.live(),
        recheck,
        session_id,
        building_id,
        state,
        _slot: slot,
    };
    let events = futures_util::stream::unfold(watch, |mut watch| async move {
        let event = watch.next().await?;
        Some((Ok::<_, Infallible>(event), watch))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}

/// One open stream: its bus receiver, its re-check timer and the slot it holds.
struct Watch {
    stop: watch::Receiver<bool>,
    ended: bool,
    _open: LiveStreamGauge,
    rx: Receiver<Envelope>,
    recheck: Interval,
    session_id: Id,
    building_id: Uuid,
    state: LiveState,
    _slot: StreamSlot,
}

impl Watch {
    /// The next event for the screen, or `None` to close the stream.
    async fn next(&mut self) -> Option<Event> {
        if self.ended {
            return None;
        }
        loop {
            // A clone, so that waiting on it does not hold `self` (the re-check needs it).
            let mut stop = self.stop.clone();
            tokio::select! {
                () = crate::lifecycle::until_true(&mut stop) => {
                    // The instance is stopping: say when to come back (to another instance), then
                    // end the stream so the graceful shutdown is not held open by it.
                    self.ended = true;
                    return Some(Event::default().event("reconectar").retry(RECONNECT_AFTER).data("{}"));
                }
                _ = self.recheck.tick() => {
                    if !self.viewer_still_allowed().await {
                        return None;
                    }
                }
                received = self.rx.recv() => match received {
                    Ok(env) if env.building_id == Some(self.building_id) => {
                        let data = serde_json::json!({ "id": env.id, "event": env.event }).to_string();
                        return Some(Event::default().event("cambio").data(data));
                    }
                    Ok(_) => continue,
                    // Fell behind: the screen reloads everything rather than miss a change.
                    Err(RecvError::Lagged(_)) => {
                        return Some(Event::default().event("recargar").data("{}"));
                    }
                    Err(RecvError::Closed) => return None,
                },
            }
        }
    }

    /// Reads the session afresh from the store (the request's copy would not see a logout) and
    /// checks it exactly as a request would. Never saved, so it does not extend the session.
    /// A failed check closes the stream: the browser reconnects and is checked from scratch.
    async fn viewer_still_allowed(&self) -> bool {
        let session = Session::new(Some(self.session_id), Arc::new(self.state.sessions.clone()), None);
        let now = chrono::Utc::now().timestamp();
        match actor::actor_of_session_at(&self.state.pool, &session, self.state.limits, now).await {
            Ok(Some(viewer)) => may_watch(&viewer, self.building_id),
            Ok(None) => false,
            Err(err) => {
                tracing::warn!(error = %err, "live stream: viewer re-check failed; closing");
                false
            }
        }
    }
}
