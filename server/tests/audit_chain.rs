//! The audit log's hash chain (ASVS 5.0 16.4.2): every committed row is chained, concurrent
//! writers keep one linear chain without deadlocks or gaps, and `server verify-audit` passes a
//! clean chain and names the first row a superuser edited or deleted behind the triggers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use app::ssr::audit::{record, AuditActor, AuditEntry, RequestMeta};
use server::audit_chain::{verify, Break, BrokenRow};
use sqlx::PgPool;
use std::process::Output;
use std::time::Duration;

async fn write(conn: &mut sqlx::PgConnection, action: &str, n: i64) {
    let actor = AuditActor::System;
    record(
        conn,
        &AuditEntry {
            actor: &actor,
            action,
            entity_type: Some("thing"),
            entity_id: Some(n.to_string()),
            building_id: None,
            metadata: serde_json::json!({ "n": n, "zeta": [1, 2], "alfa": { "b": "ñandú", "a": null } }),
        },
        &RequestMeta { ip: Some("2001:db8::7".parse().unwrap()), user_agent: Some("agente | 1:x".into()), request_id: None },
    )
    .await
    .unwrap();
}

/// Ids in chain order.
async fn chain_ids(pool: &PgPool) -> Vec<i64> {
    sqlx::query_scalar("select id from audit_log order by chain_seq").fetch_all(pool).await.unwrap()
}

/// Runs `sql` as the superuser with the append-only trigger off, as an insider would.
async fn tamper(pool: &PgPool, sql: &str) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("alter table audit_log disable trigger audit_log_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(sql).execute(&mut *tx).await.unwrap();
    sqlx::query("alter table audit_log enable trigger audit_log_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// `server verify-audit` against the test database.
fn verify_audit_command(pool: &PgPool) -> Output {
    let options = pool.connect_options();
    let url = format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap()
    );
    std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("verify-audit")
        .env("DATABASE_URL", url)
        .env("APP_ENV", "test")
        .env("RUST_LOG", "error")
        .env_remove("REDIS_URL")
        .output()
        .unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn verify_audit_passes_a_clean_chain_and_names_the_first_tampered_row(pool: PgPool) {
    for n in 0..6 {
        let mut tx = pool.begin().await.unwrap();
        write(&mut tx, "test.happened", n).await;
        if n % 2 == 0 {
            write(&mut tx, "test.again", n).await;
        }
        tx.commit().await.unwrap();
    }
    let ids = chain_ids(&pool).await;
    assert_eq!(ids.len(), 9);
    let report = verify(&pool).await.unwrap();
    assert_eq!((report.verified, report.first_broken), (9, None));
    let ok = verify_audit_command(&pool);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("the chain holds (9 rows)"));

    // An edit of the fourth row's metadata, key order and all, is found there.
    tamper(&pool, &format!("update audit_log set metadata = metadata || '{{\"n\": 99}}' where id = {}", ids[3])).await;
    let report = verify(&pool).await.unwrap();
    assert_eq!(report.first_broken, Some(BrokenRow { id: Some(ids[3]), expected_seq: 4, reason: Break::Content }));
    assert_eq!(report.verified, 3);
    let failed = verify_audit_command(&pool);
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains(&format!("chain broken at audit_log id {} ", ids[3])), "{stderr}");

    // Restoring the content heals that row; deleting the sixth is found at the seventh.
    tamper(&pool, &format!("update audit_log set metadata = metadata || '{{\"n\": 2}}' where id = {}", ids[3])).await;
    assert_eq!(verify(&pool).await.unwrap().first_broken, None);
    tamper(&pool, &format!("delete from audit_log where id = {}", ids[5])).await;
    assert_eq!(
        verify(&pool).await.unwrap().first_broken,
        Some(BrokenRow { id: Some(ids[6]), expected_seq: 6, reason: Break::Sequence })
    );

    // Deleting only the tail leaves a consistent prefix, but the head remembers it.
    tamper(&pool, &format!("delete from audit_log where id >= {}", ids[5])).await;
    assert_eq!(
        verify(&pool).await.unwrap().first_broken,
        Some(BrokenRow { id: Some(ids[4]), expected_seq: 6, reason: Break::Truncated })
    );

    // Neither the chain columns nor the head can be written by ordinary statements.
    for statement in [
        "insert into audit_log (actor_type, action, chain_seq) values ('system', 'x', 1)".to_string(),
        format!("update audit_log set row_hash = null where id = {}", ids[0]),
        "update audit_chain_head set last_seq = 0".to_string(),
        "delete from audit_chain_head".to_string(),
    ] {
        assert!(sqlx::query(&statement).execute(&pool).await.is_err(), "{statement}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn concurrent_writers_keep_one_linear_chain_without_deadlocks_or_gaps(pool: PgPool) {
    // Two rows every writer contends on, always locked in the same order (1 before 2). Half the
    // writers hold row 1, write audit rows, then wait for row 2; the other half hold row 2 and
    // write audit rows. A chain lock taken at the audit insert (instead of at commit) would
    // deadlock these two shapes against each other.
    sqlx::query("create table contention (id int primary key)").execute(&pool).await.unwrap();
    sqlx::query("insert into contention values (1), (2)").execute(&pool).await.unwrap();

    let writers = 48_i64;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            let mut tx = pool.begin().await?;
            let first = if w % 2 == 0 { 1 } else { 2 };
            sqlx::query("select id from contention where id = $1 for update")
                .bind(first)
                .execute(&mut *tx)
                .await?;
            for i in 0..(1 + w % 3) {
                write(&mut tx, "test.concurrent", w * 10 + i).await;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            if first == 1 {
                sqlx::query("select id from contention where id = 2 for update").execute(&mut *tx).await?;
            }
            // Every fifth writer gives up: its rows must leave no trace and no gap.
            if w % 5 == 0 {
                tx.rollback().await?;
                Ok::<i64, sqlx::Error>(0)
            } else {
                tx.commit().await?;
                Ok(1 + w % 3)
            }
        }));
    }
    let mut committed = 0;
    for task in tasks {
        committed += tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("a writer hung")
            .unwrap()
            .expect("a writer failed (deadlock?)");
    }

    let seqs: Vec<i64> = sqlx::query_scalar("select chain_seq from audit_log order by chain_seq")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(seqs, (1..=committed).collect::<Vec<_>>());
    let rolled_back: i64 = sqlx::query_scalar("select count(*) from audit_log where (entity_id::bigint / 10) % 5 = 0")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rolled_back, 0);
    let report = verify(&pool).await.unwrap();
    assert_eq!((report.verified, report.first_broken), (committed, None));
}
