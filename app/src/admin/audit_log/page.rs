//! `/admin/auditoria`.

use super::api::list_audit;
use super::{AuditListing, AuditQuery, AuditRow};
use crate::admin::search::SEARCH_PATH;
use crate::ui::admin::{BuildingFilter, DataTable, FilterField};
use crate::ui::pager::Pager;
use crate::ui::shell::PageShell;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The audit screen.
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        query.with(|q| {
            let get = |k: &str| q.get(k).unwrap_or_default();
            (
                AuditQuery {
                    actor: get("actor"),
                    accion: get("accion"),
                    entidad: get("entidad"),
                    edificio: get("edificio"),
                    desde: get("desde"),
                    hasta: get("hasta"),
                },
                get("pagina"),
            )
        })
    };
    let listing = Resource::new(params, |(f, p)| list_audit(f, p));
    view! {
        <PageShell title="Auditoría">
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    let (filter, _) = params();
                    match listing.await {
                        Ok(l) => {
                            let shown = AuditQuery { actor: l.actor_search.clone(), ..filter.clone() };
                            view! { <Filters filter=shown buildings=l.buildings.clone()/> <Entries listing=l filter=filter/> }.into_any()
                        }
                        Err(e) => view! { <Filters filter=filter buildings=Vec::new()/> {crate::ui::errors::error_view(e)} }.into_any(),
                    }
                })}
            </Suspense>
        </PageShell>
    }
}

#[component]
fn Filters(filter: AuditQuery, buildings: Vec<crate::admin::BuildingChoice>) -> impl IntoView {
    view! {
        // Posted, never a GET: "who" may be an e-mail (see admin::search).
        <form method="post" action=SEARCH_PATH class="search-form">
            <input type="hidden" name="volver" value="/admin/auditoria"/>
            <FilterField name="actor" label="Quién (nombre o correo)" value=filter.actor/>
            <FilterField name="accion" label="Acción" value=filter.accion placeholder="blocklist., resident.banned…"/>
            <FilterField name="entidad" label="Entidad (tipo o id)" value=filter.entidad/>
            <BuildingFilter buildings=buildings selected=filter.edificio/>
            <FilterField name="desde" label="Desde" input_type="date" value=filter.desde/>
            <FilterField name="hasta" label="Hasta" input_type="date" value=filter.hasta/>
            <button type="submit" class="button">"Filtrar"</button>
        </form>
    }
}

#[component]
fn Entries(listing: AuditListing, filter: AuditQuery) -> impl IntoView {
    let qs = filter.to_query_string();
    view! {
        <p data-testid="audit-total">{format!("{} registros.", listing.total)}</p>
        {(!listing.rows.is_empty()).then(|| view! { <AuditTable rows=listing.rows/> })}
        <Pager path="/admin/auditoria" query=qs page=listing.page pages=listing.pages/>
    }
}

/// The audit entries as a table (also the dashboard's "recent activity").
#[component]
pub fn AuditTable(
    /// The entries, newest first.
    rows: Vec<AuditRow>,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <DataTable testid="audit" caption="Registro de auditoría" columns=&["Fecha", "Quién", "Acción", "Entidad", "Edificio", "Detalle"]>
                {rows.into_iter().map(|r| view! {
                    <tr data-testid="audit-row">
                        <td>{r.at}</td>
                        <td>{r.actor}<br/><span class="muted">{r.role}</span></td>
                        <td class="mono">{r.action}</td><td class="mono">{r.entity}</td><td>{r.building}</td>
                        <td><pre class="metadata">{r.metadata}</pre></td>
                    </tr>
                }).collect_view()}
                </DataTable>
        </div>
    }
}
