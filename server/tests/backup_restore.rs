//! The backup and restore drill: a populated database (the demo seed, written with real keys) is
//! dumped with `scripts/backup.sh` and restored into a new database with `scripts/restore.sh`.
//! The restored copy decrypts every PII value with the same keys, finds rows by blind index,
//! passes the audit chain check — and with other keys decrypts nothing and finds nothing: the
//! keys are not in the dump.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::ssr::blind_index::{BlindField, BlindIndexer};
use app::ssr::keys::KeyRing;
use app::ssr::pii::{RESIDENT_RUT, USER_PHONE};
use app::ssr::vault::Vault;
use sqlx::PgPool;
use std::path::{Path, PathBuf};
use std::process::Command;

const KEYS: (&str, &str) = ("1:q5Vq8bOQ2m1XnMlqk0yA7d0Cq6F0rJ6y5Xv6b1kq2mE=", "u3Jc9k2sWq0bX8y7v6t5r4e3w2q1a0s9d8f7g6h5j4k=");
const OTHER_KEYS: (&str, &str) =
    ("1:Zm9yZWlnbiBrZXkgZm9yIHRoZSByZXN0b3JlIHRlc3Q=", "b3RoZXIgYmxpbmQgaW5kZXgga2V5IGZvciB0ZXN0cyE=");

fn crypto((encryption, blind_index): (&str, &str)) -> (Vault, BlindIndexer) {
    let ring = KeyRing::from_config(Some(encryption), Some(blind_index), true).unwrap();
    (Vault::new(&ring), BlindIndexer::new(&ring).unwrap())
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts").join(name)
}

/// The server part of `DATABASE_URL` (the test databases live on the same server).
fn server_url() -> String {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/estacionate_test".into());
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(&url);
    let host = rest.split('/').next().unwrap_or(rest);
    format!("postgres://{host}")
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("the script runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_restored_dump_decrypts_with_the_same_keys_and_refuses_other_keys(pool: PgPool) {
    let (vault, indexer) = crypto(KEYS);
    server::seed::seed_demo(&pool, &vault, &indexer, chrono::Utc::now()).await.unwrap();
    let source: String = sqlx::query_scalar("select current_database()").fetch_one(&pool).await.unwrap();
    let server = server_url();
    let dir = std::env::temp_dir().join(format!("estacionate-backup-{}", uuid::Uuid::new_v4().simple()));
    let dump = dir.join("drill.dump");
    let restored = format!("restored_{}", uuid::Uuid::new_v4().simple());

    let said = run(Command::new("bash").arg(script("backup.sh")).arg(format!("{server}/{source}")).arg(&dump));
    assert!(said.contains("the PII keys are not in it"), "{said}");
    // The dump holds ciphertext only: no plaintext phone or RUT of the seed.
    let bytes = std::fs::read(&dump).unwrap();
    let holds = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(!holds("12.345.678-5") && !holds("12345678-5") && !holds("+56912345678"));
    // Restoring over an existing database is refused.
    let refused = Command::new("bash")
        .arg(script("restore.sh"))
        .arg(&dump)
        .arg(&source)
        .arg(&server)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    run(Command::new("bash").arg(script("restore.sh")).arg(&dump).arg(&restored).arg(&server));

    let copy = PgPool::connect(&format!("{server}/{restored}")).await.unwrap();
    let (user_id, rut_enc, phone_enc, rut_bidx): (uuid::Uuid, Vec<u8>, Vec<u8>, Vec<u8>) = sqlx::query_as(
        "select u.id, p.rut_enc, u.phone_enc, p.rut_bidx
           from users u join resident_profiles p on p.user_id = u.id
          where u.email = 'residente@estacionate.cl'",
    )
    .fetch_one(&copy)
    .await
    .unwrap();
    let row = user_id.to_string();
    assert_eq!(vault.decrypt(&phone_enc, &USER_PHONE.aad(&row)).unwrap(), "+56912345678");
    assert_eq!(vault.decrypt(&rut_enc, &RESIDENT_RUT.aad(&row)).unwrap(), "12345678-5");
    assert_eq!(indexer.index(BlindField::Rut, "12345678-5").to_vec(), rut_bidx);
    let every_phone: Vec<(uuid::Uuid, Vec<u8>)> = sqlx::query_as("select id, phone_enc from users where phone_enc is not null")
        .fetch_all(&copy)
        .await
        .unwrap();
    assert!(every_phone.len() > 1);
    for (id, enc) in &every_phone {
        assert!(vault.decrypt(enc, &USER_PHONE.aad(&id.to_string())).is_ok());
    }
    // The audit chain came back whole: the same rows verify on both sides.
    let (before, after) = (server::audit_chain::verify(&pool).await.unwrap(), server::audit_chain::verify(&copy).await.unwrap());
    assert!(after.first_broken.is_none());
    assert_eq!(after.verified, before.verified);

    // Other keys: nothing decrypts, the blind index finds nothing.
    let (other_vault, other_indexer) = crypto(OTHER_KEYS);
    for (id, enc) in &every_phone {
        assert!(other_vault.decrypt(enc, &USER_PHONE.aad(&id.to_string())).is_err());
    }
    assert!(other_vault.decrypt(&rut_enc, &RESIDENT_RUT.aad(&row)).is_err());
    assert_ne!(other_indexer.index(BlindField::Rut, "12345678-5").to_vec(), rut_bidx);

    copy.close().await;
    let admin = PgPool::connect(&format!("{server}/postgres")).await.unwrap();
    sqlx::query(&format!("drop database {restored} with (force)")).execute(&admin).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
