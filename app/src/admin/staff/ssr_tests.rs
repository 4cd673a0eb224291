//! Database tests of the staff screen: creation (encrypted phone, argon2id hash, audit row),
//! duplicate e-mail, session epochs, the last admin, and what a building admin may do.

use super::*;
use crate::ssr::password::verify_password;
use crate::ssr::test_support::{app_error, building, keys, staff};

const PASSWORD: &str = "Porton.Norte.2026";

fn new_staff(email: &str, role: Role, building: Option<Uuid>, phone: Option<&str>) -> NewStaff {
    NewStaff {
        full_name: PersonName::parse("Jorge Muñoz").unwrap(),
        email: Email::parse(email).unwrap(),
        phone: phone.map(|p| MobilePhone::parse(p).unwrap()),
        role,
        building,
        password: NewPassword::parse(PASSWORD).unwrap(),
    }
}

async fn account(pool: &PgPool, id: Uuid) -> (String, Option<Uuid>, String, i32) {
    sqlx::query_as("select role, building_id, status, session_epoch from users where id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn an_admin_creates_a_concierge_with_encrypted_phone_and_hashed_password(pool: PgPool) {
    let (vault, indexer) = keys();
    let a = building(&pool, "Torre A").await;
    let admin = staff(&pool, Role::Admin, None).await;
    let meta = RequestMeta::default();
    let id =
        create(&pool, &vault, &indexer, &admin, new_staff("conserje@x.cl", Role::Concierge, Some(a), Some("9 8765 4321")), &meta)
            .await
            .unwrap();
    let (role, b, status, hash, enc, bidx): (String, Option<Uuid>, String, String, Vec<u8>, Vec<u8>) =
        sqlx::query_as("select role, building_id, status, password_hash, phone_enc, phone_bidx from users where id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((role.as_str(), b, status.as_str()), ("concierge", Some(a), "active"));
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(verify_password(PASSWORD, &hash).unwrap());
    assert_eq!(vault.decrypt(&enc, &pii::user_phone(&id.to_string())).unwrap(), "+56987654321");
    assert!(!String::from_utf8_lossy(&enc).contains("87654321"), "the phone is stored encrypted");
    assert_eq!(bidx, indexer.index(BlindField::Phone, "+56987654321").to_vec());

    let (action, building_id, metadata): (String, Option<Uuid>, serde_json::Value) =
        sqlx::query_as("select action, building_id, metadata from audit_log where entity_id = $1")
            .bind(id.to_string())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((action.as_str(), building_id), ("staff.created", Some(a)));
    assert_eq!(metadata["role"], "concierge");
    assert!(!metadata.to_string().contains("conserje@x.cl"), "no PII in the audit metadata");

    // Platform roles get no building whatever the form says; scoped roles need one.
    let sup = create(&pool, &vault, &indexer, &admin, new_staff("soporte@x.cl", Role::Support, Some(a), None), &meta)
        .await
        .unwrap();
    assert_eq!(account(&pool, sup).await.1, None);
    let e =
        app_error(create(&pool, &vault, &indexer, &admin, new_staff("sin@x.cl", Role::BuildingAdmin, None, None), &meta).await);
    assert!(e.field_message("building_id").is_some(), "{e:?}");

    // The same e-mail in any spelling of its case is a field error, and nothing was written.
    let e = app_error(
        create(&pool, &vault, &indexer, &admin, new_staff("Conserje@X.cl", Role::Concierge, Some(a), None), &meta).await,
    );
    assert_eq!(e.field_message("email").as_deref(), Some("Ya existe una cuenta con este correo."));
    let n: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'staff.created'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 2);

    let listing = list(&pool, &admin, &Filter { role: Some(Role::Concierge), ..Filter::default() }, 1).await.unwrap();
    assert_eq!(listing.rows.len(), 1);
    assert_eq!(listing.rows[0].email, "conserje@x.cl");
    let listing = list(&pool, &admin, &Filter { search: Some("SOPORTE".into()), ..Filter::default() }, 1)
        .await
        .unwrap();
    assert_eq!(listing.total, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn role_building_and_ban_changes_end_sessions(pool: PgPool) {
    let a = building(&pool, "Torre A").await;
    let b = building(&pool, "Torre B").await;
    let admin = staff(&pool, Role::Admin, None).await;
    let con = staff(&pool, Role::Concierge, Some(a)).await;
    let meta = RequestMeta::default();

    change_access(&pool, &admin, con.id, Some(Role::BuildingAdmin), Some(a), &meta).await.unwrap();
    assert_eq!(account(&pool, con.id).await, ("building_admin".into(), Some(a), "active".into(), 1));
    change_access(&pool, &admin, con.id, None, Some(b), &meta).await.unwrap();
    assert_eq!(account(&pool, con.id).await, ("building_admin".into(), Some(b), "active".into(), 2));
    change_access(&pool, &admin, con.id, Some(Role::Support), Some(b), &meta).await.unwrap();
    assert_eq!(account(&pool, con.id).await, ("support".into(), None, "active".into(), 3));
    // A platform role has no building to assign; nothing changed is a conflict too.
    assert!(matches!(app_error(change_access(&pool, &admin, con.id, None, Some(a), &meta).await), AppError::Conflict(_)));
    assert!(matches!(
        app_error(change_access(&pool, &admin, con.id, Some(Role::Support), None, &meta).await),
        AppError::Conflict(_)
    ));

    change_status(&pool, &admin, con.id, Change::Ban("Préstamo de credenciales".into()), &meta)
        .await
        .unwrap();
    assert_eq!(account(&pool, con.id).await, ("support".into(), None, "banned".into(), 4));
    change_status(&pool, &admin, con.id, Change::Restore, &meta).await.unwrap();
    assert_eq!(account(&pool, con.id).await.2, "active");

    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where entity_id = $1 order by id")
        .bind(con.id.to_string())
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        actions,
        ["staff.role_changed", "staff.building_assigned", "staff.role_changed", "staff.banned", "staff.unbanned"]
    );

    // Nobody bans themselves or changes their own role; support changes nothing.
    assert!(matches!(
        app_error(change_status(&pool, &admin, admin.id, Change::Ban("x".into()), &meta).await),
        AppError::Conflict(_)
    ));
    assert!(matches!(
        app_error(change_access(&pool, &admin, admin.id, Some(Role::Support), None, &meta).await),
        AppError::Conflict(_)
    ));
    let support = staff(&pool, Role::Support, None).await;
    assert_eq!(app_error(change_status(&pool, &support, con.id, Change::Ban("x".into()), &meta).await), AppError::Forbidden);
    assert_eq!(app_error(change_access(&pool, &support, con.id, Some(Role::Admin), None, &meta).await), AppError::Forbidden);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_last_active_admin_stays(pool: PgPool) {
    let one = staff(&pool, Role::Admin, None).await;
    let two = staff(&pool, Role::Admin, None).await;
    let meta = RequestMeta::default();
    // Two admins demoting each other at the same moment: the row locks serialise them, and the
    // second finds its target is the last admin.
    let (x, y) = tokio::join!(
        change_access(&pool, &one, two.id, Some(Role::Support), None, &meta),
        change_access(&pool, &two, one.id, Some(Role::Support), None, &meta),
    );
    assert!(x.is_ok() != y.is_ok(), "exactly one demotion wins: {x:?} {y:?}");
    let admins: i64 = sqlx::query_scalar("select count(*) from users where role = 'admin' and status = 'active'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(admins, 1);
    let last = if x.is_ok() { one } else { two };
    // Only the database's view counts: an admin session whose own account was banned meanwhile
    // cannot ban or demote the one admin left.
    let stale = staff(&pool, Role::Admin, None).await;
    sqlx::query("update users set status = 'banned' where id = $1")
        .bind(stale.id)
        .execute(&pool)
        .await
        .unwrap();
    let e = app_error(change_status(&pool, &stale, last.id, Change::Ban("x".into()), &meta).await);
    assert!(matches!(&e, AppError::Conflict(m) if m.contains("última")), "{e:?}");
    let e = app_error(change_access(&pool, &stale, last.id, Some(Role::Support), None, &meta).await);
    assert!(matches!(&e, AppError::Conflict(m) if m.contains("última")), "{e:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_building_admin_manages_only_concierges_of_their_building(pool: PgPool) {
    let (vault, indexer) = keys();
    let a = building(&pool, "Torre A").await;
    let b = building(&pool, "Torre B").await;
    let admin_a = staff(&pool, Role::BuildingAdmin, Some(a)).await;
    let other_admin_a = staff(&pool, Role::BuildingAdmin, Some(a)).await;
    let con_b = staff(&pool, Role::Concierge, Some(b)).await;
    let platform = staff(&pool, Role::Admin, None).await;
    let support = staff(&pool, Role::Support, None).await;
    let meta = RequestMeta::default();

    let con_a = create(&pool, &vault, &indexer, &admin_a, new_staff("con.a@x.cl", Role::Concierge, Some(a), None), &meta)
        .await
        .unwrap();
    assert_eq!(account(&pool, con_a).await.1, Some(a));
    assert_eq!(
        app_error(create(&pool, &vault, &indexer, &admin_a, new_staff("c2@x.cl", Role::Concierge, Some(b), None), &meta).await),
        AppError::NotFound
    );
    for role in [Role::BuildingAdmin, Role::Support, Role::Admin, Role::SalesRep] {
        let e = app_error(create(&pool, &vault, &indexer, &admin_a, new_staff("c3@x.cl", role, Some(a), None), &meta).await);
        assert_eq!(e, AppError::Forbidden, "{role:?}");
    }
    assert_eq!(
        app_error(create(&pool, &vault, &indexer, &support, new_staff("c4@x.cl", Role::Concierge, Some(a), None), &meta).await),
        AppError::Forbidden
    );

    change_status(&pool, &admin_a, con_a, Change::Ban("Turnos no cumplidos".into()), &meta)
        .await
        .unwrap();
    assert_eq!(account(&pool, con_a).await.2, "banned");
    change_status(&pool, &admin_a, con_a, Change::Restore, &meta).await.unwrap();
    assert_eq!(app_error(change_status(&pool, &admin_a, con_b.id, Change::Ban("x".into()), &meta).await), AppError::NotFound);
    assert_eq!(app_error(change_status(&pool, &admin_a, platform.id, Change::Ban("x".into()), &meta).await), AppError::NotFound);
    assert_eq!(
        app_error(change_status(&pool, &admin_a, other_admin_a.id, Change::Ban("x".into()), &meta).await),
        AppError::Forbidden
    );
    assert_eq!(
        app_error(change_access(&pool, &admin_a, con_a, Some(Role::BuildingAdmin), Some(a), &meta).await),
        AppError::Forbidden
    );

    // Their list holds their building's staff only, and they may ban only the concierge.
    let listing = list(
        &pool,
        &admin_a,
        &parse_filter(&admin_a, &StaffQuery { edificio: b.to_string(), ..StaffQuery::default() }).unwrap(),
        1,
    )
    .await
    .unwrap();
    assert_eq!(listing.rows.len(), 3);
    assert!(listing.rows.iter().all(|r| r.building_id == a.to_string()));
    assert!(listing.rows.iter().all(|r| r.can_ban == (r.role == "concierge")));
    assert!(listing.rows.iter().all(|r| !r.can_change_role));
    assert_eq!(listing.creatable_roles.len(), 1);
    let listing = list(&pool, &support, &Filter::default(), 1).await.unwrap();
    assert_eq!(listing.total, 6);
    assert!(listing.creatable_roles.is_empty() && listing.rows.iter().all(|r| !r.can_ban && !r.can_change_role));
}
