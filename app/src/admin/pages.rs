//! `/admin`.

use crate::identity::api::pending_residents;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// The administration landing page.
#[component]
pub fn AdminHome() -> impl IntoView {
    let pending = Resource::new(|| (), |_| pending_residents());
    view! {
        <Title text="Administración"/>
        <section class="panel">
            <h1>"Administración"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match pending.await {
                        Ok(rows) => view! {
                            <ul class="tiles">
                                <li class="tile">
                                    <A href="/admin/residentes">"Residentes por aprobar"</A>
                                    <p data-testid="pending-count">{match rows.len() {
                                        0 => "Sin solicitudes pendientes".to_string(),
                                        1 => "1 solicitud pendiente".to_string(),
                                        n => format!("{n} solicitudes pendientes"),
                                    }}</p>
                                </li>
                                <li class="tile">
                                    <A href="/admin/residentes/todos">"Todos los residentes"</A>
                                    <p>"Desactivar, bloquear y desbloquear cuentas"</p>
                                </li>
                                <li class="tile">
                                    <A href="/admin/edificios">"Edificios"</A>
                                    <p>"Datos, reglas, archivar y generar disponibilidad"</p>
                                </li>
                                <li class="tile">
                                    <A href="/admin/unidades">"Unidades"</A>
                                    <p>"Crear unidades en lote y desactivarlas"</p>
                                </li>
                                <li class="tile">
                                    <A href="/admin/estacionamientos">"Estacionamientos de visitas"</A>
                                    <p>"Crear, desactivar y cerrar por mantención"</p>
                                </li>
                                <li class="tile">
                                    <A href="/admin/bloques">"Bloques y precios base"</A>
                                    <p>"Horarios de los bloques y su precio base"</p>
                                </li>
                                <li class="tile">
                                    <A href="/admin/reservas">"Reservas"</A>
                                    <p>"Buscar, filtrar, cancelar con reembolso y exportar a CSV"</p>
                                </li>
                                <li class="tile">
                                    <A href="/admin/precios">"Precios y reglas"</A>
                                    <p>"Reglas de precio y los precios de los próximos 14 días"</p>
                                </li>
                                <li class="tile">
                                    <A href="/admin/auditoria">"Auditoría"</A>
                                    <p>"Quién hizo qué y cuándo"</p>
                                </li>
                                <li class="tile">
                                    <A href="/admin/bloqueos">"Lista de bloqueo"</A>
                                    <p>"Correos, RUT, celulares, patentes e IP bloqueados"</p>
                                </li>
                                <li class="tile">
                                    <A href="/admin/mensajes">"Mensajes de WhatsApp"</A>
                                    <p>"Mensajes enviados y su estado de entrega"</p>
                                </li>
                            </ul>
                        }.into_any(),
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Suspense>
        </section>
    }
}
