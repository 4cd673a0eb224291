//! Session lifetimes (ASVS 5.0 7.3.1, 7.3.2): an idle limit that every authenticated request
//! pushes back and an absolute limit that no activity extends, both edges of each checked with
//! a pinned clock against the real PostgreSQL session store; and the store's own expiry moves
//! with each authenticated request.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::ssr::actor::{actor_of_session_at, start_session_at, SessionLimits, SESSION_MAX_HOURS};
use common::*;
use http::StatusCode;
use server::http::AppSessionStore;
use sqlx::PgPool;
use std::sync::Arc;
use tower_sessions::{session::Id, Expiry, Session, SessionStore};
use tower_sessions_sqlx_store::PostgresStore;
use uuid::Uuid;

const T0: i64 = 1_900_000_000;

struct Fixture {
    pool: PgPool,
    store: Arc<AppSessionStore>,
    user: Uuid,
    limits: SessionLimits,
}

impl Fixture {
    async fn new(pool: PgPool, idle_minutes: i64) -> Self {
        // Building the application creates the session table.
        let app = app(pool.clone()).await;
        let user = user(&app, "conserje@x.cl", "concierge", "active", Some(building(&pool, "Torre").await)).await;
        let store = Arc::new(AppSessionStore::Postgres(PostgresStore::new(pool.clone())));
        Self { pool, store, user, limits: SessionLimits::with_idle_minutes(idle_minutes) }
    }

    fn session(&self, id: Option<Id>) -> Session {
        let idle = time::Duration::seconds(self.limits.idle_secs);
        Session::new(id, self.store.clone(), Some(Expiry::OnInactivity(idle)))
    }

    /// Logs in at `now`, saved as the session layer saves it; returns the session id.
    async fn log_in_at(&self, now: i64) -> Id {
        let session = self.session(None);
        start_session_at(&session, self.user, 0, now).await.unwrap();
        session.save().await.unwrap();
        session.id().unwrap()
    }

    /// One authenticated request at `now`: loads the session from the store, checks it, and
    /// saves it if the check changed it (what the session layer does after the handler).
    async fn request_at(&self, id: Id, now: i64) -> bool {
        let session = self.session(Some(id));
        let actor = actor_of_session_at(&self.pool, &session, self.limits, now).await.unwrap();
        if session.is_modified() && !session.is_empty().await {
            session.save().await.unwrap();
        }
        actor.is_some_and(|a| a.id == self.user)
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_session_lives_until_the_idle_limit_and_each_request_extends_it(pool: PgPool) {
    let f = Fixture::new(pool, 120).await;
    let idle = 120 * 60;
    let id = f.log_in_at(T0).await;

    // Just before the idle limit the session lives, and the request restarts the idle clock:
    // a second request a whole idle period later still finds it.
    assert!(f.request_at(id, T0 + idle).await);
    assert!(f.request_at(id, T0 + 2 * idle).await);
    // One second past the idle limit since the last request it is gone, from the store too.
    assert!(!f.request_at(id, T0 + 3 * idle + 1).await);
    assert!(f.store.load(&id).await.unwrap().is_none());
    assert!(!f.request_at(id, T0 + 3 * idle + 2).await);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_absolute_limit_holds_even_with_continuous_activity(pool: PgPool) {
    let f = Fixture::new(pool, 120).await;
    let max = SESSION_MAX_HOURS * 3600;
    let id = f.log_in_at(T0).await;
    // A request every 10 minutes for 12 hours keeps it alive up to the last second...
    let mut now = T0;
    while now + 600 < T0 + max {
        now += 600;
        assert!(f.request_at(id, now).await, "alive at +{}s", now - T0);
    }
    assert!(f.request_at(id, T0 + max).await);
    // ...and not one second more, though it was used a second ago.
    assert!(!f.request_at(id, T0 + max + 1).await);
    assert!(f.store.load(&id).await.unwrap().is_none());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_authenticated_request_pushes_back_the_stores_expiry(pool: PgPool) {
    let app = app(pool.clone()).await;
    user(&app, "conserje@x.cl", "concierge", "active", Some(building(&pool, "Torre").await)).await;
    let mut client = Client::default();
    assert_eq!(client.log_in(&app, "conserje@x.cl", PASSWORD).await.status, StatusCode::OK);
    let minutes_left = || async {
        sqlx::query_scalar::<_, f64>(
            "select extract(epoch from max(expiry_date) - now())::float8 / 60 from tower_sessions.session",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    // The default idle limit is two hours.
    assert!((119.0..=120.5).contains(&minutes_left().await));

    // The session is about to lapse in the store; an authenticated request a second later
    // (a new "last seen") renews it for the full idle period.
    sqlx::query("update tower_sessions.session set expiry_date = now() + interval '1 minute'")
        .execute(&pool)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(client.who_am_i(&app).await.contains("Camila"));
    assert!((119.0..=120.5).contains(&minutes_left().await));
}

/// The actor is read once per request (the header's `who_am_i` and the page share it), and only
/// for that request: the next request, with a fresh memo from the middleware, sees a ban.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_actor_is_read_once_per_request_and_never_across_requests(pool: PgPool) {
    use app::ssr::actor::{current_actor, ActorMemo};
    use leptos::prelude::{provide_context, Owner};
    use leptos::reactive::computed::ScopedFuture;

    let app = app(pool.clone()).await;
    let f = Fixture::new(pool.clone(), 120).await;
    let now = chrono::Utc::now().timestamp();
    let id = f.log_in_at(now).await;
    // A request as the router hands it to Leptos: the session and a fresh memo in its extensions.
    let request = |memo: ActorMemo| {
        let (mut parts, ()) = http::Request::new(()).into_parts();
        parts.extensions.insert(f.session(Some(id)));
        parts.extensions.insert(memo);
        let owner = Owner::new();
        owner.with(|| {
            provide_context(app.state.clone());
            provide_context(parts);
        });
        owner
    };
    let ban = || async {
        sqlx::query("update users set status = 'banned', session_epoch = session_epoch + 1 where id = $1")
            .bind(f.user)
            .execute(&pool)
            .await
            .unwrap();
    };

    let first = request(ActorMemo::default());
    let actor = first.with(|| ScopedFuture::new(current_actor(&pool))).await.unwrap();
    assert_eq!(actor.as_ref().map(|a| a.id), Some(f.user));
    ban().await;
    // Within the same request the first read serves (no second users query)...
    let again = first.with(|| ScopedFuture::new(current_actor(&pool))).await.unwrap();
    assert_eq!(again.map(|a| a.id), Some(f.user));
    // ...and the next request reads the database again: the ban has taken effect.
    let next = request(ActorMemo::default());
    assert_eq!(next.with(|| ScopedFuture::new(current_actor(&pool))).await.unwrap(), None);
}
