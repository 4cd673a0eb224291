//! Database tests of the blocklist screen: add, duplicates, search by any spelling, removal,
//! building scope, and that an added plate refuses a booking.

use super::*;
use crate::domain::role::Role;
use crate::ssr::{
    blocklist,
    test_support::{app_error, building, keys, staff},
};

fn plate(raw: &str) -> PiiValue {
    parse_value(BlindField::Plate, raw).unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn entries_are_added_found_by_any_spelling_and_removed(pool: PgPool) {
    let (vault, indexer) = keys();
    let a = building(&pool, "Torre A").await;
    let admin_a = staff(&pool, Role::BuildingAdmin, Some(a)).await;
    let meta = RequestMeta::default();
    let entry = NewEntry { building_id: Some(a), value: plate("khjt 52"), reason: "Daños".into() };
    let id = add(&pool, &vault, &indexer, &admin_a, entry, &meta).await.unwrap();

    // Stored as blind index + ciphertext; the display column holds no more than the plate.
    let (bidx, enc): (Vec<u8>, Vec<u8>) = sqlx::query_as("select value_bidx, value_enc from blocklist_entries where id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(bidx, indexer.index(BlindField::Plate, "KHJT52").to_vec());
    assert_eq!(vault.decrypt(&enc, &BLOCKLIST_VALUE.aad(&id.to_string())).unwrap(), "KHJT52");

    // The same value, spelled differently, is a duplicate: a field error, not a 500.
    let again = NewEntry { building_id: Some(a), value: plate("KHJT-52"), reason: "Otra vez".into() };
    let err = app_error(add(&pool, &vault, &indexer, &admin_a, again, &meta).await);
    assert_eq!(err.field_message("value").as_deref(), Some(DUPLICATE_MESSAGE));

    for spelling in ["KHJT-52", "khjt52", " kh.jt 52 "] {
        let l = list(&pool, &vault, &indexer, &admin_a, Some(a), spelling, 1).await.unwrap();
        assert_eq!(l.entries.len(), 1, "{spelling}");
        assert_eq!(l.entries[0].value, "KHJT-52");
        assert!(l.entries[0].removable);
    }
    let none = list(&pool, &vault, &indexer, &admin_a, Some(a), "BBBB-12", 1).await.unwrap();
    assert!(none.entries.is_empty());

    // The booking check sees it.
    let mut conn = pool.acquire().await.unwrap();
    let probe = [blocklist::Probe { kind: BlindField::Plate, canonical: "KHJT52" }];
    let actor = crate::ssr::audit::AuditActor::System;
    assert!(blocklist::is_blocked(&mut conn, &indexer, Some(a), &probe, "test", &actor, &meta).await.unwrap());
    drop(conn);

    remove(&pool, &admin_a, id, &meta).await.unwrap();
    let l = list(&pool, &vault, &indexer, &admin_a, Some(a), "", 1).await.unwrap();
    assert!(l.entries.is_empty());
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where entity_id = $1 order by id")
        .bind(id.to_string())
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(actions, ["blocklist.added", "blocklist.removed"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn every_kind_is_normalised(pool: PgPool) {
    let (vault, indexer) = keys();
    let admin = staff(&pool, Role::Admin, None).await;
    let meta = RequestMeta::default();
    for (kind, raw, search) in [
        (BlindField::Rut, "12.345.678-5", "123456785"),
        (BlindField::Email, "Visitas@Correo.CL", "visitas@correo.cl"),
        (BlindField::Phone, "9 8765 4321", "+56987654321"),
        (BlindField::Ip, "192.0.2.10", "192.0.2.10"),
    ] {
        let value = parse_value(kind, raw).unwrap();
        add(&pool, &vault, &indexer, &admin, NewEntry { building_id: None, value, reason: "Fraude".into() }, &meta)
            .await
            .unwrap();
        let l = list(&pool, &vault, &indexer, &admin, None, search, 1).await.unwrap();
        assert_eq!(l.entries.len(), 1, "{raw}");
        assert_eq!(l.entries[0].scope, "Global");
    }
    assert!(parse_value(BlindField::Rut, "12.345.678-9").is_err());
    assert!(parse_value(BlindField::Ip, "999.1.1.1").is_err());
}

#[sqlx::test(migrations = "../migrations")]
async fn building_admins_only_touch_their_own_building(pool: PgPool) {
    let (vault, indexer) = keys();
    let a = building(&pool, "Torre A").await;
    let b = building(&pool, "Torre B").await;
    let admin_a = staff(&pool, Role::BuildingAdmin, Some(a)).await;
    let admin_b = staff(&pool, Role::BuildingAdmin, Some(b)).await;
    let platform = staff(&pool, Role::Admin, None).await;
    let support = staff(&pool, Role::Support, None).await;
    let meta = RequestMeta::default();
    let in_a = add(
        &pool,
        &vault,
        &indexer,
        &admin_a,
        NewEntry { building_id: Some(a), value: plate("BBBB12"), reason: "X".into() },
        &meta,
    )
    .await
    .unwrap();
    let global = add(
        &pool,
        &vault,
        &indexer,
        &platform,
        NewEntry { building_id: None, value: plate("CCCC12"), reason: "X".into() },
        &meta,
    )
    .await
    .unwrap();

    // B's admin sees none of A's entries and cannot remove them ("no encontrado").
    let l = list(&pool, &vault, &indexer, &admin_b, Some(b), "", 1).await.unwrap();
    assert!(l.entries.is_empty());
    assert_eq!(app_error(remove(&pool, &admin_b, in_a, &meta).await), AppError::NotFound);
    // Nor may a building admin add to another building, add globally, or remove a global entry.
    let foreign = NewEntry { building_id: Some(a), value: plate("DDDD12"), reason: "X".into() };
    assert_eq!(app_error(add(&pool, &vault, &indexer, &admin_b, foreign, &meta).await), AppError::NotFound);
    let global_try = NewEntry { building_id: None, value: plate("DDDD12"), reason: "X".into() };
    assert_eq!(app_error(add(&pool, &vault, &indexer, &admin_b, global_try, &meta).await), AppError::Forbidden);
    assert_eq!(app_error(remove(&pool, &admin_a, global, &meta).await), AppError::NotFound);
    // Support reads everything and changes nothing.
    let all = list(&pool, &vault, &indexer, &support, None, "", 1).await.unwrap();
    assert_eq!(all.entries.len(), 2);
    assert!(!all.can_edit && all.entries.iter().all(|e| !e.removable));
    assert_eq!(app_error(remove(&pool, &support, in_a, &meta).await), AppError::Forbidden);
    // The platform admin sees both and removes both.
    assert_eq!(list(&pool, &vault, &indexer, &platform, None, "", 1).await.unwrap().entries.len(), 2);
    remove(&pool, &platform, in_a, &meta).await.unwrap();
    remove(&pool, &platform, global, &meta).await.unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn the_list_is_paginated(pool: PgPool) {
    let (vault, indexer) = keys();
    let a = building(&pool, "Torre A").await;
    let admin_a = staff(&pool, Role::BuildingAdmin, Some(a)).await;
    let meta = RequestMeta::default();
    for n in 10..40 {
        let entry = NewEntry { building_id: Some(a), value: plate(&format!("BBBB{n}")), reason: "Daños".into() };
        add(&pool, &vault, &indexer, &admin_a, entry, &meta).await.unwrap();
    }
    let first = list(&pool, &vault, &indexer, &admin_a, Some(a), "", 1).await.unwrap();
    assert_eq!((first.entries.len(), first.total, first.page, first.pages), (25, 30, 1, 2));
    let second = list(&pool, &vault, &indexer, &admin_a, Some(a), "", 2).await.unwrap();
    assert_eq!(second.entries.len(), 5);
    assert!(second.entries.iter().all(|e| first.entries.iter().all(|f| f.id != e.id)), "pages do not overlap");
    // A page past the end is empty, not an error.
    assert!(list(&pool, &vault, &indexer, &admin_a, Some(a), "", 9).await.unwrap().entries.is_empty());
}
