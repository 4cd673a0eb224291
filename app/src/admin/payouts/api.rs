//! Server functions of the payouts screen.

use super::{PayoutListing, PayoutQuery};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::admin::scope,
    crate::domain::role::Role,
    crate::error::FieldError,
    crate::ssr::{actor, app_state, error::finish},
};

/// One page of payouts in the caller's scope (building admins: their building; support and
/// admins: every building or the one chosen).
#[server(prefix = "/api", endpoint = "admin/payouts")]
pub async fn list_payouts(q: PayoutQuery) -> Result<PayoutListing, AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    let mut fields = Vec::new();
    let from = scope::date_filter(&mut fields, "desde", &q.desde);
    let to = scope::date_filter(&mut fields, "hasta", &q.hasta);
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            fields.push(FieldError {
                field: "hasta".into(),
                message: "La fecha final debe ser igual o posterior a la inicial.".into(),
            });
        }
    }
    if !fields.is_empty() {
        return finish::<_, AppError>(Err(AppError::Invalid { message: "Revisa los filtros.".into(), fields }));
    }
    let filter = super::ssr::Filter {
        building: finish(scope::listing_scope(&actor, &q.edificio))?,
        status: super::STATUSES.into_iter().find(|s| *s == q.estado.trim()),
        from,
        to,
    };
    let page = q.pagina.trim().parse::<u32>().unwrap_or(1);
    finish(super::ssr::list(&state.pool, &actor, &filter, page).await)
}

/// Marks a payout paid with the transfer's reference (admins, after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/payout_paid")]
pub async fn mark_payout_paid(payout_id: String, reference: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &[Role::Admin]).await)?;
    let id = finish(scope::parse_id(&payout_id))?;
    let reference = finish(super::ssr::parse_reference(&reference))?;
    finish(super::ssr::mark_paid(&state.pool, &actor, id, &reference, &actor::request_meta()).await)?;
    leptos_axum::redirect("/admin/liquidaciones?hecho=pagada");
    Ok(())
}

/// Marks a sales rep's commission paid (admins, after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/commission_paid")]
pub async fn mark_commission_paid(commission_id: String, reference: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &[Role::Admin]).await)?;
    let id = finish(scope::parse_id(&commission_id))?;
    let reference = finish(super::ssr::parse_reference(&reference))?;
    finish(super::ssr::mark_commission_paid(&state.pool, &actor, id, &reference, &actor::request_meta()).await)?;
    leptos_axum::redirect("/admin/liquidaciones?hecho=comision");
    Ok(())
}

/// Runs the reconciliation now (admins), e.g. after a late refund, instead of waiting for the
/// hourly job; reports what it wrote.
#[server(prefix = "/api", endpoint = "admin/payouts_reconcile")]
pub async fn reconcile_payouts() -> Result<String, AppError> {
    let state = app_state()?;
    let _admin = finish(actor::require_role(&state.pool, &[Role::Admin]).await)?;
    let report = finish(super::ssr::reconcile(&state.pool, chrono::Utc::now(), super::LOOKBACK_DAYS).await)?;
    leptos_axum::redirect(&format!("/admin/liquidaciones?hecho=conciliado&escritas={}", report.payouts_written));
    Ok(format!("{} liquidaciones actualizadas", report.payouts_written))
}
