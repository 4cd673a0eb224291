//! Pieces the administration screens share: filters and the building picker, the confirmation
//! step, one-button row actions and query strings.

use crate::admin::{BuildingChoice, BuildingScreen};
use crate::error::AppError;
use crate::ui::form::FormAlert;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos::server_fn::codec::{Json, PostUrl};
use leptos::server_fn::{client::Client, request::ClientReq, Http, ServerFn};
use leptos::web_sys::FormData;
use leptos_router::components::{Form, A};
use leptos_router::params::ParamsMap;
use serde::de::DeserializeOwned;

/// A `<select name="edificio">` of the buildings the caller administers, with "Todos" first;
/// renders nothing for a building admin (who has exactly one building).
#[component]
pub fn BuildingFilter(
    /// The buildings to choose from.
    buildings: Vec<BuildingChoice>,
    /// The selected id, or empty.
    selected: String,
    /// Label of the empty choice.
    #[prop(default = "Todos los edificios")]
    all_label: &'static str,
) -> impl IntoView {
    (buildings.len() > 1).then(|| {
        let choices = buildings.into_iter().map(|b| (b.id, b.name)).collect();
        view! { <ChoiceFilter name="edificio" label="Edificio" choices=choices selected=selected all_label=Some(all_label)/> }
    })
}

/// The confirmation step of a destructive action: what will happen, the form that does it
/// (the children), and a way back. A page shows it when its query string names the target
/// (`?eliminar=…`), so it works without JavaScript.
#[component]
pub fn ConfirmPanel(
    /// The question.
    title: String,
    /// What will happen.
    text: String,
    /// Where "No, volver" goes.
    back: String,
    /// `data-testid` of the panel.
    testid: &'static str,
    /// The form that confirms.
    children: Children,
) -> impl IntoView {
    view! {
        <div class="confirm" role="alertdialog" aria-labelledby="confirm-title" data-testid=testid>
            <h2 id="confirm-title">{title}</h2>
            <p>{text}</p>
            {children()}
            <a class="button button--secondary" href=back>"No, volver"</a>
        </div>
    }
}

/// A table of a listing: the visually hidden caption, a header cell a column, and the rows (the
/// children).
#[component]
pub fn DataTable(
    /// `data-testid` of the table.
    testid: &'static str,
    /// The caption screen readers announce.
    caption: &'static str,
    /// The column headings.
    columns: &'static [&'static str],
    /// The rows.
    children: Children,
) -> impl IntoView {
    view! {
        <table class="table" data-testid=testid>
            <caption class="visually-hidden">{caption}</caption>
            <thead><tr>{columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}</tr></thead>
            <tbody>{children()}</tbody>
        </table>
    }
}

/// A small button-styled link of a row (`kind`: `secondary` or `danger`) whose accessible label
/// names the row it acts on.
#[component]
pub fn RowLink(
    /// Where it goes.
    href: String,
    /// The accessible label ("Editar Tarde").
    label: String,
    /// The visible text.
    text: &'static str,
    /// The button style.
    #[prop(default = "secondary")]
    kind: &'static str,
) -> impl IntoView {
    view! { <a class=format!("button button--small button--{kind}") href=href aria-label=label>{text}</a> }
}

/// A box of a filter form, prefilled with the current value: a search term unless `input_type`
/// says otherwise (`date`).
#[component]
pub fn FilterField(
    /// Field name and `id`.
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// The current value.
    value: String,
    /// `type` attribute.
    #[prop(default = "search")]
    input_type: &'static str,
    /// Placeholder example.
    #[prop(optional)]
    placeholder: Option<&'static str>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input id=name name=name type=input_type value=value placeholder=placeholder/>
        </div>
    }
}

/// A `<select>` of a filter form: "Todos" (the empty value; `all_label` says otherwise) first, then `choices` as
/// (value, text) pairs, with the current one selected.
#[component]
pub fn ChoiceFilter(
    /// Field name and `id`.
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// The choices after "Todos".
    choices: Vec<(String, String)>,
    /// The current value, or empty.
    selected: String,
    /// The text of the empty choice ("any"), or none when a value is always chosen.
    #[prop(default = Some("Todos"))]
    all_label: Option<&'static str>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <select id=name name=name>
                {all_label.map(|all| view! { <option value="" selected=selected.is_empty()>{all}</option> })}
                {choices.into_iter().map(|(v, t)| { let is = v == selected; view! { <option value=v selected=is>{t}</option> } }).collect_view()}
            </select>
        </div>
    }
}

/// The building chooser of a one-building screen (`?edificio=…` on `path`), then its heading:
/// the building's name linking to the building's page, or `heading` as given. The "Ver" button
/// shows only when there is more than one building to choose from.
#[component]
pub fn BuildingPicker(
    /// The screen's path (`/admin/bloques`).
    path: &'static str,
    /// The building shown and the others to choose from.
    screen: BuildingScreen,
    /// A heading other than the building's name (not linked).
    #[prop(optional, into)]
    heading: Option<String>,
) -> impl IntoView {
    let many = screen.buildings.len() > 1;
    let heading = match heading {
        Some(text) => text.into_any(),
        None => view! { <A href=format!("/admin/edificios/{}", screen.building_id)>{screen.building}</A> }.into_any(),
    };
    view! {
        <Form method="GET" action=path attr:class="search-form">
            <BuildingFilter buildings=screen.buildings selected=screen.building_id all_label="Elige un edificio"/>
            {many.then(|| view! { <button type="submit" class="button">"Ver"</button> })}
        </Form>
        <h2>{heading}</h2>
    }
}

/// A form of one button sending `name=value` to `action`: a row's "Reactivar", the "Sí,
/// desactivar" of a confirmation step. `label` names what it acts on for screen readers.
pub fn one_button_form<ServFn, OutputProtocol>(
    action: ServerAction<ServFn>,
    (name, value): (&'static str, String),
    button: &'static str,
    class: &'static str,
    label: Option<String>,
) -> impl IntoView
where
    ServFn: DeserializeOwned + ServerFn<Protocol = Http<PostUrl, OutputProtocol>> + Clone + Send + Sync + 'static,
    <<ServFn::Client as Client<ServFn::Error>>::Request as ClientReq<ServFn::Error>>::FormData: From<FormData>,
    ServFn::Output: Send + Sync + 'static,
    ServFn::Error: Send + Sync + 'static,
    <ServFn as ServerFn>::Client: Client<<ServFn as ServerFn>::Error>,
{
    view! {
        <ActionForm action=action attr:class="inline-form">
            <input type="hidden" name=name value=value/>
            <button type="submit" class=class aria-label=label>{button}</button>
        </ActionForm>
    }
}

/// A form about one building: the error of its last submission above it, the building's id
/// hidden in it, then its fields and button (the children).
#[component]
pub fn BuildingActionForm<ServFn>(
    /// What the form does.
    action: ServerAction<ServFn>,
    /// The building's id.
    building: String,
    /// The id of the heading that names the form, if one does.
    #[prop(optional)]
    labelled_by: Option<&'static str>,
    /// The fields and the button.
    children: Children,
) -> impl IntoView
where
    ServFn: DeserializeOwned + ServerFn<Protocol = Http<PostUrl, Json>, Error = AppError> + Clone + Send + Sync + 'static,
    <ServFn as ServerFn>::Client: Client<AppError>,
    <<ServFn as ServerFn>::Client as Client<AppError>>::Request: ClientReq<AppError>,
    <<<ServFn as ServerFn>::Client as Client<AppError>>::Request as ClientReq<AppError>>::FormData: From<FormData>,
    ServFn::Output: Send + Sync + 'static,
{
    view! {
        <ActionForm action=action attr:class="form" attr:aria-labelledby=labelled_by>
            <FormAlert value=action.value()/>
            <input type="hidden" name="building_id" value=building/>
            {children()}
        </ActionForm>
    }
}

/// A confirmation step whose form sends `name=value` to `action`: by default one danger button
/// ("Sí, desactivar"); the children are fields asked for before it (a reason, a reference).
#[component]
pub fn ConfirmAction<ServFn>(
    /// The question.
    title: String,
    /// What will happen.
    text: String,
    /// Where "No, volver" goes.
    back: String,
    /// `data-testid` of the panel.
    testid: &'static str,
    /// What the button does.
    action: ServerAction<ServFn>,
    /// The id field the action takes.
    name: &'static str,
    /// Its value.
    value: String,
    /// The button's text.
    button: &'static str,
    /// The button's class.
    #[prop(default = "button button--danger")]
    button_class: &'static str,
    /// The form's class (`form` when it has fields).
    #[prop(default = "inline-form")]
    form_class: &'static str,
    /// Whether the form shows the action's error above its fields.
    #[prop(optional)]
    alert: bool,
    /// Fields before the button.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView
where
    ServFn: DeserializeOwned + ServerFn<Protocol = Http<PostUrl, Json>, Error = AppError> + Clone + Send + Sync + 'static,
    <ServFn as ServerFn>::Client: Client<AppError>,
    <<ServFn as ServerFn>::Client as Client<AppError>>::Request: ClientReq<AppError>,
    <<<ServFn as ServerFn>::Client as Client<AppError>>::Request as ClientReq<AppError>>::FormData: From<FormData>,
    ServFn::Output: Send + Sync + 'static,
{
    view! {
        <ConfirmPanel title=title text=text back=back testid=testid>
            <ActionForm action=action attr:class=form_class>
                {alert.then(|| view! { <FormAlert value=action.value()/> })}
                <input type="hidden" name=name value=value/>
                {children.map(|fields| fields())}
                <button type="submit" class=button_class>{button}</button>
            </ActionForm>
        </ConfirmPanel>
    }
}

/// The actions cell of a row that can be switched off and on: an active row links to the
/// confirmation step of switching it off (`off`: where, and the link's accessible label); an
/// inactive one is switched back on in one click by `on` (the row's id field, and the label).
pub fn toggle_action<ServFn, OutputProtocol>(
    active: bool,
    off: (String, String),
    on: ServerAction<ServFn>,
    (name, value, label): (&'static str, String, String),
) -> AnyView
where
    ServFn: DeserializeOwned + ServerFn<Protocol = Http<PostUrl, OutputProtocol>> + Clone + Send + Sync + 'static,
    <<ServFn::Client as Client<ServFn::Error>>::Request as ClientReq<ServFn::Error>>::FormData: From<FormData>,
    ServFn::Output: Send + Sync + 'static,
    ServFn::Error: Send + Sync + 'static,
    <ServFn as ServerFn>::Client: Client<<ServFn as ServerFn>::Error>,
{
    if active {
        let (href, label) = off;
        view! { <RowLink href=href label=label text="Desactivar" kind="danger"/> }.into_any()
    } else {
        one_button_form(on, (name, value), "Reactivar", "button button--small", Some(label)).into_any()
    }
}

/// The two actions that switch a row off and back on (deactivate and reactivate, ban and
/// unban), made together because a screen that offers one offers the other.
pub struct Toggle<Off, On>
where
    Off: ServerFn + 'static,
    Off::Output: 'static,
    On: ServerFn + 'static,
    On::Output: 'static,
{
    /// Switches a row off (after its confirmation step).
    pub off: ServerAction<Off>,
    /// Switches it back on, in one click.
    pub on: ServerAction<On>,
}

impl<Off, On> Toggle<Off, On>
where
    Off: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    Off::Output: Send + Sync + 'static,
    On: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    On::Output: Send + Sync + 'static,
{
    /// Both actions, new.
    pub fn new() -> Self {
        Self { off: ServerAction::new(), on: ServerAction::new() }
    }

    /// The error of the last switch either way, above the screen's table.
    pub fn alerts(&self) -> impl IntoView {
        view! { <FormAlert value=self.off.value()/> <FormAlert value=self.on.value()/> }
    }
}

impl<Off, On> Default for Toggle<Off, On>
where
    Off: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    Off::Output: Send + Sync + 'static,
    On: ServerFn<Error = AppError> + Send + Sync + Clone + 'static,
    On::Output: Send + Sync + 'static,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<Off, On> Clone for Toggle<Off, On>
where
    Off: ServerFn + 'static,
    Off::Output: 'static,
    On: ServerFn + 'static,
    On::Output: 'static,
{
    fn clone(&self) -> Self {
        *self
    }
}

impl<Off, On> Copy for Toggle<Off, On>
where
    Off: ServerFn + 'static,
    Off::Output: 'static,
    On: ServerFn + 'static,
    On::Output: 'static,
{
}

/// How many submissions of a screen's actions have finished (their versions summed). Read in
/// the source of the screen's resource, it fetches the data again after any of them.
pub fn completions(versions: &[RwSignal<usize>]) -> usize {
    versions.iter().map(|version| version.get()).sum()
}

/// The page's query-string parameter `key`, when it is there and not empty.
pub fn query_param(query: Memo<ParamsMap>, key: &str) -> Option<String> {
    query.with(|q| q.get(key)).filter(|s| !s.is_empty())
}

/// The values of `keys` in the page's query string, in the order asked (empty when absent).
pub fn query_values<const N: usize>(query: Memo<ParamsMap>, keys: [&'static str; N]) -> [String; N] {
    query.with(|q| keys.map(|k| q.get(k).unwrap_or_default()))
}

/// Encodes `pairs` as a query string, leaving out empty values.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_skip_empty_values_and_encode() {
        assert_eq!(query_string(&[("a", "x y"), ("b", ""), ("c", "ñ")]), "a=x%20y&c=%C3%B1");
    }
}
