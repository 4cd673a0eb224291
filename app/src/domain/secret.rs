//! One-time secrets inside message texts (a password-reset code, and any later one such as a
//! phone-confirmation code). Staff screens, the database copy of a message and the logs only
//! ever hold the text rendered with [`MASK`] in the secret's place; the secret itself is sealed
//! apart and put back ([`reveal`]) only in the request to the WhatsApp provider.

/// What a one-time secret looks like wherever people other than its owner can read the text.
pub const MASK: &str = "••••••";

/// `text` (rendered with [`MASK`] in place of the secret) with the secret put back.
pub fn reveal(text: &str, secret: &str) -> String {
    text.replace(MASK, secret)
}

/// The content-template variables (rendered with [`MASK`]) with the secret put back in every
/// string value that carries the mask.
pub fn reveal_variables(variables: &serde_json::Value, secret: &str) -> serde_json::Value {
    match variables {
        serde_json::Value::String(s) => serde_json::Value::String(reveal(s, secret)),
        serde_json::Value::Object(map) => {
            serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), reveal_variables(v, secret))).collect())
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(items.iter().map(|v| reveal_variables(v, secret)).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mask_is_replaced_by_the_secret_and_nothing_else_changes() {
        let masked = format!("Tu código es: *{MASK}*\nVence en 10 minutos.");
        assert_eq!(reveal(&masked, "042917"), "Tu código es: *042917*\nVence en 10 minutos.");
        assert_eq!(reveal("Sin secreto", "042917"), "Sin secreto");
        let vars = serde_json::json!({ "1": MASK, "2": "Torre", "3": 10 });
        assert_eq!(reveal_variables(&vars, "042917"), serde_json::json!({ "1": "042917", "2": "Torre", "3": 10 }));
    }
}
