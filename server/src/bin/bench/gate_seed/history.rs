//! Blocks, bookings and access events, set-based: every spot gets a Día and a Noche block for each
//! day of the history and of the horizon, most of them booked, and each booking gets the status,
//! timestamps and access events that its life up to now would have left:
//!
//! * ended: mostly `checked_out` (a verification, a check-in and a check-out at the gate), some
//!   never came (`no_show` by the sweep, or `completed` where the building has no-show off); a
//!   few cars of the last ended blocks are still inside (`checked_in`, or `overstay` once the
//!   grace has passed);
//! * running: inside, or not yet arrived while the no-show grace lasts;
//! * ahead: `confirmed`;
//! * about one free block in ten had a booking that was cancelled before it started.
//!
//! Plates are Chilean-shaped (current, old and motorcycle formats), distinct per building, and
//! used with a skew: a handful of regular visitors come almost daily, most plates rarely. A plate
//! always visits the same resident. Visitor phones are left empty (optional in the schema):
//! encrypting them with their per-row AAD would need one round trip per booking.

use sqlx::PgConnection;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Days of history ending today.
    pub days: u32,
    /// Days after today.
    pub ahead: u32,
    /// Distinct plates per building.
    pub plates: u32,
    /// Residents per building.
    pub residents: u32,
}

/// Plates of each building (`idx` 0..plates), with the building number mixed in so no plate
/// belongs to two buildings. Each shape's number space is scrambled by an affine map that is a
/// bijection (multiplier coprime with the modulus), so plates look random and never collide.
const PLATES: &str = "
create temp table bench_plates on commit drop as
select b.id as building_id, i as idx,
       case when i % 20 = 7 then pg_temp.bench_letters(m / 100, 3) || lpad((m % 100)::text, 2, '0')
            when i % 4 = 3 then pg_temp.bench_letters(o / 10000, 2) || lpad((o % 10000)::text, 4, '0')
            else pg_temp.bench_letters(c / 100, 4) || lpad((c % 100)::text, 2, '0') end as plate
  from buildings b
 cross join generate_series(0, $1 - 1) i
 cross join lateral (select (regexp_replace(b.name, '\\D', '', 'g'))::bigint as n) bn
 cross join lateral (select ((bn.n * 10000 + i) * 7919 + 104729) % 10497600 as c,
                            ((bn.n * 2500 + i / 4) * 7919 + 104729) % 3240000 as o,
                            ((bn.n * 500 + i / 20) * 7919 + 104729) % 583200 as m) x";

/// The bookings. Three layers, each fenced with `offset 0` so that a random value drawn once
/// per row is the same value wherever the next layer reads it.
const BOOKINGS: &str = "
insert into bookings (block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate,
                      base_price_clp, amount_clp, commission_rate_bp, platform_commission_clp, building_share_clp,
                      status, payment_status, confirmation_code, guest_pass_token, hold_expires_at, confirmed_at,
                      cancelled_at, cancelled_by, cancel_reason, checked_in_at, checked_out_at, no_show_at,
                      completed_at, created_at)
select f.id, f.spot_id, f.building_id, r.user_id, f.during,
       (array['Pedro Pérez', 'María González', 'Juan Muñoz', 'Camila Rojas', 'Diego Díaz', 'Valentina Soto',
              'José Contreras', 'Francisca Silva', 'Matías Martínez', 'Catalina Sepúlveda', 'Benjamín Morales',
              'Javiera Rodríguez', 'Tomás López', 'Antonia Fuentes', 'Vicente Hernández', 'Isidora Torres',
              'Martín Araya', 'Florencia Flores', 'Sebastián Espinoza', 'Sofía Valenzuela'])[1 + f.plate_idx % 20],
       p.plate, f.base_price_clp, f.base_price_clp, f.rate,
       (f.base_price_clp * f.rate + 9999) / 10000,
       f.base_price_clp - (f.base_price_clp * f.rate + 9999) / 10000,
       f.status, case when f.status = 'cancelled' then 'refunded' else 'paid' end,
       pg_temp.bench_code(f.seq), format('%s_%s', f.seq, substr(md5(random()::text), 1, 24)),
       f.created_at + interval '15 minutes', f.created_at + interval '2 minutes',
       case when f.status = 'cancelled' then least(now(), f.created_at + (f.starts_at - f.created_at) * f.r_in) end,
       case when f.status = 'cancelled' then r.user_id end,
       case when f.status = 'cancelled' then 'Cambio de planes' end,
       case when f.status in ('checked_in', 'checked_out', 'overstay') then f.checked_in_at end,
       case when f.status = 'checked_out' then f.checked_in_at + (f.ends_at - f.checked_in_at) * (0.3 + 0.7 * f.r_out) end,
       case when f.status = 'no_show' then f.starts_at + make_interval(mins => f.no_show_grace_minutes) end,
       case when f.status = 'completed' then f.ends_at end,
       f.created_at
  from (
        select s.*,
               case when s.block_status = 'available' then 'cancelled'
                    when s.ends_at <= now() then
                         case when s.ends_at > now() - interval '12 hours' and s.r_fate < 0.05 then
                                   case when now() >= s.ends_at + make_interval(mins => s.overstay_grace_minutes)
                                        then 'overstay' else 'checked_in' end
                              when s.r_fate < 0.12 then case when s.no_show_enabled then 'no_show' else 'completed' end
                              else 'checked_out' end
                    when s.starts_at <= now() then
                         case when now() < s.starts_at + make_interval(mins => s.no_show_grace_minutes) then
                                   case when s.r_fate < 0.5 then 'checked_in' else 'confirmed' end
                              when s.r_fate < 0.88 then 'checked_in'
                              when s.no_show_enabled then 'no_show'
                              else 'confirmed' end
                    else 'confirmed' end as status,
               least(s.starts_at - interval '2 hours' - s.r_created * interval '6 days',
                     now() - s.r_created * interval '1 hour') as created_at,
               -- check-in from 10 minutes before the start to the end (or now, if running)
               s.starts_at - interval '10 minutes'
                   + s.r_in * (least(now(), s.ends_at) - s.starts_at + interval '10 minutes') as checked_in_at
          from (
                select a.id, a.spot_id, a.building_id, a.during, a.starts_at, a.ends_at, a.base_price_clp,
                       a.status as block_status, b.no_show_enabled, b.no_show_grace_minutes,
                       b.overstay_grace_minutes, b.commission_rate_bp as rate,
                       random() as r_fate, random() as r_created, random() as r_in, random() as r_out,
                       random() as r_cancel, floor($1 * random() ^ 2)::int as plate_idx,
                       nextval('bench_booking_seq') as seq
                  from availability_blocks a join buildings b on b.id = a.building_id
                offset 0
               ) s
         where s.block_status = 'reserved' or s.r_cancel < 0.10
        offset 0
       ) f
  join bench_plates p on p.building_id = f.building_id and p.idx = f.plate_idx
  join bench_residents r on r.building_id = f.building_id and r.idx = f.plate_idx % $2";

/// Inserts the history in `tx`; prints progress on stderr.
pub async fn insert(tx: &mut PgConnection, shape: &Shape) -> anyhow::Result<()> {
    helpers(tx, shape).await?;
    let blocks = sqlx::query(
        "insert into availability_blocks (spot_id, building_id, template_id, starts_at, ends_at, base_price_clp, status)
         select s.id, s.building_id, t.id, x.starts_at, x.starts_at + make_interval(mins => t.duration_minutes),
                t.base_price_clp,
                -- most of the past is booked; demand thins out towards the end of the horizon
                case when random() < case when d <= 0 then 0.85 else 0.75 - 0.03 * d end
                     then 'reserved' else 'available' end
           from visitor_spots s
           join buildings b on b.id = s.building_id
           join block_templates t on t.building_id = s.building_id
          cross join generate_series(1 - $1, $2) d
          cross join lateral (
                select (((now() at time zone b.time_zone)::date + d) + t.start_local) at time zone b.time_zone
                       as starts_at) x",
    )
    .bind(i32::try_from(shape.days)?)
    .bind(i32::try_from(shape.ahead)?)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    eprintln!("{blocks} availability blocks");
    let bookings = sqlx::query(BOOKINGS)
        .bind(f64::from(shape.plates))
        .bind(i32::try_from(shape.residents)?)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    eprintln!("{bookings} bookings");
    let events = access_events(tx, shape).await?;
    eprintln!("{events} access events");
    checks(tx).await?;
    sqlx::raw_sql(
        "drop function pg_temp.bench_letters(bigint, integer); drop function pg_temp.bench_code(bigint);
         drop sequence bench_booking_seq;",
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Session-local functions and tables the statements above use; all gone at commit (the
/// functions are dropped explicitly, since the connection goes back to the pool).
async fn helpers(tx: &mut PgConnection, shape: &Shape) -> anyhow::Result<()> {
    sqlx::raw_sql(
        "create function pg_temp.bench_letters(x bigint, n integer) returns text language sql immutable as $$
             select string_agg(substr('BCDFGHJKLPRSTVWXYZ', ((x / (18::numeric ^ j)::bigint) % 18)::int + 1, 1), '' order by j)
               from generate_series(0, n - 1) j
         $$;
         -- a confirmation code from a serial number: the serial scrambled (bijectively: the multiplier,
         -- about 0.62 of the modulus, is prime to 31) over 31^8
         create function pg_temp.bench_code(k bigint) returns text language sql immutable as $$
             select string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', ((v.x / (31::numeric ^ j)::bigint) % 31)::int + 1, 1), '' order by j)
               from (select ((k::numeric * 527106281917 + 123456789) % 852891037441)::bigint as x) v, generate_series(0, 7) j
         $$;
         create temp sequence bench_booking_seq;
         create temp table bench_residents on commit drop as
         select building_id, (row_number() over (partition by building_id order by email) - 1)::int as idx, id as user_id
           from users where role = 'resident';
         create temp table bench_concierges on commit drop as
         select building_id, id as user_id from users where role = 'concierge';",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query(PLATES).bind(i32::try_from(shape.plates)?).execute(&mut *tx).await?;
    sqlx::raw_sql(
        "create index on bench_plates (building_id, idx); create index on bench_residents (building_id, idx);
         analyze bench_plates; analyze bench_residents;",
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The gate's history: for every car that came, the verification that let it in, the check-in
/// and (once gone) the check-out, by the building's concierge; the sweep's no-shows; and about
/// four denied verifications a day per building of plates that had no booking there.
async fn access_events(tx: &mut PgConnection, shape: &Shape) -> anyhow::Result<u64> {
    let from_bookings = sqlx::query(
        "insert into access_events (booking_id, building_id, actor_id, kind, plate_observed, query_text, reason,
                                    occurred_at, created_at)
         select k.id, k.building_id, e.actor, e.kind, k.visitor_plate, e.query, e.reason, e.at, e.at
           from bookings k
           join bench_concierges c on c.building_id = k.building_id
          cross join lateral (values
                ('verify_allowed', c.user_id, k.checked_in_at - interval '1 minute', k.visitor_plate, null),
                ('check_in', c.user_id, k.checked_in_at, null, null),
                ('check_out', c.user_id, k.checked_out_at, null, null),
                ('no_show', null, k.no_show_at, null, 'Marcado automáticamente al vencer la tolerancia')
               ) e(kind, actor, at, query, reason)
          where e.at is not null",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let denied = sqlx::query(
        "with pairs as (
             select c.building_id, c.user_id,
                    coalesce(lead(c.building_id) over w, first_value(c.building_id) over w) as other
               from bench_concierges c
             window w as (order by c.building_id rows between unbounded preceding and unbounded following)
         )
         insert into access_events (building_id, actor_id, kind, plate_observed, query_text, reason, occurred_at, created_at)
         select c.building_id, c.user_id, 'verify_denied', p.plate, lower(p.plate),
                'No hay una reserva para esta patente o código en este edificio.', x.at, x.at
           from pairs c
          cross join generate_series(1, $1 * 4) n
           join bench_plates p on p.building_id = c.other and p.idx = n % $2
          cross join lateral (select now() - random() * $1 * interval '1 day' as at) x",
    )
    .bind(i32::try_from(shape.days)?)
    .bind(i32::try_from(shape.plates)?)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    Ok(from_bookings + denied)
}

/// What the rest of the bench relies on: no plate in two buildings, and no resident over the
/// building's limit of active bookings (the booking transaction would have refused it).
async fn checks(tx: &mut PgConnection) -> anyhow::Result<()> {
    let shared: i64 =
        sqlx::query_scalar("select count(*) from (select plate from bench_plates group by plate having count(*) > 1) d")
            .fetch_one(&mut *tx)
            .await?;
    anyhow::ensure!(shared == 0, "{shared} plates generated for two buildings");
    let over: i64 = sqlx::query_scalar(concat!(
        "select count(*) from (
             select k.resident_id from bookings k join buildings b on b.id = k.building_id
              where k.status in ",
        app::active_statuses!(),
        "
              group by k.resident_id, b.max_active_bookings_per_resident
             having count(*) > b.max_active_bookings_per_resident) o"
    ))
    .fetch_one(&mut *tx)
    .await?;
    anyhow::ensure!(over == 0, "{over} residents over their building's active-booking limit");
    Ok(())
}
