//! Issue #16 through the real router: admins place spots on the building plan (scope, roles,
//! bounds, garbage, overlaps, audit) and `/buscar` draws every spot without overlaps; the guest
//! pass's QR link verifies at the gate exactly like a typed code for a concierge, records nothing
//! and shows nothing for anyone else, and only the gate screen may use the camera.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod log_capture;

use axum::body::Body;
use common::*;
use http::{header, Request, StatusCode};
use log_capture::Captured;
use sqlx::PgPool;
use uuid::Uuid;

async fn spot(pool: &PgPool, building: Uuid, number: &str, at: Option<(i16, i16)>) -> Uuid {
    sqlx::query_scalar("insert into visitor_spots (building_id, number, map_x, map_y) values ($1, $2, $3, $4) returning id")
        .bind(building)
        .bind(number)
        .bind(at.map(|p| p.0))
        .bind(at.map(|p| p.1))
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn position(pool: &PgPool, id: Uuid) -> (Option<i16>, Option<i16>) {
    sqlx::query_as("select map_x, map_y from visitor_spots where id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn page(c: &mut Client, app: &TestApp, path: &str, site: Option<&str>) -> Reply {
    let mut req = Request::get(path).header(header::ACCEPT, "text/html");
    if let Some(site) = site {
        req = req.header("sec-fetch-site", site);
    }
    c.send(app, req.body(Body::empty()).unwrap()).await
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn admins_place_their_own_spots_within_the_plan_and_bad_input_changes_nothing(pool: PgPool) {
    let app = app(pool).await;
    let pool = &app.state.pool;
    let a = building(pool, "Torre A").await;
    let b = building(pool, "Torre B").await;
    user(&app, "admin.a@x.cl", "building_admin", "active", Some(a)).await;
    user(&app, "con.a@x.cl", "concierge", "active", Some(a)).await;
    user(&app, "soporte@x.cl", "support", "active", None).await;
    let v1 = spot(pool, a.0, "V-01", None).await;
    let v2 = spot(pool, a.0, "V-02", Some((300, 300))).await;
    let other = spot(pool, b.0, "V-01", None).await;
    let mut admin = Client::default();
    admin.log_in(&app, "admin.a@x.cl", PASSWORD).await;

    let r = admin
        .call(&app, "admin/spot_place", &[("spot_id", &v1.to_string()), ("map_x", "120"), ("map_y", " 90 ")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.header("location").unwrap().contains(&format!("edificio={}&ubicado=1", a.0)));
    assert_eq!(position(pool, v1).await, (Some(120), Some(90)));

    // Another building's spot: not found, untouched.
    let r = admin
        .call(&app, "admin/spot_place", &[("spot_id", &other.to_string()), ("map_x", "120"), ("map_y", "90")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(position(pool, other).await, (None, None));

    // Out of range, garbage, half positions and huge values: Spanish field errors, never a 500.
    for (x, y, field) in [
        ("39", "90", "map_x"),
        ("961", "90", "map_x"),
        ("500", "571", "map_y"),
        ("-1", "-1", "map_x"),
        ("1e3", "90", "map_x"),
        ("99999999999999999999999", "90", "map_x"),
        ("<script>", "90", "map_x"),
        ("500", "", "map_y"),
        (&"9".repeat(5000), "90", "map_x"),
    ] {
        let r = admin
            .call(&app, "admin/spot_place", &[("spot_id", &v1.to_string()), ("map_x", x), ("map_y", y)])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{x:?} {y:?}: {}", r.body);
        assert!(r.body.contains(field) && r.body.contains("La posición"), "{}", r.body);
    }
    let r = admin
        .call(&app, "admin/spot_place", &[("spot_id", "not-a-uuid"), ("map_x", "100"), ("map_y", "100")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Overlapping V-02's box: a field error naming the rule.
    let r = admin
        .call(&app, "admin/spot_place", &[("spot_id", &v1.to_string()), ("map_x", "350"), ("map_y", "320")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("choca con otro estacionamiento"), "{}", r.body);
    assert_eq!(position(pool, v1).await, (Some(120), Some(90)));
    assert_eq!(position(pool, v2).await, (Some(300), Some(300)));

    // A concierge and support may not place spots.
    for email in ["con.a@x.cl", "soporte@x.cl"] {
        let mut c = Client::default();
        c.log_in(&app, email, PASSWORD).await;
        let r = c
            .call(&app, "admin/spot_place", &[("spot_id", &v1.to_string()), ("map_x", "700"), ("map_y", "400")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email}: {}", r.body);
    }
    // Both fields empty takes the spot off the plan.
    let r = admin
        .call(&app, "admin/spot_place", &[("spot_id", &v1.to_string()), ("map_x", ""), ("map_y", "")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(position(pool, v1).await, (None, None));
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where entity_id = $1 order by id")
        .bind(v1.to_string())
        .fetch_all(pool)
        .await
        .unwrap();
    assert_eq!(actions, ["spot.placed", "spot.unplaced"]);

    // The admin screen draws the plan with the placement form (no inline style anywhere).
    let r = page(&mut admin, &app, &format!("/admin/estacionamientos?edificio={}&ubicar={v2}", a.0), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("data-testid=\"spot-plan\"") && r.body.contains("Guardar posición"), "{}", r.body);
    assert!(r.body.contains("value=\"300\""), "the chosen spot's position is prefilled");
    assert!(!r.body.contains("style="), "no inline style");
}

/// Box centres of `/buscar`'s map: every `<rect x y width height>` after a map spot.
fn map_boxes(html: &str) -> Vec<(i32, i32)> {
    html.split("data-testid=\"map-spot\"")
        .skip(1)
        .map(|chunk| {
            let attr = |name: &str| -> i32 {
                let start = chunk.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
                chunk[start..start + chunk[start..].find('"').unwrap()].parse().unwrap()
            };
            (attr("x"), attr("y"))
        })
        .collect()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_search_map_never_overlaps_a_dozen_unplaced_spots(pool: PgPool) {
    let app = app(pool).await;
    let pool = &app.state.pool;
    let a = building(pool, "Torre A").await;
    user(&app, "res@x.cl", "resident", "active", Some(a)).await;
    spot(pool, a.0, "P-1", Some((150, 150))).await;
    spot(pool, a.0, "P-2", Some((60, 40))).await;
    for n in 1..=12 {
        spot(pool, a.0, &format!("V-{n:02}"), None).await;
    }
    let mut res = Client::default();
    res.log_in(&app, "res@x.cl", PASSWORD).await;
    let r = page(&mut res, &app, "/buscar", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("viewBox=\"0 0 1000 600\""), "the whole plan is drawn");
    let boxes = map_boxes(&r.body);
    assert_eq!(boxes.len(), 14);
    assert!(boxes.contains(&(150 - 40, 150 - 30)) && boxes.contains(&(60 - 40, 40 - 30)), "placed spots stay put: {boxes:?}");
    for (i, p) in boxes.iter().enumerate() {
        assert!(p.0 >= 0 && p.0 + 80 <= 1000 && p.1 >= 0 && p.1 + 60 <= 600, "{p:?} is off the plan");
        for q in &boxes[..i] {
            assert!((p.0 - q.0).abs() >= 80 || (p.1 - q.1).abs() >= 60, "{p:?} overlaps {q:?}");
        }
    }
}

/// A confirmed booking of building `b` for plate BBBB12 that started a minute ago.
async fn booking(app: &TestApp, b: (Uuid, Uuid), resident: Uuid) -> String {
    let pool = &app.state.pool;
    let spot = spot(pool, b.0, "V-09", None).await;
    let code = "ABCD2345";
    sqlx::query(
        "with blk as (
           insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp, status)
           values ($1, $2, now() - interval '1 minute', now() + interval '10 hours', 5000, 'reserved') returning id, spot_id, building_id, during)
         insert into bookings (block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate, base_price_clp, amount_clp,
                               commission_rate_bp, platform_commission_clp, building_share_clp, status, payment_status,
                               confirmation_code, guest_pass_token, confirmed_at)
         select id, spot_id, building_id, $3, during, 'Pedro Pérez', 'BBBB12', 5000, 5000, 1000, 500, 4500, 'confirmed', 'paid',
                $4, md5('a') || md5('b'), now() from blk",
    )
    .bind(spot)
    .bind(b.0)
    .bind(resident)
    .bind(code)
    .execute(pool)
    .await
    .unwrap();
    code.to_string()
}

async fn verifications(pool: &PgPool) -> Vec<(String, Option<String>, Uuid)> {
    sqlx::query_as("select kind, query_text, building_id from access_events order by occurred_at, created_at")
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_pass_link_verifies_like_a_typed_code_for_the_concierge_only(pool: PgPool) {
    let logs = Captured::default();
    let _guard = logs.start();
    let app = app(pool).await;
    let pool = &app.state.pool;
    let a = building(pool, "Torre A").await;
    let b = building(pool, "Torre B").await;
    let resident = user(&app, "res@x.cl", "resident", "active", Some(a)).await;
    user(&app, "con.a@x.cl", "concierge", "active", Some(a)).await;
    user(&app, "con.b@x.cl", "concierge", "active", Some(b)).await;
    let code = booking(&app, a, resident).await;
    let link = format!("/conserjeria?pase={code}");

    // Anyone who may not use the gate: no verification recorded, nothing of the booking shown.
    let mut anonymous = Client::default();
    let mut res = Client::default();
    res.log_in(&app, "res@x.cl", PASSWORD).await;
    for c in [&mut anonymous, &mut res] {
        let r = page(c, &app, &link, Some("none")).await;
        assert!(!r.body.contains("BBBB") && !r.body.contains("Pedro") && !r.body.contains("V-09"), "{}", r.body);
        assert!(r.header("location").is_none_or(|l| !l.contains("v=")), "no verdict for a non-concierge");
    }
    assert!(verifications(pool).await.is_empty());

    // The concierge of the booking's building: verified, recorded with the code, and redirected
    // to the same verdict screen as typing it.
    let mut gate = Client::default();
    gate.log_in(&app, "con.a@x.cl", PASSWORD).await;
    let r = page(&mut gate, &app, &link, Some("none")).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let verdict = r.header("location").unwrap().to_string();
    assert!(verdict.starts_with("/conserjeria?v="), "{verdict}");
    let r = page(&mut gate, &app, &verdict, Some("same-origin")).await;
    assert!(r.body.contains("AUTORIZADO") && r.body.contains("BBBB-12"), "{}", r.body);
    assert_eq!(verifications(pool).await, [("verify_allowed".to_string(), Some(code.clone()), a.0)]);
    // A full gate link pasted in the form is the same verification.
    let r = gate.call(&app, "gate/verify", &[("q", &format!("https://estacionate.cl{link}"))]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(verifications(pool).await.len(), 2);

    // Followed from another site: nothing is verified, the screen offers it.
    let r = page(&mut gate, &app, &link, Some("cross-site")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Verificar pase") && !r.body.contains("data-testid=\"verdict\""), "{}", r.body);
    assert_eq!(verifications(pool).await.len(), 2);

    // Another building's concierge: denied, recorded at their own building, nothing leaked.
    let mut gate_b = Client::default();
    gate_b.log_in(&app, "con.b@x.cl", PASSWORD).await;
    let r = page(&mut gate_b, &app, &link, Some("none")).await;
    let verdict = r.header("location").unwrap().to_string();
    let r = page(&mut gate_b, &app, &verdict, Some("same-origin")).await;
    assert!(r.body.contains("DENEGADO") && !r.body.contains("BBBB") && !r.body.contains("Torre A"), "{}", r.body);
    assert_eq!(verifications(pool).await.last().map(|v| (v.0.as_str(), v.2)), Some(("verify_denied", b.0)));

    // Garbage in the link: a Spanish message, no 500, nothing recorded.
    let before = verifications(pool).await.len();
    let r = page(&mut gate, &app, "/conserjeria?pase=%3Cscript%3E", Some("none")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Ingresa una patente"), "{}", r.body);
    assert!(!r.body.contains("<script>"));
    assert_eq!(verifications(pool).await.len(), before);

    // The link shares the typed verification's rate limit.
    let mut limited = false;
    for _ in 0..130 {
        let r = page(&mut gate, &app, &link, Some("none")).await;
        if r.status == StatusCode::OK && r.body.contains("Demasiados intentos") {
            limited = true;
            break;
        }
        assert_eq!(r.status, StatusCode::FOUND);
    }
    assert!(limited, "the link is rate limited like typing");
    let r = gate.call(&app, "gate/verify", &[("q", &code)]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    // The code is a bearer credential: request logs name the route, never the link's query.
    let text = logs.text();
    assert!(text.contains("http.route=/conserjeria"), "{text}");
    assert!(!text.contains(&code), "the pass code is in the logs");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn only_the_gate_screen_may_use_the_camera(pool: PgPool) {
    let app = app(pool).await;
    let mut c = Client::default();
    for (path, camera) in [
        ("/conserjeria", "camera=(self)"),
        ("/conserjeria?pase=ABCD2345", "camera=(self)"),
        ("/buscar", "camera=()"),
        ("/pase/x", "camera=()"),
        ("/conserjeria/x", "camera=()"),
    ] {
        let r = page(&mut c, &app, path, None).await;
        let policy = r.header("permissions-policy").unwrap();
        assert!(policy.contains(camera), "{path}: {policy}");
        assert!(policy.contains("microphone=()") && policy.contains("geolocation=()"), "{path}: {policy}");
    }
}
