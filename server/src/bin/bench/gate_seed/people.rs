//! Residents (with their units and approved profiles) and one concierge per building, shaped as
//! sign-up and the administration store them: RUT and phone encrypted by the vault with their
//! row's AAD and blind indexed with the configured keys. Encryption happens here, in Rust; the
//! rows go in with one `unnest` statement per table and building.

use super::{concierge_email, Building};
use crate::Env;
use anyhow::Context as _;
use app::domain::rut::Rut;
use app::ssr::{blind_index::BlindField, pii};
use sqlx::PgConnection;
use std::collections::HashMap;
use uuid::Uuid;

/// Inserts an admin (the residents' approver), `per_building` residents and one concierge in
/// every building, all with password hash `hash`.
pub async fn insert(
    env: &Env,
    tx: &mut PgConnection,
    buildings: &[Building],
    per_building: u32,
    hash: &str,
) -> anyhow::Result<()> {
    let admin = Uuid::new_v4();
    sqlx::query(
        "insert into users (id, email, password_hash, role, status, full_name, password_changed_at)
         values ($1, 'admin@bench.estacionate.cl', $2, 'admin', 'active', 'Admin Bench', now())",
    )
    .bind(admin)
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    let mut serial: u32 = 0;
    for building in buildings {
        residents(env, tx, *building, per_building, &mut serial, hash, admin).await?;
    }
    sqlx::query(
        "insert into users (email, password_hash, role, building_id, status, full_name, password_changed_at)
         select e.email, $3, 'concierge', e.building_id, 'active', format('Conserje %s', b.name), now()
           from unnest($1::uuid[], $2::text[]) e(building_id, email)
           join buildings b on b.id = e.building_id",
    )
    .bind(buildings.iter().map(|b| b.id).collect::<Vec<_>>())
    .bind(buildings.iter().map(|b| concierge_email(b.number)).collect::<Vec<_>>())
    .bind(hash)
    .execute(&mut *tx)
    .await
    .context("inserting the concierges")?;
    Ok(())
}

/// One building's residents: a unit each (four per floor), an active user with an encrypted
/// mobile, and an approved profile with an encrypted RUT. `serial` runs across buildings so
/// every RUT and phone is distinct.
async fn residents(
    env: &Env,
    tx: &mut PgConnection,
    building: Building,
    count: u32,
    serial: &mut u32,
    hash: &str,
    admin: Uuid,
) -> anyhow::Result<()> {
    let mut ids = Vec::new();
    let mut emails = Vec::new();
    let mut names = Vec::new();
    let mut phone_enc = Vec::new();
    let mut phone_bidx = Vec::new();
    let mut rut_enc = Vec::new();
    let mut rut_bidx = Vec::new();
    let mut units = Vec::new();
    let mut floors = Vec::new();
    for k in 1..=count {
        *serial += 1;
        let id = Uuid::new_v4();
        let id_text = id.to_string();
        let phone = format!("+569{:08}", 20_000_000 + *serial);
        let rut = Rut::from_body(20_000_000 + *serial).map_err(|e| anyhow::anyhow!("rut: {e:?}"))?.canonical();
        ids.push(id);
        emails.push(format!("residente{k}.edificio{}@bench.estacionate.cl", building.number));
        names.push(format!("Residente {k} Edificio {}", building.number));
        phone_enc.push(env.vault.encrypt(&phone, &pii::user_phone(&id_text))?);
        phone_bidx.push(env.indexer.index(BlindField::Phone, &phone).to_vec());
        rut_enc.push(env.vault.encrypt(&rut, &pii::resident_rut(&id_text))?);
        rut_bidx.push(env.indexer.index(BlindField::Rut, &rut).to_vec());
        let floor = i32::try_from(1 + (k - 1) / 4)?;
        units.push(format!("{floor}{:02}", 1 + (k - 1) % 4));
        floors.push(floor);
    }
    let inserted: Vec<(String, Uuid)> = sqlx::query_as(
        "insert into units (building_id, number, floor)
         select $1, n, f from unnest($2::text[], $3::int[]) u(n, f)
         returning number, id",
    )
    .bind(building.id)
    .bind(&units)
    .bind(&floors)
    .fetch_all(&mut *tx)
    .await?;
    // RETURNING promises no order; match the units back by number.
    let by_number: HashMap<String, Uuid> = inserted.into_iter().collect();
    let unit_ids = units
        .iter()
        .map(|n| by_number.get(n).copied().context("a unit went missing"))
        .collect::<anyhow::Result<Vec<Uuid>>>()?;
    sqlx::query(
        "insert into users (id, email, password_hash, role, building_id, status, full_name,
                            phone_enc, phone_bidx, password_changed_at)
         select u.id, u.email, $1, 'resident', $2, 'active', u.full_name, u.phone_enc, u.phone_bidx, now()
           from unnest($3::uuid[], $4::text[], $5::text[], $6::bytea[], $7::bytea[])
                u(id, email, full_name, phone_enc, phone_bidx)",
    )
    .bind(hash)
    .bind(building.id)
    .bind(&ids)
    .bind(&emails)
    .bind(&names)
    .bind(&phone_enc)
    .bind(&phone_bidx)
    .execute(&mut *tx)
    .await
    .context("inserting residents")?;
    sqlx::query(
        "insert into resident_profiles (user_id, building_id, unit_id, rut_enc, rut_bidx, first_name, last_name,
                                        approved_at, approved_by)
         select p.user_id, $1, p.unit_id, p.rut_enc, p.rut_bidx, 'Residente', 'Bench', now(), $2
           from unnest($3::uuid[], $4::uuid[], $5::bytea[], $6::bytea[]) p(user_id, unit_id, rut_enc, rut_bidx)",
    )
    .bind(building.id)
    .bind(admin)
    .bind(&ids)
    .bind(&unit_ids)
    .bind(&rut_enc)
    .bind(&rut_bidx)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
