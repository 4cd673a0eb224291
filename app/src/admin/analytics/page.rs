//! `/admin/analitica`.

use super::api::load_analytics;
use super::chart::BarChart;
use super::Analytics;
use crate::ui::admin::{BuildingFilter, ChoiceFilter};
use crate::ui::shell::{loaded, PageShell};
use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};

/// The analytics screen.
#[component]
pub fn AnalyticsPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || query.with(|q| (q.get("edificio").unwrap_or_default(), q.get("dias").unwrap_or_default()));
    let data = Resource::new(params, |(edificio, dias)| load_analytics(edificio, dias));
    view! {
        <PageShell title="Analítica">
            {loaded(data, |a| view! { <Filters analytics=a.clone()/> <Report analytics=a/> }.into_any())}
        </PageShell>
    }
}

#[component]
fn Filters(analytics: Analytics) -> impl IntoView {
    let periods = [("30", "Últimos 30 días"), ("90", "Últimos 90 días")]
        .map(|(v, t)| (v.to_string(), t.to_string()))
        .to_vec();
    view! {
        <Form method="GET" action="/admin/analitica" attr:class="search-form">
            <BuildingFilter buildings=analytics.buildings selected=analytics.selected/>
            <ChoiceFilter name="dias" label="Período" choices=periods selected=analytics.days.to_string() all_label=None/>
            <button type="submit" class="button">"Ver"</button>
        </Form>
    }
}

#[component]
fn Report(analytics: Analytics) -> impl IntoView {
    let a = analytics;
    view! {
        <p data-testid="analytics-scope">{format!("{} · últimos {} días, {}", a.scope_label, a.days, a.range)}</p>
        <ul class="tiles kpis">
            <li class="tile">
                <p>"Tasa de no-show"</p>
                <strong data-testid="no-show-rate">{a.no_show_rate.clone()}</strong>
                <p>{format!("{} de {} reservas con visita vencida no llegaron", a.no_shows, a.outcomes)}</p>
            </li>
            <li class="tile">
                <p>"Tasa de cancelación"</p>
                <strong data-testid="cancellation-rate">{a.cancellation_rate.clone()}</strong>
                <p>{format!("{} de {} reservas pagadas se cancelaron", a.cancelled, a.bookings)}</p>
            </li>
        </ul>
        <div class="charts">
            <BarChart id="ocupacion-dia" title="Ocupación por día".to_string() column="Día" value_header="Horas-bloque reservadas" series=a.occupancy_by_day/>
            <BarChart id="ocupacion-hora" title="Ocupación por hora del día".to_string() column="Hora" value_header="Días con la hora ocupada" series=a.occupancy_by_hour/>
            <BarChart id="ingresos-dia" title="Ingresos por día".to_string() column="Día" value_header="Ingresos (CLP)" series=a.revenue_by_day/>
            <BarChart id="reservas-dia" title="Reservas por día".to_string() column="Día" value_header="Reservas" series=a.bookings_by_day/>
        </div>
    }
}
