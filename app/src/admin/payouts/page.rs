//! `/admin/liquidaciones`.

use super::api::{list_payouts, MarkCommissionPaid, MarkPayoutPaid, ReconcilePayouts};
use super::{status_label, PayoutListing, PayoutQuery, PayoutRow, STATUSES};
use crate::ui::admin::{completions, query_string, BuildingFilter, ChoiceFilter, ConfirmAction, FilterField, RowLink};
use crate::ui::form::{server_field_error, FormAlert, Notice, TextField};
use crate::ui::pager::Pager;
use crate::ui::shell::PageShell;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};

const PATH: &str = "/admin/liquidaciones";

/// The payouts screen.
#[component]
pub fn PayoutsPage() -> impl IntoView {
    let query = use_query_map();
    let pay = ServerAction::<MarkPayoutPaid>::new();
    let pay_rep = ServerAction::<MarkCommissionPaid>::new();
    let reconcile = ServerAction::<ReconcilePayouts>::new();
    let params = move || {
        query.with(|q| {
            let get = |k: &str| q.get(k).unwrap_or_default();
            PayoutQuery {
                edificio: get("edificio"),
                estado: get("estado"),
                desde: get("desde"),
                hasta: get("hasta"),
                pagina: get("pagina"),
            }
        })
    };
    let done = [pay.version(), pay_rep.version(), reconcile.version()];
    let listing = Resource::new(move || (params(), completions(&done)), |(q, _)| list_payouts(q));
    let confirm = move || query.with(|q| (q.get("pagar").unwrap_or_default(), q.get("comision").unwrap_or_default()));
    let done = move || {
        query.with(|q| match q.get("hecho").as_deref() {
            Some("pagada") => Some("Liquidación marcada como pagada.".to_string()),
            Some("comision") => Some("Comisión marcada como pagada.".to_string()),
            Some("conciliado") => Some(format!(
                "Conciliación ejecutada: {} liquidaciones creadas o actualizadas.",
                q.get("escritas").unwrap_or_else(|| "0".into())
            )),
            _ => None,
        })
    };
    view! {
        <PageShell title="Liquidaciones">
            <p class="muted">"Lo que corresponde a cada edificio por día (zona horaria del edificio): reservas pagadas, comisión de la plataforma y parte del edificio. Se calculan cada hora para los últimos días; una liquidación pagada no vuelve a cambiar."</p>
            {move || done().map(|text| view! { <Notice text=text/> })}
            <FormAlert value=pay.value()/>
            <FormAlert value=pay_rep.value()/>
            <FormAlert value=reconcile.value()/>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    let q = params();
                    match listing.await {
                        Ok(l) => {
                            let (pagar, comision) = confirm();
                            let payout = l.rows.iter().find(|r| r.id == pagar).cloned();
                            let commission = l.rows.iter().find(|r| r.rep.as_ref().is_some_and(|c| c.id == comision)).cloned();
                            view! {
                                {payout.filter(|_| l.can_pay).map(|r| view! { <ConfirmPay row=r pay=pay/> })}
                                {commission.filter(|_| l.can_pay).map(|r| view! { <ConfirmCommission row=r pay=pay_rep/> })}
                                <Filters q=q.clone() listing=l.clone()/>
                                {l.can_pay.then(|| view! {
                                    <ActionForm action=reconcile attr:class="inline-form">
                                        <button type="submit" class="button button--secondary" data-testid="reconcile">"Recalcular ahora"</button>
                                    </ActionForm>
                                })}
                                <Results listing=l q=q/>
                            }.into_any()
                        }
                        Err(e) => view! { <Filters q=q listing=PayoutListing::empty()/> {crate::ui::errors::error_view(e)} }.into_any(),
                    }
                })}
            </Suspense>
        </PageShell>
    }
}

impl PayoutListing {
    /// A listing with nothing in it (the filters of a failed load).
    pub fn empty() -> Self {
        Self {
            rows: Vec::new(),
            total: 0,
            page: 1,
            pages: 1,
            total_building_share: String::new(),
            total_commission: String::new(),
            total_unpaid: String::new(),
            buildings: Vec::new(),
            can_pay: false,
            sees_reps: false,
        }
    }
}

fn filter_query(q: &PayoutQuery) -> String {
    query_string(&[("edificio", &q.edificio), ("estado", &q.estado), ("desde", &q.desde), ("hasta", &q.hasta)])
}

#[component]
fn Filters(q: PayoutQuery, listing: PayoutListing) -> impl IntoView {
    let statuses = STATUSES.into_iter().map(|s| (s.to_string(), status_label(s).to_string())).collect();
    view! {
        <Form method="GET" action=PATH attr:class="search-form">
            <BuildingFilter buildings=listing.buildings selected=q.edificio/>
            <ChoiceFilter name="estado" label="Estado" choices=statuses selected=q.estado all_label=Some("Todas")/>
            <FilterField name="desde" label="Desde" input_type="date" value=q.desde/>
            <FilterField name="hasta" label="Hasta" input_type="date" value=q.hasta/>
            <button type="submit" class="button">"Filtrar"</button>
        </Form>
    }
}

#[component]
fn Results(listing: PayoutListing, q: PayoutQuery) -> impl IntoView {
    let qs = filter_query(&q);
    if listing.rows.is_empty() {
        return view! {
            <p class="empty" data-testid="payouts-empty">"No hay liquidaciones con este filtro. Se crean al día siguiente de cada día con reservas pagadas."</p>
        }
        .into_any();
    }
    let (can_pay, sees_reps) = (listing.can_pay, listing.sees_reps);
    view! {
        <dl class="facts" data-testid="payout-totals">
            <div><dt>"Liquidaciones"</dt><dd>{listing.total}</dd></div>
            <div><dt>"Parte de los edificios"</dt><dd>{listing.total_building_share.clone()}</dd></div>
            <div><dt>"Por pagar"</dt><dd>{listing.total_unpaid.clone()}</dd></div>
            <div><dt>"Comisión de la plataforma"</dt><dd>{listing.total_commission.clone()}</dd></div>
        </dl>
        <div class="table-wrap">
            <table class="table" data-testid="payouts">
                <caption class="visually-hidden">"Liquidaciones"</caption>
                <thead><tr>
                    <th scope="col">"Día"</th><th scope="col">"Edificio"</th><th scope="col">"Reservas"</th>
                    <th scope="col">"Recaudado"</th><th scope="col">"Comisión"</th><th scope="col">"Para el edificio"</th>
                    <th scope="col">"Estado"</th>
                    {sees_reps.then(|| view! { <th scope="col">"Vendedor"</th> })}
                    {can_pay.then(|| view! { <th scope="col"><span class="visually-hidden">"Acciones"</span></th> })}
                </tr></thead>
                <tbody>{listing.rows.into_iter().map(|r| row(r, &qs, can_pay, sees_reps)).collect_view()}</tbody>
            </table>
        </div>
        <Pager path=PATH query=qs.clone() page=listing.page pages=listing.pages/>
    }
    .into_any()
}

fn link(qs: &str, key: &str, id: &str) -> String {
    if qs.is_empty() {
        format!("{PATH}?{key}={id}")
    } else {
        format!("{PATH}?{qs}&{key}={id}")
    }
}

fn row(r: PayoutRow, qs: &str, can_pay: bool, sees_reps: bool) -> impl IntoView {
    let pay_href = link(qs, "pagar", &r.id);
    let pay_label = format!("Marcar pagada la liquidación de {} del {}", r.building, r.day);
    let unpaid = r.status != "paid";
    let rep = r.rep.clone();
    let rep_cell = sees_reps.then(|| {
        let rep = rep.clone();
        view! {
            <td>{rep.map(|c| {
                let status = if c.paid { "pagada" } else { "pendiente" };
                format!("{}: {} ({}, {})", c.rep, c.amount, c.rate, status)
            }).unwrap_or_else(|| "—".into())}</td>
        }
    });
    let rep_action = rep.filter(|c| can_pay && !c.paid && !unpaid).map(|c| {
        let href = link(qs, "comision", &c.id);
        let label = format!("Marcar pagada la comisión de {} del {}", c.rep, r.day);
        view! { <RowLink href=href label=label text="Pagar comisión"/> }
    });
    view! {
        <tr data-testid="payout-row">
            <td>{r.day.clone()}</td><td>{r.building.clone()}</td><td>{r.bookings}</td>
            <td>{r.gross.clone()}</td><td>{r.commission.clone()}</td><td>{r.building_share.clone()}</td>
            <td>{r.status_label.clone()}{r.paid_note.clone().map(|n| view! { <br/><span class="muted">{n}</span> })}</td>
            {rep_cell}
            {can_pay.then(|| view! {
                <td class="actions">
                    {unpaid.then(|| view! { <a class="button button--small" href=pay_href aria-label=pay_label>"Marcar pagada"</a> })}
                    {rep_action}
                </td>
            })}
        </tr>
    }
}

#[component]
fn ConfirmPay(row: PayoutRow, pay: ServerAction<MarkPayoutPaid>) -> impl IntoView {
    view! {
        <ConfirmAction title=format!("¿Marcar pagada la liquidación de {} del {}?", row.building, row.day) testid="confirm-pay"
            text=format!("Confirma que transferiste {} al edificio. Una liquidación pagada ya no se recalcula.", row.building_share)
            back=PATH.to_string() action=pay name="payout_id" value=row.id button="Sí, marcar pagada" form_class="form" button_class="button">
            <TextField name="reference" label="Referencia de la transferencia" server_error=server_field_error(pay.value(), "reference")/>
        </ConfirmAction>
    }
}

#[component]
fn ConfirmCommission(row: PayoutRow, pay: ServerAction<MarkCommissionPaid>) -> impl IntoView {
    let Some(c) = row.rep else { return ().into_any() };
    view! {
        <ConfirmAction title=format!("¿Marcar pagada la comisión de {}?", c.rep) testid="confirm-commission"
            text=format!("Comisión de {} por {} del {}.", c.amount, row.building, row.day)
            back=PATH.to_string() action=pay name="commission_id" value=c.id button="Sí, marcar pagada" form_class="form" button_class="button">
            <TextField name="reference" label="Referencia del pago" server_error=server_field_error(pay.value(), "reference")/>
        </ConfirmAction>
    }
    .into_any()
}
