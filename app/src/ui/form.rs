//! Form building blocks shared by every area: labelled fields with their error text wired to
//! `aria-describedby`, client-side validation with the same domain parsers the server trusts,
//! and the summary alert. Everything renders meaningfully without JavaScript.

use crate::error::AppError;
use leptos::prelude::*;

/// A validator: the Spanish problem with a value, or `None` when it is fine.
pub type Validator = fn(&str) -> Option<String>;

/// The message for `name` in the latest result of a server action (`action.value()`).
pub fn server_field_error<S, T>(value: S, name: &'static str) -> Signal<Option<String>>
where
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    T: 'static,
{
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(e)) => e.field_message(name),
            _ => None,
        })
    })
}

/// A labelled input. `validate` runs in the browser when the field changes (and again while
/// the person fixes it); the server re-checks everything regardless.
#[component]
pub fn TextField(
    /// The form field name (= server function argument).
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// `type` attribute.
    #[prop(default = "text")]
    input_type: &'static str,
    /// `autocomplete` attribute.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Helper text under the label.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// Placeholder example.
    #[prop(optional)]
    placeholder: Option<&'static str>,
    /// The server's message for this field.
    #[prop(into)]
    server_error: Signal<Option<String>>,
    /// Browser-side check.
    #[prop(optional)]
    validate: Option<Validator>,
    /// `inputmode` attribute.
    #[prop(optional)]
    inputmode: Option<&'static str>,
    /// The initial value (a form prefilled for editing).
    #[prop(optional, into)]
    value: Option<String>,
) -> impl IntoView {
    let (local_error, set_local_error) = signal(None::<String>);
    let error = move || local_error.get().or_else(|| server_error.get());
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described_by = if hint.is_some() { format!("{hint_id} {error_id}") } else { error_id.clone() };
    let check = move |ev: leptos::ev::Event| {
        if let Some(validate) = validate {
            set_local_error.set(validate(&event_target_value(&ev)));
        }
    };
    let recheck = move |ev: leptos::ev::Event| {
        if local_error.get_untracked().is_some() {
            if let Some(validate) = validate {
                set_local_error.set(validate(&event_target_value(&ev)));
            }
        }
    };
    view! {
        <div class="field" class:field--invalid=move || error().is_some()>
            <label for=name>{label}</label>
            {hint.map(|h| view! { <p class="field__hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=name
                name=name
                type=input_type
                autocomplete=autocomplete
                placeholder=placeholder
                inputmode=inputmode
                value=value
                required=true
                aria-invalid=move || if error().is_some() { "true" } else { "false" }
                aria-describedby=described_by
                on:change=check
                on:input=recheck
            />
            <p class="field__error" id=error_id>{error}</p>
        </div>
    }
}

/// The frame every labelled control shares: the label, an optional hint, the control (the
/// children) and the error text. The control's own `aria-describedby` comes from
/// [`described_by`], so the hint and the error are read out with it.
#[component]
pub fn Field(
    /// The control's `id` and `name`.
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// Help under the label.
    #[prop(optional_no_strip)]
    hint: Option<&'static str>,
    /// The message shown for this field.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// The control.
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=name>{label}</label>
            {hint.map(|h| view! { <p class="field__hint" id=format!("{name}-hint")>{h}</p> })}
            {children()}
            <p class="field__error" id=format!("{name}-error")>{move || error.get()}</p>
        </div>
    }
}

/// The `aria-describedby` of the control `name`: its hint (when it has one) and its error text.
pub fn described_by(name: &str, hint: Option<&str>) -> String {
    match hint {
        Some(_) => format!("{name}-hint {name}-error"),
        None => format!("{name}-error"),
    }
}

/// The `aria-invalid` of a control whose message is `error`.
pub fn invalid(error: Signal<Option<String>>) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    move || if error.get().is_some() { "true" } else { "false" }
}

/// A labelled input with an optional initial value and hint and the server's message for it.
/// Unlike [`TextField`] it runs no check in the browser and is optional unless `required`.
#[component]
pub fn Input(
    /// Field name (= server function argument) and `id`.
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// `type` attribute.
    #[prop(default = "text")]
    input_type: &'static str,
    /// `autocomplete` attribute.
    #[prop(optional)]
    autocomplete: Option<&'static str>,
    /// Help under the label.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// Initial value.
    #[prop(optional, into)]
    value: Option<String>,
    /// `inputmode` attribute.
    #[prop(optional)]
    inputmode: Option<&'static str>,
    /// Whether the browser asks for a value before sending.
    #[prop(optional)]
    required: bool,
    /// The server's message for this field.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <Field name=name label=label hint=hint error=error>
            <input id=name name=name type=input_type value=value inputmode=inputmode autocomplete=autocomplete
                required=required aria-describedby=described_by(name, hint) aria-invalid=invalid(error)/>
        </Field>
    }
}

/// A labelled `<select>` with an optional hint and the server's message for it.
#[component]
pub fn Select(
    /// Field name (= server function argument) and `id`.
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// The choices, as (value, text) pairs.
    options: Vec<(String, String)>,
    /// The value chosen at first.
    #[prop(into)]
    selected: String,
    /// Help under the label.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// The server's message for this field.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <Field name=name label=label hint=hint error=error>
            <select id=name name=name aria-describedby=described_by(name, hint) aria-invalid=invalid(error)>
                {options.into_iter().map(|(v, t)| { let is = v == selected; view! { <option value=v selected=is>{t}</option> } }).collect_view()}
            </select>
        </Field>
    }
}

/// A labelled checkbox (sent as `on` when checked, absent when not).
#[component]
pub fn Check(
    /// Field name and `id`.
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// Initially checked.
    checked: bool,
) -> impl IntoView {
    view! {
        <div class="field field--check">
            <input id=name name=name type="checkbox" value="on" checked=checked/>
            <label for=name>{label}</label>
        </div>
    }
}

/// The summary above a form: the error message of the last submission, if any.
#[component]
pub fn FormAlert<S, T>(
    /// The action's value (`action.value()`).
    value: S,
) -> impl IntoView
where
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    T: 'static,
{
    let message = move || {
        value.with(|v| match v {
            Some(Err(e)) => Some(e.to_string()),
            _ => None,
        })
    };
    view! {
        <div class="form-alert-slot" aria-live="polite">
            {move || message().map(|m| view! { <p class="alert alert--error" role="alert">{m}</p> })}
        </div>
    }
}

/// A success or information notice.
#[component]
pub fn Notice(
    /// The text.
    text: String,
) -> impl IntoView {
    view! { <p class="alert alert--ok" role="status">{text}</p> }
}
