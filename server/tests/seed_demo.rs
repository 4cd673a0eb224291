//! `seed-demo` against a real database: it seeds an empty database once and never again, the
//! seeded PII decrypts to what was seeded and is indexed by its canonical form, and the
//! accounts, buildings, rules and availability are there.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use app::domain::rut::Rut;
use app::ssr::blind_index::{BlindField, BlindIndexer};
use app::ssr::keys::KeyRing;
use app::ssr::password::verify_password_async;
use app::ssr::pii::{RESIDENT_RUT, USER_PHONE};
use app::ssr::vault::Vault;
use chrono::Utc;
use server::seed::{seed_demo, SeedOutcome, DEMO_PASSWORD};
use sqlx::PgPool;
use uuid::Uuid;

fn crypto() -> (Vault, BlindIndexer) {
    let ring = KeyRing::from_config(None, None, false).unwrap();
    (Vault::new(&ring), BlindIndexer::new(&ring).unwrap())
}

/// Row counts of every table the seed writes.
async fn counts(pool: &PgPool) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "buildings",
        "units",
        "visitor_spots",
        "block_templates",
        "users",
        "resident_profiles",
        "pricing_rules",
        "blocklist_entries",
        "availability_blocks",
    ] {
        out.push(sqlx::query_scalar(&format!("select count(*) from {table}")).fetch_one(pool).await.unwrap());
    }
    out
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn seeds_an_empty_database_once(pool: PgPool) {
    let (vault, indexer) = crypto();
    let now = Utc::now();
    let SeedOutcome::Seeded(report) = seed_demo(&pool, &vault, &indexer, now).await.unwrap() else {
        panic!("an empty database must be seeded")
    };
    assert_eq!(report.buildings, 2);
    assert_eq!(report.units, 40 + 40);
    assert_eq!(report.spots, 10);
    assert!(report.availability.created > 0);
    let emails: Vec<&str> = report.logins.iter().map(|l| l.email).collect();
    assert_eq!(
        emails,
        [
            "admin@estacionate.cl",
            "soporte@estacionate.cl",
            "ventas@estacionate.cl",
            "admin.parque@estacionate.cl",
            "conserje.parque@estacionate.cl",
            "admin.leones@estacionate.cl",
            "conserje.leones@estacionate.cl",
            "residente@estacionate.cl",
            "pendiente@estacionate.cl",
            "bloqueado@estacionate.cl",
        ]
    );
    let before = counts(&pool).await;
    assert_eq!(&before[..8], &[2, 80, 10, 6, 10, 3, 3, 2]);

    let again = seed_demo(&pool, &vault, &indexer, now).await.unwrap();
    assert!(matches!(again, SeedOutcome::AlreadyPopulated), "{again:?}");
    assert_eq!(counts(&pool).await, before);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn seeded_pii_decrypts_and_is_indexed_by_its_canonical_form(pool: PgPool) {
    let (vault, indexer) = crypto();
    seed_demo(&pool, &vault, &indexer, Utc::now()).await.unwrap();

    let (user_id, rut_enc, rut_bidx, phone_enc, phone_bidx, hash): (Uuid, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, String) =
        sqlx::query_as(
            "select u.id, p.rut_enc, p.rut_bidx, u.phone_enc, u.phone_bidx, u.password_hash
         from users u join resident_profiles p on p.user_id = u.id
         where u.email = 'residente@estacionate.cl'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
    let row = user_id.to_string();
    assert_eq!(vault.decrypt(&rut_enc, &RESIDENT_RUT.aad(&row)).unwrap(), "12345678-5");
    for spelling in ["12.345.678-5", "123456785", "12345678-5"] {
        let canonical = Rut::parse(spelling).unwrap().canonical();
        assert_eq!(rut_bidx, indexer.index(BlindField::Rut, &canonical).to_vec(), "{spelling}");
    }
    assert_eq!(vault.decrypt(&phone_enc, &USER_PHONE.aad(&row)).unwrap(), "+56912345678");
    assert_eq!(phone_bidx, indexer.index(BlindField::Phone, "+56912345678").to_vec());
    // Bound to its row: the same ciphertext does not open as another user's RUT.
    assert!(vault.decrypt(&rut_enc, &RESIDENT_RUT.aad(&Uuid::new_v4().to_string())).is_err());

    assert!(hash.starts_with("$argon2id$"));
    assert!(verify_password_async(DEMO_PASSWORD.into(), hash).await.unwrap());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn seeded_accounts_rules_and_availability_are_usable(pool: PgPool) {
    let (vault, indexer) = crypto();
    seed_demo(&pool, &vault, &indexer, Utc::now()).await.unwrap();

    let statuses: Vec<(String, String, bool)> = sqlx::query_as(
        "select u.email::text, u.status, p.approved_at is not null
         from users u join resident_profiles p on p.user_id = u.id order by u.email",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        statuses,
        vec![
            ("bloqueado@estacionate.cl".into(), "banned".into(), true),
            ("pendiente@estacionate.cl".into(), "pending".into(), false),
            ("residente@estacionate.cl".into(), "active".into(), true),
        ]
    );
    let (rep, rate): (String, i32) = sqlx::query_as(
        "select u.email::text, b.sales_rep_rate_bp from buildings b join users u on u.id = b.sales_rep_id
         where b.name = 'Edificio Parque Bustamante'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((rep.as_str(), rate), ("ventas@estacionate.cl", 500));

    // Every active spot of both buildings has blocks for the coming days at the template prices.
    let per_building: Vec<(String, i64, i64)> = sqlx::query_as(
        "select b.name, count(distinct a.spot_id), count(*) filter (where a.base_price_clp not in (5000, 8000))
         from buildings b join availability_blocks a on a.building_id = b.id
         group by b.name order by b.name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(per_building, vec![("Edificio Parque Bustamante".into(), 6, 0), ("Torre Los Leones".into(), 4, 0)]);

    let rules: Vec<(String, i32, i32, String, String)> = sqlx::query_as(
        "select name, multiplier_bp, priority,
                to_char(starts_at at time zone 'America/Santiago', 'YYYY-MM-DD HH24:MI'),
                to_char(ends_at at time zone 'America/Santiago', 'YYYY-MM-DD HH24:MI')
         from pricing_rules where name = 'Fiestas Patrias' order by building_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rules.len(), 2);
    for rule in rules {
        assert_eq!(rule, ("Fiestas Patrias".into(), 15000, 10, "2027-09-17 00:00".into(), "2027-09-21 00:00".into()));
    }

    let plate_bidx: Vec<u8> =
        sqlx::query_scalar("select value_bidx from blocklist_entries where kind = 'plate' and building_id is null")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(plate_bidx, indexer.index(BlindField::Plate, "ZZZZ99").to_vec());
    let displays: Vec<String> = sqlx::query_scalar("select value_display from blocklist_entries order by kind")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(displays, ["vi•••@correo.cl", "ZZZZ-99"]);
}

/// The seed is usable by the features built on it: the approved resident logs in with the demo
/// password, finds tomorrow's generated blocks on every spot, and books one; the globally
/// blocklisted plate is refused; the pending and banned residents cannot log in.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_seeded_resident_logs_in_finds_blocks_and_books(pool: PgPool) {
    use app::booking::ssr::{create, search, NewBooking};
    use app::domain::{email::Email, names::VisitorName, plate::Plate, role::Role};
    use app::error::AppError;
    use app::ssr::{actor::Actor, audit::RequestMeta, ServerError};

    let (vault, indexer) = crypto();
    let now = Utc::now();
    seed_demo(&pool, &vault, &indexer, now).await.unwrap();
    let meta = RequestMeta::default();
    let log_in = |email: &str| {
        let (pool, indexer, meta) = (pool.clone(), indexer.clone(), meta.clone());
        let email = Email::parse(email).unwrap();
        async move { app::identity::ssr::log_in(&pool, &indexer, Some(email), DEMO_PASSWORD.into(), &meta).await }
    };
    let logged = log_in("residente@estacionate.cl").await.unwrap();
    assert_eq!(logged.role, Role::Resident);
    assert!(log_in("pendiente@estacionate.cl").await.is_err());
    assert!(log_in("bloqueado@estacionate.cl").await.is_err());

    let (building_id, full_name): (Uuid, String) = sqlx::query_as("select building_id, full_name from users where id = $1")
        .bind(logged.user_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let actor = Actor { id: logged.user_id, role: Role::Resident, building_id: Some(building_id), full_name };
    let tomorrow = app::domain::schedule::local_date(now, chrono_tz::America::Santiago).succ_opt().unwrap();
    let day = search(&pool, &actor, Some(tomorrow), None, now).await.unwrap();
    assert_eq!(day.building, "Edificio Parque Bustamante");
    assert_eq!(day.kinds, ["Día", "Noche", "Día completo"]);
    assert_eq!(day.cards.len(), 6 * 3);
    assert!(day.cards.iter().all(|c| c.available));
    assert_eq!(day.map.len(), 6);

    let block_id: Uuid = day.cards[0].block_id.parse().unwrap();
    let booking = |plate: &str| NewBooking {
        block_id,
        visitor_name: VisitorName::parse("Pedro Soto").unwrap(),
        plate: Plate::parse(plate).unwrap(),
        visitor_phone: None,
    };
    let refused = create(&pool, &vault, &indexer, &actor, booking("zzzz-99"), &meta).await;
    assert!(matches!(refused, Err(ServerError::App(AppError::Refused(_)))), "{refused:?}");
    create(&pool, &vault, &indexer, &actor, booking("KHJT52"), &meta).await.unwrap();
}
