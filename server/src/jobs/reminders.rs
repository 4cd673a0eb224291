//! `booking-reminders`: an outbox event for every confirmed booking that starts within the next
//! hour, once per booking (a unique index on the outbox makes a second one impossible, however
//! often the job runs and on however many instances). The notification consumer turns the event
//! into the reminder for the visitor and the resident. A resident who opposed reminders
//! (`users.reminders_opt_out`, set on `/cuenta/mis-datos`) gets no reminder event at all.

use super::{JobContext, JobResult};

/// How far ahead a booking's reminder is due.
pub const REMINDER_LEAD_MINUTES: i32 = 60;

/// Enqueues the reminders now due.
pub async fn run(ctx: JobContext) -> JobResult {
    let enqueued = sqlx::query(
        "insert into outbox (event_type, event_version, aggregate_type, aggregate_id, building_id, payload)
         select 'booking.reminder_due', 1, 'booking', k.id::text, k.building_id,
                jsonb_build_object('booking_id', k.id)
           from bookings k
          where k.status = 'confirmed'
            and k.starts_at > $1
            and k.starts_at <= $1 + make_interval(mins => $2)
            -- opposition: a resident who turned reminders off gets none, nor does their visitor
            and not exists (select 1 from users u where u.id = k.resident_id and u.reminders_opt_out)
         on conflict (aggregate_id) where event_type = 'booking.reminder_due' do nothing",
    )
    .bind(ctx.now)
    .bind(REMINDER_LEAD_MINUTES)
    .execute(&ctx.pool)
    .await?
    .rows_affected();
    Ok(serde_json::json!({ "reminders": enqueued }))
}
