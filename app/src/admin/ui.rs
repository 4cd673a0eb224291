//! Small pieces the administration screens share: the building filter and the pager.

use super::BuildingChoice;
use leptos::prelude::*;

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
        view! {
            <div class="field">
                <label for="edificio">"Edificio"</label>
                <select id="edificio" name="edificio">
                    <option value="" selected=selected.is_empty()>{all_label}</option>
                    {buildings.into_iter().map(|b| {
                        let is = b.id == selected;
                        view! { <option value=b.id selected=is>{b.name}</option> }
                    }).collect_view()}
                </select>
            </div>
        }
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

/// "Anterior / Página N de M / Siguiente" links that keep the rest of the query string.
#[component]
pub fn Pager(
    /// The page's path (`/admin/reservas`).
    path: &'static str,
    /// The query string without `pagina` (already URL-encoded, may be empty).
    query: String,
    /// The current page, from 1.
    page: u32,
    /// The number of pages (at least 1).
    pages: u32,
) -> impl IntoView {
    let link = move |p: u32| {
        if query.is_empty() {
            format!("{path}?pagina={p}")
        } else {
            format!("{path}?{query}&pagina={p}")
        }
    };
    view! {
        <nav class="pager" aria-label="Paginación">
            {(page > 1).then(|| view! { <a href=link(page - 1) rel="prev">"Anterior"</a> })}
            <span>{format!("Página {page} de {pages}")}</span>
            {(page < pages).then(|| view! { <a href=link(page + 1) rel="next">"Siguiente"</a> })}
        </nav>
    }
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
