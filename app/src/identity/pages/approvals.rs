//! `/admin/residentes`: residents waiting for approval, with approve and reject.

use crate::identity::api::{pending_residents, ApproveResident, RejectResident};
use crate::ui::form::FormAlert;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

/// The approvals screen.
#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let approve = ServerAction::<ApproveResident>::new();
    let reject = ServerAction::<RejectResident>::new();
    let pending = Resource::new(move || (approve.version().get(), reject.version().get()), |_| pending_residents());
    view! {
        <Title text="Residentes por aprobar"/>
        <section class="panel">
            <h1>"Residentes por aprobar"</h1>
            <FormAlert value=approve.value()/>
            <FormAlert value=reject.value()/>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match pending.await {
                        Ok(rows) if rows.is_empty() => view! {
                            <p class="empty">"No hay cuentas pendientes de aprobación."</p>
                        }.into_any(),
                        Ok(rows) => view! {
                            <ul class="cards">
                                {rows.into_iter().map(|r| {
                                    let id_for_reject = r.user_id.clone();
                                    let reason_id = format!("motivo-{}", r.user_id);
                                    view! {
                                        <li class="card" data-testid="pending-resident">
                                            <h2 class="card__title">{r.full_name.clone()}</h2>
                                            <dl class="card__facts">
                                                <dt>"Correo"</dt><dd>{r.email.clone()}</dd>
                                                <dt>"Edificio"</dt><dd>{r.building.clone()}</dd>
                                                <dt>"Departamento"</dt><dd>{r.unit.clone()}</dd>
                                                <dt>"RUT"</dt><dd>{r.rut_masked.clone()}</dd>
                                                <dt>"Celular"</dt><dd>{r.phone_masked.clone()}</dd>
                                                <dt>"Solicitud"</dt><dd>{r.requested_at.clone()}</dd>
                                            </dl>
                                            {r.can_decide.then(|| view! { <div class="card__actions">
                                                <ActionForm action=approve>
                                                    <input type="hidden" name="user_id" value=r.user_id.clone()/>
                                                    <button type="submit" class="button">{format!("Aprobar a {}", r.full_name)}</button>
                                                </ActionForm>
                                                <ActionForm action=reject attr:class="inline-form">
                                                    <input type="hidden" name="user_id" value=id_for_reject/>
                                                    <label for=reason_id.clone()>"Motivo del rechazo"</label>
                                                    <input id=reason_id name="reason" type="text" required=true minlength="3" maxlength="500"/>
                                                    <button type="submit" class="button button--danger">"Rechazar"</button>
                                                </ActionForm>
                                            </div> })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Suspense>
        </section>
    }
}
