//! `/admin`: the dashboard of the caller's scope, then a tile per administration tool.

use super::dashboard::api::admin_dashboard;
use super::dashboard::page::{DashboardFilter, DashboardNumbers};
use crate::ui::live::{live_updates, LiveBadge};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

/// The administration landing page.
#[component]
pub fn AdminHome() -> impl IntoView {
    let query = use_query_map();
    let params = move || query.with(|q| (q.get("edificio").unwrap_or_default(), q.get("periodo").unwrap_or_default()));
    // With JS, a dashboard of one building follows that building's live events (a booking
    // confirmed, a visitor checked in) and reloads its numbers.
    let building = RwSignal::new(None::<String>);
    let (live, connected) = live_updates(building.into());
    let dashboard = Resource::new(move || (params(), live.get()), |((edificio, periodo), _)| admin_dashboard(edificio, periodo));
    view! {
        <Title text="Administración"/>
        <section class="panel">
            <h1>"Administración"</h1>
            <Transition fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match dashboard.await {
                        Ok(d) => {
                            let one = (!d.building_id.is_empty()).then(|| d.building_id.clone());
                            view! {
                                {building.set(one)}
                                <DashboardFilter dashboard=d.clone()/>
                                <DashboardNumbers dashboard=d/>
                            }.into_any()
                        }
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Transition>
            <LiveBadge connected=connected/>
            <h2>"Herramientas"</h2>
            <Tiles/>
        </section>
    }
}

/// A tile per administration tool.
#[component]
fn Tiles() -> impl IntoView {
    let tiles: [(&str, &str, &str); 15] = [
        ("/admin/edificios", "Edificios", "Datos, reglas, archivar y generar disponibilidad"),
        ("/admin/unidades", "Unidades", "Crear unidades en lote y desactivarlas"),
        ("/admin/estacionamientos", "Estacionamientos de visitas", "Crear, desactivar y cerrar por mantención"),
        ("/admin/bloques", "Bloques y precios base", "Horarios de los bloques y su precio base"),
        ("/admin/residentes/todos", "Todos los residentes", "Desactivar, bloquear y desbloquear cuentas"),
        ("/admin/reservas", "Reservas", "Buscar, filtrar, cancelar con reembolso y exportar a CSV"),
        ("/admin/precios", "Precios y reglas", "Reglas de precio y los precios de los próximos 14 días"),
        ("/admin/liquidaciones", "Liquidaciones", "Lo que corresponde a cada edificio por día y su estado de pago"),
        ("/admin/vendedores", "Vendedores", "Edificios asignados a cada vendedor y sus comisiones (plataforma)"),
        ("/admin/personal", "Personal", "Cuentas de conserjería, administración, soporte y ventas"),
        ("/admin/analitica", "Analítica", "Ocupación, ingresos, reservas, no-show y cancelaciones en gráficos"),
        ("/admin/auditoria", "Auditoría", "Quién hizo qué y cuándo"),
        ("/admin/bloqueos", "Lista de bloqueo", "Correos, RUT, celulares, patentes e IP bloqueados"),
        ("/admin/mensajes", "Mensajes de WhatsApp", "Mensajes enviados y su estado de entrega"),
        ("/admin/privacidad", "Solicitudes de eliminación", "Cuentas que pidieron eliminar sus datos y su plazo legal"),
    ];
    view! {
        <ul class="tiles">
            {tiles.into_iter().map(|(href, title, text)| view! {
                <li class="tile"><A href=href>{title}</A><p>{text}</p></li>
            }).collect_view()}
        </ul>
    }
}
