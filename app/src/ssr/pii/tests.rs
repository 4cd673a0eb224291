use super::*;
use crate::ssr::keys::KeyRing;

fn crypto() -> (Vault, BlindIndexer) {
    let ring = KeyRing::for_testing();
    (Vault::new(&ring), BlindIndexer::new(&ring).unwrap())
}

/// Sign-up, login, the blocklist and the seed all go through `Rut::parse` and
/// `PiiValue::rut`, so however a RUT is typed it lands on the same index.
#[test]
fn rut_blind_index_is_equal_across_input_formats() {
    let (_, indexer) = crypto();
    let spellings = ["12.345.678-5", "123456785", "12345678-5", " 12 345 678‐5 ", "012345678-5"];
    let indexes: Vec<BlindIndex> =
        spellings.iter().map(|s| PiiValue::rut(Rut::parse(s).unwrap()).blind_index(&indexer)).collect();
    let expected = indexer.index(BlindField::Rut, "12345678-5");
    for (spelling, index) in spellings.iter().zip(&indexes) {
        assert_eq!(*index, expected, "{spelling}");
    }
    // A K check digit is canonical upper-case whatever was typed.
    let lower = PiiValue::rut(Rut::parse("10.000.013-k").unwrap());
    let upper = PiiValue::rut(Rut::parse("10000013K").unwrap());
    assert_eq!(lower.expose(), "10000013-K");
    assert_eq!(lower.blind_index(&indexer), upper.blind_index(&indexer));
}

#[test]
fn phone_email_plate_and_ip_indexes_ignore_spelling() {
    let (_, indexer) = crypto();
    let phone = |s: &str| PiiValue::phone(&MobilePhone::parse(s).unwrap()).blind_index(&indexer);
    assert_eq!(phone("+56 9 1234 5678"), phone("912345678"));
    let email = |s: &str| PiiValue::email(&Email::parse(s).unwrap()).blind_index(&indexer);
    assert_eq!(email(" Ana@Example.CL "), email("ana@example.cl"));
    let plate = |s: &str| PiiValue::plate(&Plate::parse(s).unwrap()).blind_index(&indexer);
    assert_eq!(plate("kh-jt·52"), plate("KHJT52"));
    let ip = |s: &str| PiiValue::ip(s.parse().unwrap()).blind_index(&indexer);
    assert_eq!(ip("::ffff:192.0.2.1"), ip("192.0.2.1"));
}

#[test]
fn seal_round_trips_with_the_column_aad_only() {
    let (vault, indexer) = crypto();
    let row = "0b6f3c1e-7f1a-4f0e-9a57-1c2d3e4f5a6b";
    let rut = PiiValue::rut(Rut::parse("12.345.678-5").unwrap());
    let sealed = RESIDENT_RUT.seal(&vault, &indexer, row, &rut).unwrap();
    assert_eq!(vault.decrypt(&sealed.enc, &RESIDENT_RUT.aad(row)).unwrap(), "12345678-5");
    assert!(vault.decrypt(&sealed.enc, &USER_PHONE.aad(row)).is_err());
    assert_eq!(sealed.bidx, indexer.index(BlindField::Rut, "12345678-5").to_vec());
    assert!(matches!(USER_PHONE.seal(&vault, &indexer, row, &rut), Err(PiiError::WrongField { .. })));
    // The blocklist takes any field; its kind column says which.
    assert!(BLOCKLIST_VALUE.seal(&vault, &indexer, row, &rut).is_ok());
    assert_eq!(BLOCKLIST_VALUE.field(Some("rut")), Some(BlindField::Rut));
    assert_eq!(BLOCKLIST_VALUE.field(Some("nope")), None);
    assert_eq!(RESIDENT_RUT.field(None), Some(BlindField::Rut));
    assert_eq!(RESET_CODE.field(None), None);
    assert!(matches!(RESET_CODE.seal(&vault, &indexer, row, &rut), Err(PiiError::NotIndexed { .. })));
    // The short constructors are the columns' AAD.
    assert_eq!(resident_rut(row), RESIDENT_RUT.aad(row));
    assert_eq!(reset_code(row), Aad::new("password_resets", "code_enc", row));
    assert_eq!(format!("{rut:?}"), "PiiValue(rut, [REDACTED])");
}

#[test]
fn an_unreadable_value_displays_as_unavailable_not_as_absent() {
    let (vault, _) = crypto();
    let row = "0b6f3c1e-7f1a-4f0e-9a57-1c2d3e4f5a6b";
    let blob = vault.encrypt("+56912345678", &USER_PHONE.aad(row)).unwrap();
    let masked = |p: &str| MobilePhone::parse(p).ok().map(|p| p.masked());
    assert_eq!(USER_PHONE.display(&vault, row, &blob, masked), "+56 9 •••• 5678");
    let mut tampered = blob.clone();
    *tampered.last_mut().unwrap() ^= 1;
    assert_eq!(USER_PHONE.display(&vault, row, &tampered, masked), UNAVAILABLE);
    // Another row's ciphertext, or a plaintext that no longer parses, is not shown either.
    let other = "1b6f3c1e-7f1a-4f0e-9a57-1c2d3e4f5a6b";
    assert_eq!(USER_PHONE.display(&vault, other, &blob, masked), UNAVAILABLE);
    let garbage = vault.encrypt("no es un celular", &USER_PHONE.aad(row)).unwrap();
    assert_eq!(USER_PHONE.display(&vault, row, &garbage, masked), UNAVAILABLE);
    assert!(USER_PHONE.open(&vault, row, &tampered).is_err());
}

#[test]
fn kinds_and_fields_map_both_ways() {
    for field in BlindField::ALL {
        assert_eq!(field_of_kind(blocklist_kind(field)), Some(field));
    }
}
