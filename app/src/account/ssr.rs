//! SQL of the account page.

use super::AccountView;
use crate::domain::{phone::MobilePhone, rut::Rut};
use crate::ssr::{actor::Actor, pii, vault::Vault, ServerResult};
use sqlx::PgPool;

/// What the account page reads of one person.
#[derive(sqlx::FromRow)]
struct AccountRow {
    email: String,
    building: Option<String>,
    unit: Option<String>,
    rut_enc: Option<Vec<u8>>,
    phone_enc: Option<Vec<u8>>,
}

/// `actor`'s own account, its contact data masked.
pub async fn my_account(pool: &PgPool, vault: &Vault, actor: &Actor) -> ServerResult<AccountView> {
    let row: AccountRow = sqlx::query_as(
        "select u.email::text as email, b.name as building, un.number as unit, p.rut_enc, u.phone_enc
           from users u
           left join buildings b on b.id = u.building_id
           left join resident_profiles p on p.user_id = u.id
           left join units un on un.id = p.unit_id
          where u.id = $1",
    )
    .bind(actor.id)
    .fetch_one(pool)
    .await?;
    let id = actor.id.to_string();
    // A stored value that cannot be read shows as "No disponible" (and is logged), not as absent.
    let rut_masked = row
        .rut_enc
        .map(|b| pii::RESIDENT_RUT.display(vault, &id, &b, |r| Rut::parse(r).ok().map(|r| r.masked())));
    let phone_masked = row
        .phone_enc
        .map(|b| pii::USER_PHONE.display(vault, &id, &b, |p| MobilePhone::parse(p).ok().map(|p| p.masked())));
    Ok(AccountView {
        full_name: actor.full_name.clone(),
        email: row.email,
        role_label: actor.role.label_es().to_string(),
        building: row.building,
        unit: row.unit,
        rut_masked,
        phone_masked,
    })
}
