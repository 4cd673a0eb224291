//! Server function of the account page.

use super::AccountView;
use crate::error::AppError;
use leptos::prelude::*;

/// The caller's own account.
#[server(prefix = "/api", endpoint = "account/my_account")]
pub async fn my_account() -> Result<AccountView, AppError> {
    use crate::domain::{phone::MobilePhone, rut::Rut};
    use crate::ssr::{actor, app_state, error::finish, pii};
    let state = app_state()?;
    let actor = finish(actor::require_actor(&state.pool).await)?;
    type Row = (String, Option<String>, Option<String>, Option<Vec<u8>>, Option<Vec<u8>>);
    let row: Row = finish(
        sqlx::query_as(
            "select u.email::text, b.name, un.number, p.rut_enc, u.phone_enc
               from users u
               left join buildings b on b.id = u.building_id
               left join resident_profiles p on p.user_id = u.id
               left join units un on un.id = p.unit_id
              where u.id = $1",
        )
        .bind(actor.id)
        .fetch_one(&state.pool)
        .await
        .map_err(crate::ssr::ServerError::from),
    )?;
    let (email, building, unit, rut_enc, phone_enc) = row;
    let id = actor.id.to_string();
    // A stored value that cannot be read shows as "No disponible" (and is logged), not as absent.
    let rut_masked =
        rut_enc.map(|b| pii::RESIDENT_RUT.display(&state.vault, &id, &b, |r| Rut::parse(r).ok().map(|r| r.masked())));
    let phone_masked =
        phone_enc.map(|b| pii::USER_PHONE.display(&state.vault, &id, &b, |p| MobilePhone::parse(p).ok().map(|p| p.masked())));
    Ok(AccountView {
        full_name: actor.full_name,
        email,
        role_label: actor.role.label_es().to_string(),
        building,
        unit,
        rut_masked,
        phone_masked,
    })
}
