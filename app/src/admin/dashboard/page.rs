//! The dashboard part of `/admin` (the landing page in `admin::pages` puts the tool tiles
//! under it).

use super::{failed_refunds_label, failed_refunds_link, occupancy_label, paid_label, pending_label, Dashboard, Period};
use crate::admin::audit_log::page::AuditTable;
use crate::ui::admin::{BuildingFilter, ChoiceFilter};
use leptos::prelude::*;
use leptos_router::components::{Form, A};

/// The scope and period selector: a GET form, so it works without JavaScript.
#[component]
pub fn DashboardFilter(
    /// The dashboard shown.
    dashboard: Dashboard,
) -> impl IntoView {
    let periods = Period::ALL.into_iter().map(|p| (p.code().to_string(), p.label().to_string())).collect();
    view! {
        <Form method="GET" action="/admin" attr:class="search-form">
            <BuildingFilter buildings=dashboard.buildings selected=dashboard.selected/>
            <ChoiceFilter name="periodo" label="Ingresos de" choices=periods selected=dashboard.period.code().to_string() all_label=None/>
            <button type="submit" class="button">"Ver"</button>
        </Form>
    }
}

/// The numbers: active bookings, occupancy now, revenue, pending approvals, recent activity.
#[component]
pub fn DashboardNumbers(
    /// The dashboard shown.
    dashboard: Dashboard,
) -> impl IntoView {
    let d = dashboard;
    let period = d.period.label().to_lowercase();
    let refunds_link = failed_refunds_link(&d.selected);
    view! {
        <h2>{d.scope_label.clone()}</h2>
        <ul class="tiles kpis" data-testid="dashboard">
            <li class="tile">
                <p>"Ocupación"</p>
                <strong data-testid="occupancy-now">{occupancy_label(d.occupied_spots, d.total_spots)}</strong>
            </li>
            <li class="tile">
                <p>"Reservas activas"</p>
                <strong data-testid="active-bookings">{d.active_bookings}</strong>
                <p>"Confirmadas, con la visita dentro o excedidas"</p>
            </li>
            <li class="tile">
                <p>{format!("Ingresos: {period}")}</p>
                <strong data-testid="revenue">{d.revenue.clone()}</strong>
                <p data-testid="revenue-split">{format!(
                    "{} · comisión de la plataforma {} · edificios {}",
                    paid_label(d.paid_bookings), d.commission, d.building_share
                )}</p>
            </li>
            <li class="tile">
                <A href="/admin/residentes">"Residentes por aprobar"</A>
                <p data-testid="pending-count">{pending_label(d.pending_approvals)}</p>
            </li>
            <li class="tile">
                <A href=refunds_link>"Reembolsos fallidos"</A>
                <p data-testid="failed-refunds">{failed_refunds_label(d.failed_refunds)}</p>
            </li>
        </ul>
        <h2>"Actividad reciente"</h2>
        {if d.recent.is_empty() {
            view! { <p class="empty">"Aún no hay actividad."</p> }.into_any()
        } else {
            view! {
                <AuditTable rows=d.recent/>
                <p><A href="/admin/auditoria">"Ver toda la auditoría"</A></p>
            }.into_any()
        }}
    }
}
