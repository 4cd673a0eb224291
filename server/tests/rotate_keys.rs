//! `rotate-keys` against a real database: data seeded under encryption key 1 and blind-index key
//! A ends up entirely under key 2 and key B, every value still decrypts, every index is the new
//! key's index of the plaintext, and a second run changes nothing. Also checks that the PII
//! column registry covers every `*_enc` column of the schema.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use app::domain::phone::MobilePhone;
use app::ssr::blind_index::BlindIndexer;
use app::ssr::keys::KeyRing;
use app::ssr::pii::{
    BlindIndexing, PiiValue, ALL_COLUMNS, BOOKING_VISITOR_PHONE, CALENDAR_FEED_TOKEN, FREQUENT_VISITOR_PHONE,
    NOTIFICATION_RECIPIENT, NOTIFICATION_SECRET, RESET_CODE,
};
use app::ssr::vault::{self, Vault};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chrono::Utc;
use server::rotate::{rotate_keys, rotate_keys_in_batches};
use server::seed::seed_demo;
use sqlx::PgPool;
use uuid::Uuid;

fn key(byte: u8) -> String {
    BASE64.encode([byte; 32])
}

fn crypto(encryption_keys: &str, blind_index_key: &str) -> (Vault, BlindIndexer) {
    let ring = KeyRing::from_config(Some(encryption_keys), Some(blind_index_key), false).unwrap();
    (Vault::new(&ring), BlindIndexer::new(&ring).unwrap())
}

/// A pending booking of the seeded resident with a visitor phone, a notification to it and a
/// password reset: the encrypted columns the seed does not fill.
async fn booking_and_notification(pool: &PgPool, vault: &Vault, indexer: &BlindIndexer) {
    let phone = PiiValue::phone(&MobilePhone::parse("+56 9 5555 0101").unwrap());
    let booking_id = Uuid::new_v4();
    let visitor = BOOKING_VISITOR_PHONE.seal(vault, indexer, &booking_id.to_string(), &phone).unwrap();
    sqlx::query(
        "insert into bookings
            (id, block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate,
             visitor_phone_enc, visitor_phone_bidx, base_price_clp, multiplier_bp, amount_clp,
             commission_rate_bp, platform_commission_clp, building_share_clp, status,
             confirmation_code, guest_pass_token, hold_expires_at)
         select $1, a.id, a.spot_id, a.building_id, u.id, a.during, 'Pedro Soto', 'KHJT52',
                $2, $3, 5000, 10000, 5000, 1000, 500, 4500, 'pending',
                'ABCD2345', 'guest-pass-token-0123456789', now() + interval '15 minutes'
         from availability_blocks a
         join users u on u.building_id = a.building_id and u.email = 'residente@estacionate.cl'
         where a.status = 'available'
         order by a.starts_at limit 1",
    )
    .bind(booking_id)
    .bind(&visitor.enc)
    .bind(&visitor.bidx)
    .execute(pool)
    .await
    .unwrap();

    let notification_id = Uuid::new_v4();
    let recipient = NOTIFICATION_RECIPIENT.seal(vault, indexer, &notification_id.to_string(), &phone).unwrap();
    sqlx::query(
        "insert into notifications
            (id, booking_id, kind, audience, recipient_bidx, recipient_enc, idempotency_key, rendered_body)
         values ($1, $2, 'booking_confirmed', 'visitor', $3, $4, $5, 'Tu reserva está confirmada')",
    )
    .bind(notification_id)
    .bind(booking_id)
    .bind(&recipient.bidx)
    .bind(&recipient.enc)
    .bind(format!("booking_confirmed:{booking_id}:visitor"))
    .execute(pool)
    .await
    .unwrap();

    let reset_id = Uuid::new_v4();
    let code_enc = vault.encrypt("482913", &RESET_CODE.aad(&reset_id.to_string())).unwrap();
    sqlx::query(
        "insert into password_resets (id, user_id, code_hash, code_enc, expires_at)
         select $1, id, '\\x00', $2, now() + interval '10 minutes'
         from users where email = 'residente@estacionate.cl'",
    )
    .bind(reset_id)
    .bind(&code_enc)
    .execute(pool)
    .await
    .unwrap();

    // A new phone waiting for its code (issue 13): the number indexed, the code sealed.
    let change_id = Uuid::new_v4();
    let new_phone = app::ssr::pii::PHONE_CHANGE_PHONE.seal(vault, indexer, &change_id.to_string(), &phone).unwrap();
    let change_code = vault.encrypt("615243", &app::ssr::pii::PHONE_CHANGE_CODE.aad(&change_id.to_string())).unwrap();
    sqlx::query(
        "insert into phone_changes (id, user_id, phone_enc, phone_bidx, code_hash, code_enc, expires_at)
         select $1, id, $2, $3, '\\x00', $4, now() + interval '10 minutes'
         from users where email = 'residente@estacionate.cl'",
    )
    .bind(change_id)
    .bind(&new_phone.enc)
    .bind(&new_phone.bidx)
    .bind(&change_code)
    .execute(pool)
    .await
    .unwrap();

    // The reset's message: its text masked, its code sealed apart.
    let message_id = Uuid::new_v4();
    let recipient = NOTIFICATION_RECIPIENT.seal(vault, indexer, &message_id.to_string(), &phone).unwrap();
    let secret_enc = vault.encrypt("482913", &NOTIFICATION_SECRET.aad(&message_id.to_string())).unwrap();
    sqlx::query(
        "insert into notifications
            (id, kind, audience, recipient_bidx, recipient_enc, idempotency_key, rendered_body, secret_enc)
         values ($1, 'password_reset', 'user', $2, $3, $4, 'Tu código es: *••••••*', $5)",
    )
    .bind(message_id)
    .bind(&recipient.bidx)
    .bind(&recipient.enc)
    .bind(format!("password_reset:{reset_id}"))
    .bind(&secret_enc)
    .execute(pool)
    .await
    .unwrap();

    // A saved visitor with a phone, and a calendar feed whose link is sealed.
    let visitor_id = Uuid::new_v4();
    let visitor = FREQUENT_VISITOR_PHONE.seal(vault, indexer, &visitor_id.to_string(), &phone).unwrap();
    sqlx::query(
        "insert into frequent_visitors (id, resident_id, name, plate, phone_enc, phone_bidx)
         select $1, id, 'Pedro Soto', 'KHJT52', $2, $3 from users where email = 'residente@estacionate.cl'",
    )
    .bind(visitor_id)
    .bind(&visitor.enc)
    .bind(&visitor.bidx)
    .execute(pool)
    .await
    .unwrap();
    let owner: Uuid = sqlx::query_scalar("select id from users where email = 'residente@estacionate.cl'")
        .fetch_one(pool)
        .await
        .unwrap();
    let token = "feed-token-0123456789abcdefghijklmnopqrstu";
    let token_enc = vault.encrypt(token, &CALENDAR_FEED_TOKEN.aad(&owner.to_string())).unwrap();
    sqlx::query("insert into calendar_feeds (user_id, token_hash, token_enc) values ($1, $2, $3)")
        .bind(owner)
        .bind(app::calendar::ssr::token_hash(token))
        .bind(&token_enc)
        .execute(pool)
        .await
        .unwrap();
}

/// Every (id, enc, bidx, kind) of a column.
async fn rows(pool: &PgPool, column: &app::ssr::pii::PiiColumn) -> Vec<(Uuid, Vec<u8>, Option<Vec<u8>>, Option<String>)> {
    let kind = match column.index {
        BlindIndexing::ByKind { .. } => "kind",
        _ => "null::text",
    };
    sqlx::query_as(&format!(
        "select {key}, {enc}, {bidx}, {kind} from {table} where {enc} is not null order by {key}",
        key = column.key_column,
        enc = column.enc_column,
        bidx = column.bidx_column().unwrap_or("null::bytea"),
        table = column.table,
    ))
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn rotation_moves_everything_to_the_new_keys_and_a_rerun_changes_nothing(pool: PgPool) {
    let (old_vault, old_indexer) = crypto(&format!("1:{}", key(1)), &key(0xA));
    seed_demo(&pool, &old_vault, &old_indexer, Utc::now()).await.unwrap();
    booking_and_notification(&pool, &old_vault, &old_indexer).await;
    let mut before = Vec::new();
    for column in &ALL_COLUMNS {
        let rows = rows(&pool, column).await;
        assert!(!rows.is_empty(), "{}.{} has test data", column.table, column.enc_column);
        assert!(rows.iter().all(|r| vault::key_id(&r.1).unwrap() == 1));
        before.push(rows);
    }

    let (vault, indexer) = crypto(&format!("1:{},2:{}", key(1), key(2)), &key(0xB));
    // Batches of two: several per column, some ending exactly on a batch boundary.
    let report = rotate_keys_in_batches(&pool, &vault, &indexer, 2).await.unwrap();
    assert_eq!(report.problems(), 0, "{report}");
    for ((column, old_rows), registered) in report.columns.iter().zip(&before).zip(&ALL_COLUMNS) {
        let n = old_rows.len() as u64;
        let indexed = if registered.bidx_column().is_some() { n } else { 0 };
        assert_eq!((column.scanned, column.reencrypted, column.reindexed), (n, n, indexed), "{report}");
    }

    let mut after = Vec::new();
    for (column, old_rows) in ALL_COLUMNS.iter().zip(&before) {
        let rows = rows(&pool, column).await;
        assert_eq!(rows.len(), old_rows.len());
        for ((id, enc, bidx, kind), old) in rows.iter().zip(old_rows) {
            let where_ = format!("{}.{} {id}", column.table, column.enc_column);
            assert_eq!(vault::key_id(enc).unwrap(), 2, "{where_}");
            let row_id = id.to_string();
            let aad = column.aad(&row_id);
            let plaintext = vault.decrypt(enc, &aad).unwrap();
            // Same plaintext as before rotation, read with the old key.
            assert_eq!(plaintext, old_vault.decrypt(&old.1, &aad).unwrap(), "{where_}");
            match column.field(kind.as_deref()) {
                Some(field) => {
                    let expected = indexer.index(field, &plaintext).to_vec();
                    assert_eq!(bidx.as_deref(), Some(expected.as_slice()), "{where_}");
                    assert_ne!(*bidx, old.2, "{where_}: re-indexed");
                }
                None => assert_eq!(*bidx, None, "{where_}"),
            }
        }
        after.push(rows);
    }
    // The seeded RUT is still 12.345.678-5, now findable with the new key.
    let ruts = &after[0];
    assert!(ruts
        .iter()
        .any(|(id, enc, _, _)| { vault.decrypt(enc, &ALL_COLUMNS[0].aad(&id.to_string())).unwrap() == "12345678-5" }));

    let rerun = rotate_keys(&pool, &vault, &indexer).await.unwrap();
    assert_eq!(rerun.changed(), 0, "{rerun}");
    assert_eq!(rerun.problems(), 0, "{rerun}");
    for (column, rows_after) in ALL_COLUMNS.iter().zip(&after) {
        assert_eq!(&rows(&pool, column).await, rows_after, "{}", column.table);
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn only_the_blind_index_key_changes(pool: PgPool) {
    let (old_vault, old_indexer) = crypto(&format!("1:{}", key(1)), &key(0xA));
    seed_demo(&pool, &old_vault, &old_indexer, Utc::now()).await.unwrap();
    let (vault, indexer) = crypto(&format!("1:{}", key(1)), &key(0xB));
    let report = rotate_keys(&pool, &vault, &indexer).await.unwrap();
    let total: u64 = report.columns.iter().map(|c| c.scanned).sum();
    let reindexed: u64 = report.columns.iter().map(|c| c.reindexed).sum();
    let reencrypted: u64 = report.columns.iter().map(|c| c.reencrypted).sum();
    assert!(total > 0);
    assert_eq!((reindexed, reencrypted), (total, 0), "{report}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_undecryptable_row_is_reported_and_left_alone(pool: PgPool) {
    let (old_vault, old_indexer) = crypto(&format!("1:{}", key(1)), &key(0xA));
    seed_demo(&pool, &old_vault, &old_indexer, Utc::now()).await.unwrap();
    // Two residents' RUT ciphertexts swapped: each is bound to the other row and must not open.
    sqlx::query(
        "with two as (select user_id, rut_enc from resident_profiles order by user_id limit 2),
              swapped as (select a.user_id, b.rut_enc from two a join two b on a.user_id <> b.user_id)
         update resident_profiles p set rut_enc = s.rut_enc from swapped s where p.user_id = s.user_id",
    )
    .execute(&pool)
    .await
    .unwrap();
    let (vault, indexer) = crypto(&format!("1:{},2:{}", key(1), key(2)), &key(0xA));
    let report = rotate_keys(&pool, &vault, &indexer).await.unwrap();
    let ruts = &report.columns[0];
    assert_eq!((ruts.table, ruts.scanned, ruts.failed, ruts.reencrypted), ("resident_profiles", 3, 2, 1));
    assert_eq!(report.problems(), 2);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_encrypted_column_of_the_schema_is_registered(pool: PgPool) {
    let in_schema: Vec<(String, String)> = sqlx::query_as(
        "select table_name::text, column_name::text from information_schema.columns
         where table_schema = 'public' and column_name like '%\\_enc' order by 1, 2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut registered: Vec<(String, String)> =
        ALL_COLUMNS.iter().map(|c| (c.table.to_owned(), c.enc_column.to_owned())).collect();
    registered.sort();
    assert_eq!(in_schema, registered);
    for column in &ALL_COLUMNS {
        let Some(bidx_column) = column.bidx_column() else {
            continue;
        };
        let bidx_exists: bool = sqlx::query_scalar(
            "select exists(select 1 from information_schema.columns
                           where table_name = $1 and column_name = $2)",
        )
        .bind(column.table)
        .bind(bidx_column)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!(bidx_exists, "{}.{bidx_column}", column.table);
    }
}
