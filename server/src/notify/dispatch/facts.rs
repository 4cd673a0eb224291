//! What booking messages say, loaded and decrypted once per event.

use super::{decrypt, user_phone, DispatchError, NewMessage};
use crate::notify::templates::{BookingConfirmed, BookingReminder};
use app::domain::phone::MobilePhone;
use app::ssr::{pii, AppState};
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

/// What booking messages say, loaded and decrypted once per event.
pub(super) struct BookingFacts {
    pub(super) id: Uuid,
    pub(super) resident_id: Uuid,
    pub(super) building_id: Uuid,
    pub(super) status: String,
    pub(super) starts_at: DateTime<Utc>,
    pub(super) building: String,
    pub(super) address: String,
    pub(super) spot: String,
    pub(super) window: String,
    pub(super) visitor: Option<String>,
    pub(super) plate: String,
    pub(super) code: String,
    pub(super) pass_url: String,
    pub(super) resident_name: String,
    pub(super) visitor_phone: Option<MobilePhone>,
    pub(super) resident_phone: Option<MobilePhone>,
}

/// A booking with its building, spot and resident, as stored (phones still sealed).
#[derive(sqlx::FromRow)]
struct FactsRow {
    resident_id: Uuid,
    building_id: Uuid,
    status: String,
    building: String,
    address: String,
    time_zone: String,
    spot: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    visitor_name: Option<String>,
    visitor_plate: Option<String>,
    confirmation_code: String,
    guest_pass_token: String,
    visitor_phone_enc: Option<Vec<u8>>,
    resident_phone_enc: Option<Vec<u8>>,
    resident_name: String,
}

impl BookingFacts {
    pub(super) async fn load(
        state: &AppState,
        tx: &mut Transaction<'_, Postgres>,
        booking_id: Uuid,
    ) -> Result<Option<Self>, DispatchError> {
        let row: Option<FactsRow> = sqlx::query_as(
            "select k.resident_id, k.building_id, k.status, b.name as building, b.address, b.time_zone,
                    s.number as spot, k.starts_at, k.ends_at, k.visitor_name, k.visitor_plate, k.confirmation_code,
                    k.guest_pass_token, k.visitor_phone_enc, u.phone_enc as resident_phone_enc,
                    coalesce(p.first_name, u.full_name) as resident_name
               from bookings k
               join buildings b on b.id = k.building_id
               join visitor_spots s on s.id = k.spot_id
               join users u on u.id = k.resident_id
               left join resident_profiles p on p.user_id = u.id
              where k.id = $1",
        )
        .bind(booking_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(FactsRow {
            resident_id,
            building_id,
            status,
            building,
            address,
            time_zone: zone,
            spot,
            starts_at: start,
            ends_at: end,
            visitor_name: visitor,
            visitor_plate: plate,
            confirmation_code: code,
            guest_pass_token: token,
            visitor_phone_enc: visitor_phone,
            resident_phone_enc: resident_phone,
            resident_name,
        }) = row
        else {
            return Ok(None);
        };
        let tz: chrono_tz::Tz = zone.parse().map_err(|_| DispatchError::Event(format!("zone {zone}")))?;
        let visitor_phone = match visitor_phone {
            Some(enc) => {
                let text = decrypt(state, &enc, &pii::visitor_phone(&booking_id.to_string()))?;
                Some(MobilePhone::parse(&text).map_err(|_| DispatchError::Event("visitor phone".into()))?)
            }
            None => None,
        };
        let resident_phone = match resident_phone {
            Some(enc) => Some(user_phone(state, resident_id, &enc)?),
            None => None,
        };
        Ok(Some(Self {
            id: booking_id,
            resident_id,
            building_id,
            status,
            starts_at: start,
            building,
            address,
            spot,
            window: app::domain::format::window_label(start, end, tz),
            visitor,
            plate: plate
                .map(|p| app::domain::plate::Plate::parse(&p).map(|p| p.pretty()).unwrap_or(p))
                .unwrap_or_default(),
            code: app::domain::code::ConfirmationCode::parse(&code).map(|c| c.to_string()).unwrap_or(code),
            pass_url: format!("{}/pase/{token}", state.settings.public_origin),
            resident_name,
            visitor_phone,
            resident_phone,
        }))
    }

    pub(super) fn confirmed<'a>(&'a self, name: &'a str, intro: &'a str) -> BookingConfirmed<'a> {
        BookingConfirmed {
            name,
            intro,
            building: &self.building,
            address: &self.address,
            spot: &self.spot,
            window: &self.window,
            plate: &self.plate,
            code: &self.code,
            pass_url: &self.pass_url,
        }
    }

    pub(super) fn reminder<'a>(&'a self, name: &'a str, intro: &'a str) -> BookingReminder<'a> {
        BookingReminder {
            name,
            intro,
            building: &self.building,
            address: &self.address,
            spot: &self.spot,
            window: &self.window,
            plate: &self.plate,
            code: &self.code,
            pass_url: &self.pass_url,
        }
    }

    /// A message about this booking; one per kind and audience, whatever the event delivery.
    pub(super) fn message<'a>(
        &self,
        kind: &'a str,
        audience: &'a str,
        phone: &'a MobilePhone,
        body: String,
        variables: serde_json::Value,
        event_id: i64,
    ) -> NewMessage<'a> {
        NewMessage {
            kind,
            audience,
            user_id: (audience == "resident").then_some(self.resident_id),
            booking_id: Some(self.id),
            building_id: Some(self.building_id),
            phone,
            idempotency_key: format!("{kind}:{}:{audience}", self.id),
            body,
            variables,
            secret: None,
            event_id,
        }
    }
}
