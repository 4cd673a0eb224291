//! Frequent visitors and calendar files through the real router: a resident's visitors are
//! theirs alone (another resident's id is a Spanish 404 with nothing about it), bad shapes are
//! 400s, the booking form is prefilled by a link; `.ics` downloads and the private feed answer
//! `text/calendar`, a revoked or unknown feed token is 404, token endpoints are rate-limited.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::domain::{names::VisitorName, plate::Plate, role::Role};
use app::ssr::{actor::Actor, audit::RequestMeta};
use axum::body::Body;
use common::*;
use http::{header, Request, StatusCode};
use sqlx::PgPool;
use uuid::Uuid;

async fn page(c: &mut Client, app: &TestApp, path: &str) -> Reply {
    c.send(app, Request::get(path).header(header::ACCEPT, "text/html").body(Body::empty()).unwrap())
        .await
}

async fn get(c: &mut Client, app: &TestApp, path: &str) -> Reply {
    c.send(app, Request::get(path).body(Body::empty()).unwrap()).await
}

async fn resident(app: &TestApp, b: (Uuid, Uuid), email: &str) -> (Uuid, Client) {
    let id = user(app, email, "resident", "active", Some(b)).await;
    let mut c = Client { ip: Some("198.51.100.20".parse().unwrap()), ..Client::default() };
    assert_eq!(c.log_in(app, email, PASSWORD).await.status, StatusCode::OK);
    (id, c)
}

async fn visitor_ids(app: &TestApp, resident: Uuid) -> Vec<Uuid> {
    sqlx::query_scalar("select id from frequent_visitors where resident_id = $1 order by created_at")
        .bind(resident)
        .fetch_all(&app.state.pool)
        .await
        .unwrap()
}

/// A future block of building `b` and, optionally, a confirmed booking of it by `resident`.
async fn block_and_booking(app: &TestApp, b: (Uuid, Uuid), resident: Uuid, book: bool) -> (Uuid, Option<(Uuid, String)>) {
    let pool = &app.state.pool;
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, $2) returning id")
        .bind(b.0)
        .bind(format!("V{}", &Uuid::new_v4().simple().to_string()[..6]))
        .fetch_one(pool)
        .await
        .unwrap();
    let block: Uuid = sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp)
         values ($1, $2, now() + interval '2 days', now() + interval '2 days 11 hours', 5000) returning id",
    )
    .bind(spot)
    .bind(b.0)
    .fetch_one(pool)
    .await
    .unwrap();
    if !book {
        return (block, None);
    }
    let actor = Actor { id: resident, role: Role::Resident, building_id: Some(b.0), full_name: "Camila".into() };
    let created = app::booking::ssr::create(
        pool,
        &app.state.vault,
        &app.state.blind_index,
        &actor,
        app::booking::ssr::NewBooking {
            block_id: block,
            visitor_name: VisitorName::parse("Pedro Pérez").unwrap(),
            plate: Plate::parse("KHJT52").unwrap(),
            visitor_phone: None,
        },
        &RequestMeta::default(),
    )
    .await
    .unwrap();
    sqlx::query("update bookings set status = 'confirmed', confirmed_at = now() where id = $1")
        .bind(created.booking_id)
        .execute(pool)
        .await
        .unwrap();
    let token: String = sqlx::query_scalar("select guest_pass_token from bookings where id = $1")
        .bind(created.booking_id)
        .fetch_one(pool)
        .await
        .unwrap();
    (block, Some((created.booking_id, token)))
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_residents_visitors_are_theirs_alone_and_prefill_the_booking_form(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Torre Uno").await;
    let (ana, mut ca) = resident(&app, b, "ana@x.cl").await;
    let (_beto, mut cb) = resident(&app, b, "beto@x.cl").await;

    let r = ca
        .call(&app, "visitors/save", &[("id", ""), ("name", "Pedro Pérez"), ("plate", "kh-jt 52"), ("phone", "9 8765 4321")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = visitor_ids(&app, ana).await[0];
    let list = ca.call(&app, "visitors/list", &[]).await;
    assert!(list.body.contains("Pedro Pérez") && list.body.contains("KHJT-52"), "{}", list.body);
    assert!(!list.body.contains("98765432"), "the list shows the phone masked: {}", list.body);
    let html = page(&mut ca, &app, "/mis-visitas").await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.body.contains("Pedro Pérez") && html.body.contains("1 de 50 visitas guardadas."), "{}", html.body);
    assert!(html.body.contains("href=\"/mis-visitas\""), "the resident navigation links the page");

    // Beto: Ana's visitor does not exist for him, whatever he tries.
    let id_s = id.to_string();
    for (endpoint, form) in [
        ("visitors/draft", vec![("visita", format!("v-{id}"))]),
        ("visitors/delete", vec![("id", id_s.clone())]),
        (
            "visitors/save",
            vec![("id", id_s.clone()), ("name", "Intruso Malo".into()), ("plate", "BBBB12".into()), ("phone", "".into())],
        ),
    ] {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = cb.call(&app, endpoint, &form).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{endpoint}: {}", r.body);
        assert!(r.body.contains("NotFound") && !r.body.contains("Pedro"), "{endpoint}: {}", r.body);
    }
    let edit = page(&mut cb, &app, &format!("/mis-visitas?editar={id}")).await;
    assert!(edit.body.contains("No encontrado.") && !edit.body.contains("Pedro"), "{}", edit.body);
    let (name,): (String,) = sqlx::query_as("select name from frequent_visitors where id = $1")
        .bind(id)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(name, "Pedro Pérez");

    // The booking form: the recent visitor is a link that prefills it; Beto's link to Ana's
    // visitor prefills nothing.
    let (block, _) = block_and_booking(&app, b, ana, false).await;
    let form = page(&mut ca, &app, &format!("/reservar/{block}")).await;
    assert!(form.body.contains(&format!("/reservar/{block}?visita=v-{id}")), "{}", form.body);
    let prefilled = page(&mut ca, &app, &format!("/reservar/{block}?visita=v-{id}")).await;
    assert!(
        prefilled.body.contains("value=\"Pedro Pérez\"") && prefilled.body.contains("value=\"KHJT-52\""),
        "{}",
        prefilled.body
    );
    assert!(prefilled.body.contains("value=\"+56987654321\""));
    let foreign = page(&mut cb, &app, &format!("/reservar/{block}?visita=v-{id}")).await;
    assert_eq!(foreign.status, StatusCode::OK);
    assert!(foreign.body.contains("Esa visita no está entre las tuyas.") && !foreign.body.contains("Pedro"), "{}", foreign.body);

    // Without JavaScript: a plain form post saves and lands on the list.
    let req = Request::post("/api/visitors/save")
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, format!("{ORIGIN}/mis-visitas?editar={id}"))
        .body(Body::from(format!("id={id}&name=Pedro+P%C3%A9rez+Soto&plate=KHJT52&phone=")))
        .unwrap();
    let r = ca.send(&app, req).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.header("location"), Some("/mis-visitas"));
    let audited: i64 = sqlx::query_scalar("select count(*) from audit_log where entity_type = 'frequent_visitor'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(audited, 2);
    let r = ca.call(&app, "visitors/delete", &[("id", &id_s)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(visitor_ids(&app, ana).await.is_empty());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn wrong_shapes_are_spanish_client_errors_and_write_nothing(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Torre Uno").await;
    let (ana, mut ca) = resident(&app, b, "ana@x.cl").await;
    let huge = "x".repeat(5000);
    for (form, status, field) in [
        (vec![("id", ""), ("name", "A"), ("plate", "KHJT52"), ("phone", "")], StatusCode::BAD_REQUEST, Some("name")),
        (vec![("id", ""), ("name", "Pedro Pérez"), ("plate", "123"), ("phone", "")], StatusCode::BAD_REQUEST, Some("plate")),
        (vec![("id", ""), ("name", "Pedro Pérez"), ("plate", "KHJT52"), ("phone", "22")], StatusCode::BAD_REQUEST, Some("phone")),
        (vec![("id", ""), ("name", huge.as_str()), ("plate", "KHJT52"), ("phone", "")], StatusCode::BAD_REQUEST, Some("name")),
        (vec![("id", "no-es-un-id"), ("name", "Pedro Pérez"), ("plate", "KHJT52"), ("phone", "")], StatusCode::NOT_FOUND, None),
        (vec![("name", "Pedro Pérez")], StatusCode::BAD_REQUEST, None),
    ] {
        let r = ca.call(&app, "visitors/save", &form).await;
        assert_eq!(r.status, status, "{form:?}: {}", r.body);
        if let Some(field) = field {
            assert!(r.body.contains(&format!("\"field\":\"{field}\"")), "{}", r.body);
        }
    }
    for visita in ["", "v-", "x-123", "v-not-a-uuid", huge.as_str()] {
        let r = ca.call(&app, "visitors/draft", &[("visita", visita)]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{visita}");
    }
    assert!(visitor_ids(&app, ana).await.is_empty());
    // Staff have no visitors: forbidden, not a server error.
    user(&app, "admin@x.cl", "building_admin", "active", Some(b)).await;
    let mut staff = Client::default();
    staff.log_in(&app, "admin@x.cl", PASSWORD).await;
    let r = staff.call(&app, "visitors/list", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Anonymous: must log in.
    let r = Client::default().call(&app, "visitors/list", &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn booking_files_and_the_private_feed_answer_calendars_and_refuse_everything_else(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Torre Uno").await;
    let (ana, mut ca) = resident(&app, b, "ana@x.cl").await;
    let (_beto, mut cb) = resident(&app, b, "beto@x.cl").await;
    let (_, booked) = block_and_booking(&app, b, ana, true).await;
    let (booking, pass) = booked.unwrap();

    let own = get(&mut ca, &app, &format!("/mis-reservas/{booking}/calendario.ics")).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert_eq!(own.header("content-type"), Some("text/calendar; charset=utf-8"));
    assert!(own.header("content-disposition").unwrap().starts_with("attachment; filename=\"reserva-"));
    assert!(own.body.starts_with("BEGIN:VCALENDAR\r\n") && own.body.contains("LOCATION:Av. Providencia 1234\r\n"));
    let theirs = get(&mut cb, &app, &format!("/mis-reservas/{booking}/calendario.ics")).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert!(!theirs.body.contains("VCALENDAR"));
    assert_eq!(get(&mut ca, &app, "/mis-reservas/not-a-uuid/calendario.ics").await.status, StatusCode::NOT_FOUND);
    let anonymous = get(&mut Client::default(), &app, &format!("/mis-reservas/{booking}/calendario.ics")).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.header("location").unwrap().starts_with("/ingresar"));

    let mut visitor = Client { ip: Some("198.51.100.30".parse().unwrap()), ..Client::default() };
    let from_pass = get(&mut visitor, &app, &format!("/pase/{pass}/calendario.ics")).await;
    assert_eq!(from_pass.status, StatusCode::OK);
    assert!(from_pass.body.contains("END:VEVENT\r\n"));
    let bad = get(&mut visitor, &app, "/pase/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/calendario.ics").await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
    assert!(bad.body.contains("No encontramos ese calendario"), "{}", bad.body);

    // The feed: made on /cuenta, fetched without a session, dead once renewed or revoked.
    let account = page(&mut ca, &app, "/cuenta").await;
    assert!(account.body.contains("Generar enlace"), "{}", account.body);
    assert_eq!(ca.call(&app, "calendar/new_feed", &[]).await.status, StatusCode::OK);
    let view: serde_json::Value = serde_json::from_str(&ca.call(&app, "calendar/feed", &[]).await.body).unwrap();
    let url = view["url"].as_str().unwrap().to_string();
    let path = url.trim_start_matches(ORIGIN).to_string();
    assert!(path.starts_with("/calendario/") && path.ends_with(".ics"), "{url}");
    let account = page(&mut ca, &app, "/cuenta").await;
    assert!(account.body.contains(&url) && account.body.contains("Generar nuevo enlace") && account.body.contains("Revocar"));
    let feed = get(&mut visitor, &app, &path).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(feed.header("content-type"), Some("text/calendar; charset=utf-8"));
    assert!(feed.body.contains("X-WR-CALNAME:Estacionate: mis reservas\r\n") && feed.body.contains("BEGIN:VEVENT"));
    assert!(feed.header("set-cookie").is_none(), "no session needed or made");
    // Staff get no feed section and cannot make one.
    user(&app, "admin@x.cl", "building_admin", "active", Some(b)).await;
    let mut staff = Client::default();
    staff.log_in(&app, "admin@x.cl", PASSWORD).await;
    assert_eq!(staff.call(&app, "calendar/new_feed", &[]).await.status, StatusCode::FORBIDDEN);
    assert!(!page(&mut staff, &app, "/cuenta").await.body.contains("calendar-feed"));

    assert_eq!(ca.call(&app, "calendar/new_feed", &[]).await.status, StatusCode::OK);
    assert_eq!(get(&mut visitor, &app, &path).await.status, StatusCode::NOT_FOUND, "the old link died");
    let view: serde_json::Value = serde_json::from_str(&ca.call(&app, "calendar/feed", &[]).await.body).unwrap();
    let path = view["url"].as_str().unwrap().trim_start_matches(ORIGIN).to_string();
    assert_eq!(get(&mut visitor, &app, &path).await.status, StatusCode::OK);
    assert_eq!(ca.call(&app, "calendar/revoke_feed", &[]).await.status, StatusCode::OK);
    let revoked = get(&mut visitor, &app, &path).await;
    assert_eq!(revoked.status, StatusCode::NOT_FOUND);
    assert!(revoked.body.contains("revocado"));
    for bad in ["/calendario/x.ics", "/calendario/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/calendario/%27%3B--.ics"] {
        assert_eq!(get(&mut visitor, &app, bad).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn token_endpoints_are_rate_limited_per_client_address(pool: PgPool) {
    let app = app(pool).await;
    let mut prober = Client { ip: Some("203.0.113.77".parse().unwrap()), ..Client::default() };
    let limit = app::ssr::rate_limit::CALENDAR_PER_IP.max;
    for i in 0..limit {
        let r = get(&mut prober, &app, &format!("/calendario/{i:0>43}.ics")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    let r = get(&mut prober, &app, "/pase/BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB/calendario.ics").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("Demasiados intentos"));
    // Another address is not affected.
    let mut other = Client { ip: Some("203.0.113.78".parse().unwrap()), ..Client::default() };
    assert_eq!(get(&mut other, &app, &format!("/calendario/{:0>43}.ics", 1)).await.status, StatusCode::NOT_FOUND);
}
