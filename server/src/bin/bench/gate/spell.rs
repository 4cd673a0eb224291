//! How concierges type: plates with or without dashes, dots and spaces, in any case; codes split
//! or lower case. The gate must find the same booking whichever way it was typed.

/// Six ways a concierge types `KHJT52`: as is, `khjt52`, `KHJT-52`, `kh jt 52`, `Kh.Jt.52`,
/// `KH-JT-52` (the gate must find the same booking for each).
pub fn spell_plate(plate: &str, n: usize) -> String {
    let digits_at = plate.find(|c: char| c.is_ascii_digit()).unwrap_or(plate.len());
    let (letters, digits) = plate.split_at(digits_at);
    let pairs = |sep: &str, f: &dyn Fn(usize, char) -> char| {
        let chars: Vec<char> = plate.chars().enumerate().map(|(i, c)| f(i, c)).collect();
        chars.chunks(2).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(sep)
    };
    match n % 6 {
        0 => plate.to_string(),
        1 => plate.to_lowercase(),
        2 => format!("{letters}-{digits}"),
        3 => pairs(" ", &|_, c| c.to_ascii_lowercase()),
        4 => pairs(".", &|i, c| if i % 2 == 0 { c } else { c.to_ascii_lowercase() }),
        _ => pairs("-", &|_, c| c),
    }
}

/// Four ways to type a code: as is, lower case, `ABCD-2345`, `abcd 2345`.
pub fn spell_code(code: &str, n: usize) -> String {
    let (a, b) = code.split_at(code.len() / 2);
    match n % 4 {
        0 => code.to_string(),
        1 => code.to_lowercase(),
        2 => format!("{a}-{b}"),
        _ => format!("{} {}", a.to_lowercase(), b.to_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::{code::ConfirmationCode, plate::Plate};

    #[test]
    fn every_spelling_parses_back_to_the_same_plate_or_code() {
        for plate in ["KHJT52", "AB1234", "BBB12", "BB123"] {
            for n in 0..6 {
                let typed = spell_plate(plate, n);
                assert_eq!(Plate::parse(&typed).map(|p| p.as_str().to_string()).ok().as_deref(), Some(plate), "{typed}");
            }
        }
        for n in 0..4 {
            let typed = spell_code("ABCD2345", n);
            assert_eq!(ConfirmationCode::parse(&typed).map(|c| c.as_str().to_string()).ok().as_deref(), Some("ABCD2345"));
        }
    }
}
