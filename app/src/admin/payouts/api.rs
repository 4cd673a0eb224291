//! Server functions of the payouts screen. Each one decodes its form and hands it to its
//! handler (below, server only), whose outcome it converts once.

use super::{PayoutListing, PayoutQuery};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::error::serve;

/// One page of payouts in the caller's scope (building admins: their building; support and
/// admins: every building or the one chosen).
#[server(prefix = "/api", endpoint = "admin/payouts")]
pub async fn list_payouts(q: PayoutQuery) -> Result<PayoutListing, AppError> {
    serve(handlers::list(q)).await
}

/// Marks a payout paid with the transfer's reference (admins, after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/payout_paid")]
pub async fn mark_payout_paid(payout_id: String, reference: String) -> Result<(), AppError> {
    serve(handlers::mark_paid(payout_id, reference)).await
}

/// Marks a sales rep's commission paid (admins, after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/commission_paid")]
pub async fn mark_commission_paid(commission_id: String, reference: String) -> Result<(), AppError> {
    serve(handlers::mark_commission_paid(commission_id, reference)).await
}

/// Runs the reconciliation now (admins), e.g. after a late refund, instead of waiting for the
/// hourly job; reports what it wrote.
#[server(prefix = "/api", endpoint = "admin/payouts_reconcile")]
pub async fn reconcile_payouts() -> Result<String, AppError> {
    serve(handlers::reconcile()).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::{PayoutListing, PayoutQuery};
    use crate::admin::{
        payouts::{ssr, LOOKBACK_DAYS, STATUSES},
        scope,
    };
    use crate::domain::role::Role;
    use crate::error::{FieldErrors, FILTER_PROBLEMS};
    use crate::ssr::{actor, app_state, ServerResult};
    use crate::ui::pager;

    /// See [`super::list_payouts`].
    pub(super) async fn list(q: PayoutQuery) -> ServerResult<PayoutListing> {
        let (state, actor) = scope::staff().await?;
        let mut errors = FieldErrors::new();
        let from = scope::date_filter(&mut errors, "desde", &q.desde);
        let to = scope::date_filter(&mut errors, "hasta", &q.hasta);
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                errors.push("hasta", "La fecha final debe ser igual o posterior a la inicial.");
            }
        }
        if !errors.is_empty() {
            return Err(errors.into_error_with(FILTER_PROBLEMS).into());
        }
        let filter = ssr::Filter {
            building: scope::listing_scope(&actor, &q.edificio)?,
            status: STATUSES.into_iter().find(|s| *s == q.estado.trim()),
            from,
            to,
        };
        let page = pager::number(&q.pagina);
        ssr::list(&state.pool, &actor, &filter, page).await
    }

    /// See [`super::mark_payout_paid`].
    pub(super) async fn mark_paid(payout_id: String, reference: String) -> ServerResult<()> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &[Role::Admin]).await?;
        let id = scope::parse_id(&payout_id)?;
        let reference = ssr::parse_reference(&reference)?;
        ssr::mark_paid(&state.pool, &actor, id, &reference, &actor::request_meta()).await?;
        scope::redirect("/admin/liquidaciones?hecho=pagada")
    }

    /// See [`super::mark_commission_paid`].
    pub(super) async fn mark_commission_paid(commission_id: String, reference: String) -> ServerResult<()> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &[Role::Admin]).await?;
        let id = scope::parse_id(&commission_id)?;
        let reference = ssr::parse_reference(&reference)?;
        ssr::mark_commission_paid(&state.pool, &actor, id, &reference, &actor::request_meta()).await?;
        scope::redirect("/admin/liquidaciones?hecho=comision")
    }

    /// See [`super::reconcile_payouts`].
    pub(super) async fn reconcile() -> ServerResult<String> {
        let state = app_state()?;
        let _admin = actor::require_role(&state.pool, &[Role::Admin]).await?;
        let report = ssr::reconcile(&state.pool, chrono::Utc::now(), LOOKBACK_DAYS).await?;
        leptos_axum::redirect(&format!("/admin/liquidaciones?hecho=conciliado&escritas={}", report.payouts_written));
        Ok(format!("{} liquidaciones actualizadas", report.payouts_written))
    }
}
