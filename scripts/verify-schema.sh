#!/usr/bin/env bash
# Applies every migration to a throwaway database and checks the schema's invariants:
#   (a) overlapping active bookings of one spot are refused (bookings_no_overlap, 23P01),
#       including a 23 h booking against an 11 h booking of the same night;
#   (b) a cancelled booking frees its range;
#   (c) 50 concurrent sessions racing for one spot leave exactly one active booking;
#   (d) audit_log (and access_events) refuse update, delete and truncate;
#   (e) check, unique and foreign-key constraints refuse bad values with their names.
# Prints PASS/FAIL lines; exits non-zero on any failure. Idempotent; drops the database at the end
# (KEEP_DB=1 keeps it for inspection).
#
# Connection: PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres); trust auth or PGPASSWORD.
set -uo pipefail

cd "$(dirname "$0")/.."
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
DB=estacionate_schema_check
WORKERS=50
TMP="$(mktemp -d)"
failures=0

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

cleanup() {
    rm -rf "$TMP"
    if [[ "${KEEP_DB:-0}" != 1 ]]; then
        psql -X -q -d postgres -c "drop database if exists $DB with (force)" >/dev/null 2>&1
    fi
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
# Fresh database, every migration in version order
# ---------------------------------------------------------------------------------------------
psql -X -q -v ON_ERROR_STOP=1 -d postgres \
    -c "drop database if exists $DB with (force)" \
    -c "create database $DB" >/dev/null || { echo "FAIL cannot create database $DB"; exit 1; }

shopt -s nullglob
migrations=(migrations/*.sql)
if [[ ${#migrations[@]} -eq 0 ]]; then echo "FAIL no migrations found"; exit 1; fi
for f in $(printf '%s\n' "${migrations[@]}" | sort); do
    if out=$(psql_db -1 -f "$f" 2>&1 >/dev/null); then
        pass "migration applies: $(basename "$f")"
    else
        fail "migration applies: $(basename "$f")"; echo "$out"; exit 1
    fi
done

# ---------------------------------------------------------------------------------------------
# Test helpers (schema verify, only in the throwaway database) and fixtures
# ---------------------------------------------------------------------------------------------
psql_db >/dev/null <<'SQL' || { echo "FAIL fixtures"; exit 1; }
create schema verify;

-- Runs stmt and expects it to fail with the given SQLSTATE and constraint name.
create function verify.expect_error(label text, stmt text, want_state text, want_constraint text)
    returns text language plpgsql as $$
declare
    st text; cn text; msg text;
begin
    begin
        execute stmt;
    exception when others then
        get stacked diagnostics st = returned_sqlstate, cn = constraint_name, msg = message_text;
        if st = want_state and (want_constraint is null or cn = want_constraint) then
            return 'PASS ' || label || ' -> ' || st || coalesce(' ' || nullif(cn, ''), '');
        end if;
        return 'FAIL ' || label || ': got ' || st || ' ' || coalesce(cn, '') || ' (' || msg || ')';
    end;
    return 'FAIL ' || label || ': statement succeeded';
end $$;

-- Runs stmt and expects it to succeed (its effects are kept).
create function verify.expect_ok(label text, stmt text)
    returns text language plpgsql as $$
declare
    st text; msg text;
begin
    execute stmt;
    return 'PASS ' || label;
exception when others then
    get stacked diagnostics st = returned_sqlstate, msg = message_text;
    return 'FAIL ' || label || ': ' || st || ' ' || msg;
end $$;

create function verify.expect_true(label text, cond boolean)
    returns text language sql as $$
    select case when cond then 'PASS ' else 'FAIL ' end || label
$$;

-- Books a block the way the application does: copies spot, building and range, prices exactly.
create function verify.book(p_block uuid, p_resident uuid, p_code text, p_token text,
                            p_plate text default 'BBCL12')
    returns uuid language plpgsql as $$
declare
    b availability_blocks;
    rate integer;
    amount bigint;
    commission bigint;
    new_id uuid;
begin
    select * into b from availability_blocks where id = p_block;
    select commission_rate_bp into rate from buildings where id = b.building_id;
    amount := b.base_price_clp;
    commission := (amount * rate + 9999) / 10000;
    insert into bookings (block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate,
                          base_price_clp, multiplier_bp, amount_clp, commission_rate_bp,
                          platform_commission_clp, building_share_clp, confirmation_code, guest_pass_token,
                          hold_expires_at)
    values (b.id, b.spot_id, b.building_id, p_resident, b.during, 'Visita Prueba', p_plate,
            b.base_price_clp, 10000, amount, rate, commission, amount - commission, p_code, p_token,
            now() + interval '15 minutes')
    returning id into new_id;
    return new_id;
end $$;

-- Fixtures. Fixed ids: building b1 (+ b2), admin a1, residents r1 r2 (b1) r3 (b2), spots s1 s2 s3.
insert into buildings (id, name, address) values
    ('00000000-0000-0000-0000-0000000000b1', 'Edificio Uno', 'Av. Providencia 1234'),
    ('00000000-0000-0000-0000-0000000000b2', 'Edificio Dos', 'Av. Apoquindo 5678');
insert into users (id, email, password_hash, role, building_id, status, full_name) values
    ('00000000-0000-0000-0000-0000000000a1', 'admin@example.cl', 'x', 'admin', null, 'active', 'Admin'),
    ('00000000-0000-0000-0000-0000000000c1', 'conserje@example.cl', 'x', 'concierge',
     '00000000-0000-0000-0000-0000000000b1', 'active', 'Conserje'),
    ('00000000-0000-0000-0000-0000000000e1', 'rep@example.cl', 'x', 'sales_rep', null, 'active', 'Rep'),
    ('00000000-0000-0000-0000-0000000000f1', 'r1@example.cl', 'x', 'resident',
     '00000000-0000-0000-0000-0000000000b1', 'active', 'Residente Uno'),
    ('00000000-0000-0000-0000-0000000000f2', 'r2@example.cl', 'x', 'resident',
     '00000000-0000-0000-0000-0000000000b1', 'active', 'Residente Dos'),
    ('00000000-0000-0000-0000-0000000000f3', 'r3@example.cl', 'x', 'resident',
     '00000000-0000-0000-0000-0000000000b2', 'active', 'Residente Tres');
update buildings set sales_rep_id = '00000000-0000-0000-0000-0000000000e1'
 where id = '00000000-0000-0000-0000-0000000000b1';
insert into units (id, building_id, number, floor) values
    ('00000000-0000-0000-0000-0000000000d1', '00000000-0000-0000-0000-0000000000b1', '101', 1),
    ('00000000-0000-0000-0000-0000000000d2', '00000000-0000-0000-0000-0000000000b2', '101', 1);
insert into resident_profiles (user_id, building_id, unit_id, rut_enc, rut_bidx, first_name, last_name) values
    ('00000000-0000-0000-0000-0000000000f1', '00000000-0000-0000-0000-0000000000b1',
     '00000000-0000-0000-0000-0000000000d1', '\x01', decode(repeat('11', 32), 'hex'), 'Residente', 'Uno');
insert into visitor_spots (id, building_id, number, map_x, map_y) values
    ('00000000-0000-0000-0000-000000000051', '00000000-0000-0000-0000-0000000000b1', 'V-01', 100, 100),
    ('00000000-0000-0000-0000-000000000052', '00000000-0000-0000-0000-0000000000b1', 'V-02', 200, 100),
    ('00000000-0000-0000-0000-000000000053', '00000000-0000-0000-0000-0000000000b2', 'V-01', 100, 100);
insert into block_templates (id, building_id, name, start_local, duration_minutes, base_price_clp) values
    ('00000000-0000-0000-0000-000000000071', '00000000-0000-0000-0000-0000000000b1', 'Día', '08:00', 660, 5000),
    ('00000000-0000-0000-0000-000000000072', '00000000-0000-0000-0000-0000000000b1', 'Noche', '20:00', 660, 5000),
    ('00000000-0000-0000-0000-000000000073', '00000000-0000-0000-0000-0000000000b1', 'Día completo', '08:00', 1380, 8000);

-- Blocks on spot s1 for the night of 2030-01-10 (America/Santiago):
--   D1 Día 10th 08-19, N1 Noche 10th 20:00 - 11th 07:00 (11 h), F1 Día completo 10th 08:00 - 11th 07:00 (23 h),
--   D2 Día 11th 08-19 (touches nothing), E1 manual 19:00-20:00 on the 10th (adjacent to D1 and N1);
-- C1 Noche 2030-02-01 on spot s2 (concurrency); X1 on spot s3 of building b2.
insert into availability_blocks (id, spot_id, building_id, template_id, starts_at, ends_at, base_price_clp)
select id::uuid, spot::uuid, bld::uuid, tpl::uuid,
       s::timestamp at time zone 'America/Santiago', e::timestamp at time zone 'America/Santiago', price
from (values
    ('00000000-0000-0000-0000-0000000000d0', '00000000-0000-0000-0000-000000000051', '00000000-0000-0000-0000-0000000000b1',
     '00000000-0000-0000-0000-000000000071', '2030-01-10 08:00', '2030-01-10 19:00', 5000),
    ('00000000-0000-0000-0000-000000000010', '00000000-0000-0000-0000-000000000051', '00000000-0000-0000-0000-0000000000b1',
     '00000000-0000-0000-0000-000000000072', '2030-01-10 20:00', '2030-01-11 07:00', 5000),
    ('00000000-0000-0000-0000-000000000f10', '00000000-0000-0000-0000-000000000051', '00000000-0000-0000-0000-0000000000b1',
     '00000000-0000-0000-0000-000000000073', '2030-01-10 08:00', '2030-01-11 07:00', 8000),
    ('00000000-0000-0000-0000-0000000000d2', '00000000-0000-0000-0000-000000000051', '00000000-0000-0000-0000-0000000000b1',
     '00000000-0000-0000-0000-000000000071', '2030-01-11 08:00', '2030-01-11 19:00', 5000),
    ('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-000000000051', '00000000-0000-0000-0000-0000000000b1',
     null, '2030-01-10 19:00', '2030-01-10 20:00', 1000),
    ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-000000000052', '00000000-0000-0000-0000-0000000000b1',
     '00000000-0000-0000-0000-000000000072', '2030-02-01 20:00', '2030-02-02 07:00', 5000),
    ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000053', '00000000-0000-0000-0000-0000000000b2',
     null, '2030-01-10 20:00', '2030-01-11 07:00', 5000)
) v(id, spot, bld, tpl, s, e, price);
SQL
pass "fixtures loaded"

# Runs a SQL file of verify.* calls and turns each returned line into PASS/FAIL output.
run_checks() {
    local out
    if ! out=$(psql_db -At 2>&1); then
        fail "check script errored"; echo "$out"; return
    fi
    while IFS= read -r line; do
        [[ -z "$line" ]] && continue
        echo "$line"
        [[ "$line" == FAIL* ]] && failures=$((failures + 1))
    done <<<"$out"
}


# ---------------------------------------------------------------------------------------------
# (a) + (b) the no-overlap invariant, sequentially
# ---------------------------------------------------------------------------------------------
echo "--- (a)/(b) no double booking"
run_checks <<'SQL'
select verify.expect_ok('(a) first booking of the 11 h night block N1',
    $q$select verify.book('00000000-0000-0000-0000-000000000010', '00000000-0000-0000-0000-0000000000f1', 'AAAAAAA2', 'token-aaaaaaaaaaaaaaaaaaaa-1')$q$);
select verify.expect_error('(a) second active booking of the same block N1 refused',
    $q$select verify.book('00000000-0000-0000-0000-000000000010', '00000000-0000-0000-0000-0000000000f2', 'AAAAAAA3', 'token-aaaaaaaaaaaaaaaaaaaa-2')$q$,
    '23P01', 'bookings_no_overlap');
select verify.expect_error('(a) 23 h Día completo booking against the 11 h night booking refused',
    $q$select verify.book('00000000-0000-0000-0000-000000000f10', '00000000-0000-0000-0000-0000000000f2', 'AAAAAAA4', 'token-aaaaaaaaaaaaaaaaaaaa-3')$q$,
    '23P01', 'bookings_no_overlap');
select verify.expect_ok('(a) Día block of the next day (no overlap) is bookable',
    $q$select verify.book('00000000-0000-0000-0000-0000000000d2', '00000000-0000-0000-0000-0000000000f2', 'AAAAAAA5', 'token-aaaaaaaaaaaaaaaaaaaa-4')$q$);
select verify.expect_ok('(a) adjacent block 19:00-20:00 (half-open ranges touch) is bookable',
    $q$select verify.book('00000000-0000-0000-0000-0000000000e1', '00000000-0000-0000-0000-0000000000f2', 'AAAAAAA6', 'token-aaaaaaaaaaaaaaaaaaaa-5');
       update bookings set status = 'cancelled', cancelled_at = now() where confirmation_code = 'AAAAAAA6'$q$);
select verify.expect_error('(a) a plain INSERT with an overlapping range is refused too (not only via the helper)',
    $q$insert into bookings (block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate,
         base_price_clp, amount_clp, commission_rate_bp, platform_commission_clp, building_share_clp,
         confirmation_code, guest_pass_token, hold_expires_at, status, confirmed_at)
       select id, spot_id, building_id, '00000000-0000-0000-0000-0000000000f2', during, 'Otra Visita', 'XYZW98',
         base_price_clp, base_price_clp, 1000, (base_price_clp * 1000 + 9999) / 10000,
         base_price_clp - (base_price_clp * 1000 + 9999) / 10000,
         'AAAAAAA7', 'token-aaaaaaaaaaaaaaaaaaaa-6', now(), 'confirmed', now()
       from availability_blocks where id = '00000000-0000-0000-0000-000000000f10'$q$,
    '23P01', 'bookings_no_overlap');
select verify.expect_ok('(a) another spot in the same range is independent',
    $q$insert into availability_blocks (spot_id, building_id, template_id, starts_at, ends_at, base_price_clp)
       values ('00000000-0000-0000-0000-000000000052', '00000000-0000-0000-0000-0000000000b1',
               '00000000-0000-0000-0000-000000000073', '2030-01-10 11:00+00', '2030-01-11 10:00+00', 8000);
       select verify.book((select id from availability_blocks where spot_id = '00000000-0000-0000-0000-000000000052'
                           and starts_at = '2030-01-10 11:00+00'), '00000000-0000-0000-0000-0000000000f2',
                          'AAAAAAA9', 'token-aaaaaaaaaaaaaaaaaaaa-8')$q$);

-- (b) cancelling frees the range
select verify.expect_ok('(b) cancel the night booking',
    $q$update bookings set status = 'cancelled', cancelled_at = now() where confirmation_code = 'AAAAAAA2'$q$);
select verify.expect_ok('(b) the overlapping 23 h booking now succeeds',
    $q$select verify.book('00000000-0000-0000-0000-000000000f10', '00000000-0000-0000-0000-0000000000f2', 'AAAAAAAB', 'token-aaaaaaaaaaaaaaaaaaaa-9')$q$);
select verify.expect_error('(b) and now the 11 h night is refused against the 23 h booking',
    $q$select verify.book('00000000-0000-0000-0000-000000000010', '00000000-0000-0000-0000-0000000000f1', 'AAAAAAAC', 'token-aaaaaaaaaaaaaaaaaaaa-a')$q$,
    '23P01', 'bookings_no_overlap');
select verify.expect_error('(b) re-activating the cancelled night booking is refused',
    $q$update bookings set status = 'pending', cancelled_at = null where confirmation_code = 'AAAAAAA2'$q$,
    '23P01', 'bookings_no_overlap');
select verify.expect_ok('(b) a no_show booking also frees its range',
    $q$update bookings set status = 'confirmed', confirmed_at = now() where confirmation_code = 'AAAAAAAB';
       update bookings set status = 'no_show', no_show_at = now() where confirmation_code = 'AAAAAAAB';
       select verify.book('00000000-0000-0000-0000-000000000010', '00000000-0000-0000-0000-0000000000f1', 'AAAAAAAD', 'token-aaaaaaaaaaaaaaaaaaaa-b')$q$);
select verify.expect_true('(a)/(b) spot s1 never has overlapping active bookings',
    not exists (select 1 from bookings x join bookings y on x.spot_id = y.spot_id and x.id < y.id and x.during && y.during
                where x.status in ('pending', 'confirmed', 'checked_in', 'overstay')
                  and y.status in ('pending', 'confirmed', 'checked_in', 'overstay')));
SQL

# ---------------------------------------------------------------------------------------------
# (c) 50 concurrent sessions race for one block
# ---------------------------------------------------------------------------------------------
echo "--- (c) $WORKERS concurrent sessions"
# A barrier: one session holds an advisory lock; every worker waits on it, then all insert at once,
# each inside a transaction that stays open briefly so that the inserts are genuinely in flight.
PGAPPNAME=verify_barrier psql -X -q -d "$DB" -c "select pg_advisory_lock(4242); select pg_sleep(600);" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 1 100); do
    n=$(psql_db -At -c "select count(*) from pg_locks where locktype = 'advisory' and objid = 4242 and granted")
    [[ "$n" == 1 ]] && break
    sleep 0.1
done
ALPHABET=23456789ABCDEFGHJKMNPQRSTUVWXYZ
pids=()
for i in $(seq 1 "$WORKERS"); do
    code="CQWZXY${ALPHABET:$((i / 31)):1}${ALPHABET:$((i % 31)):1}"
    token=$(printf 'concurrent-worker-token-%04d' "$i")
    psql -X -q -v ON_ERROR_STOP=1 -d "$DB" >"$TMP/w$i.out" 2>"$TMP/w$i.err" <<SQL &
select pg_advisory_lock_shared(4242);
select pg_advisory_unlock_shared(4242);
begin;
select verify.book('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000f1', '$code', '$token');
select pg_sleep(0.2);
commit;
SQL
    pids+=($!)
done
for _ in $(seq 1 300); do
    n=$(psql_db -At -c "select count(*) from pg_locks where locktype = 'advisory' and objid = 4242 and not granted")
    [[ "$n" -ge "$WORKERS" ]] && break
    sleep 0.1
done
echo "     $n workers waiting at the barrier; releasing"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
psql_db -c "select pg_terminate_backend(pid) from pg_stat_activity
            where datname = '$DB' and application_name = 'verify_barrier'" >/dev/null
# PostgreSQL settles conflicting in-flight inserts under an exclusion constraint in one of two
# ways: the later insert waits for the earlier one and then fails with the constraint's name, or,
# when two inserts wait on each other, the deadlock detector aborts one of them (40P01). Both are
# refusals that write nothing; anything else is a failure.
ok=0; overlap=0; deadlock=0; other=0
for i in $(seq 1 "$WORKERS"); do
    if wait "${pids[$((i - 1))]}"; then ok=$((ok + 1))
    elif grep -q 'bookings_no_overlap' "$TMP/w$i.err"; then overlap=$((overlap + 1))
    elif grep -q 'deadlock detected' "$TMP/w$i.err"; then deadlock=$((deadlock + 1))
    else other=$((other + 1)); sed 's/^/     worker: /' "$TMP/w$i.err" | head -3
    fi
done
active=$(psql_db -At -c "select count(*) from bookings where block_id = '00000000-0000-0000-0000-0000000000c1'
                         and status in ('pending', 'confirmed', 'checked_in', 'overstay')")
total=$(psql_db -At -c "select count(*) from bookings where block_id = '00000000-0000-0000-0000-0000000000c1'")
echo "     sessions: $ok committed, $overlap refused with bookings_no_overlap, $deadlock aborted as deadlock victims, $other other errors; rows: $total"
if [[ "$ok" == 1 && $((overlap + deadlock)) == $((WORKERS - 1)) && "$other" == 0 && "$active" == 1 && "$total" == 1 ]]; then
    pass "(c) $WORKERS concurrent overlapping inserts -> exactly one active booking"
else
    fail "(c) $WORKERS concurrent overlapping inserts -> expected 1 winner, got ok=$ok overlap=$overlap deadlock=$deadlock other=$other active=$active"
fi

# ---------------------------------------------------------------------------------------------
# (d) append-only tables
# ---------------------------------------------------------------------------------------------
echo "--- (d) append-only audit_log and access_events"
run_checks <<'SQL'
select verify.expect_ok('(d) audit_log insert',
    $q$insert into audit_log (actor_id, actor_type, actor_role, building_id, action, entity_type, entity_id, metadata, ip)
       values ('00000000-0000-0000-0000-0000000000a1', 'user', 'admin', '00000000-0000-0000-0000-0000000000b1',
               'booking.cancel', 'booking', 'x', '{"refund_clp": 5000}', '203.0.113.7')$q$);
select verify.expect_error('(d) audit_log update refused', $q$update audit_log set action = 'tampered'$q$, 'P0001', null);
select verify.expect_error('(d) audit_log delete refused', $q$delete from audit_log$q$, 'P0001', null);
select verify.expect_error('(d) audit_log truncate refused', $q$truncate audit_log$q$, 'P0001', null);
select verify.expect_true('(d) audit_log row intact', (select count(*) = 1 and bool_and(action = 'booking.cancel') from audit_log));
select verify.expect_ok('(d) access_events insert (denied verification without booking)',
    $q$insert into access_events (building_id, actor_id, kind, query_text, reason)
       values ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000c1', 'verify_denied', 'ZZZZ99', 'not_found')$q$);
select verify.expect_error('(d) access_events update refused', $q$update access_events set reason = 'x'$q$, 'P0001', null);
select verify.expect_error('(d) access_events delete refused', $q$delete from access_events$q$, 'P0001', null);
select verify.expect_error('(d) access_events truncate refused', $q$truncate access_events$q$, 'P0001', null);
select verify.expect_ok('(d) access_events retention purge allowed',
    $q$update access_events set query_text = null, plate_observed = null, purged_at = now()$q$);
SQL
err=$(psql_db -c "update audit_log set action = 'x'" 2>&1)
if grep -q 'audit_log is append-only' <<<"$err"; then pass "(d) error message: audit_log is append-only"
else fail "(d) error message: $err"; fi

# ---------------------------------------------------------------------------------------------
# (e) constraints refuse bad values
# ---------------------------------------------------------------------------------------------
echo "--- (e) constraints"
run_checks <<'SQL'
create temp view good_booking as
select b.id as block_id, b.spot_id, b.building_id, '00000000-0000-0000-0000-0000000000f1'::uuid as resident_id,
       b.during, 'Visita Mala'::text as visitor_name, 'GHJK34'::text as visitor_plate,
       b.base_price_clp, 10000 as multiplier_bp, b.base_price_clp as amount_clp, 1000 as commission_rate_bp,
       (b.base_price_clp * 1000 + 9999) / 10000 as platform_commission_clp,
       b.base_price_clp - (b.base_price_clp * 1000 + 9999) / 10000 as building_share_clp,
       'ZZZZZZZZ'::text as confirmation_code, 'token-zzzzzzzzzzzzzzzzzzzzzzzz'::text as guest_pass_token,
       now() + interval '15 minutes' as hold_expires_at, 'pending'::text as status,
       'pending'::text as payment_status, null::timestamptz as cancelled_at
from availability_blocks b where b.id = '00000000-0000-0000-0000-0000000000d2';

-- bad(label, {column: expression, ...}, sqlstate, constraint): insert the template row with columns replaced
create function pg_temp.bad(label text, repl jsonb, st text, cn text) returns text language plpgsql as $$
declare
    cols text[] := array['block_id', 'spot_id', 'building_id', 'resident_id', 'during', 'visitor_name', 'visitor_plate',
                         'base_price_clp', 'multiplier_bp', 'amount_clp', 'commission_rate_bp', 'platform_commission_clp',
                         'building_share_clp', 'confirmation_code', 'guest_pass_token', 'hold_expires_at', 'status',
                         'payment_status', 'cancelled_at'];
    sel text[] := '{}';
    c text;
begin
    foreach c in array cols loop
        sel := sel || case when repl ? c then (repl ->> c) || ' as ' || c else c end;
    end loop;
    return verify.expect_error(label, format('insert into bookings (%s) select %s from good_booking',
                                             array_to_string(cols, ', '), array_to_string(sel, ', ')), st, cn);
end $$;

create function pg_temp.bad(label text, col text, expr text, st text, cn text) returns text language sql as $$
    select pg_temp.bad(label, jsonb_build_object(col, expr), st, cn)
$$;

-- free block d2 for the template row
update bookings set status = 'cancelled', cancelled_at = now() where confirmation_code = 'AAAAAAA5';

select verify.expect_ok('(e) control: the template booking row is valid',
    $q$insert into bookings (block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate, base_price_clp, multiplier_bp, amount_clp, commission_rate_bp, platform_commission_clp, building_share_clp, confirmation_code, guest_pass_token, hold_expires_at, status, payment_status, cancelled_at)
       select * from good_booking;
       delete from bookings where confirmation_code = 'ZZZZZZZZ'$q$);
select pg_temp.bad('(e) plate lower-case refused', 'visitor_plate', $$'abcd12'$$, '23514', 'bookings_visitor_plate_check');
select pg_temp.bad('(e) plate with dash refused', 'visitor_plate', $$'BB-CL12'$$, '23514', 'bookings_visitor_plate_check');
select pg_temp.bad('(e) plate too short refused', 'visitor_plate', $$'AB12'$$, '23514', 'bookings_visitor_plate_check');
select pg_temp.bad('(e) missing plate refused (not purged)', 'visitor_plate', 'null', '23514', 'bookings_visitor_present_check');
select pg_temp.bad('(e) visitor name < 3 chars refused', 'visitor_name', $$'Al'$$, '23514', 'bookings_visitor_name_check');
-- (amounts kept consistent with the multiplier so that only the multiplier check can fail)
select pg_temp.bad('(e) booking multiplier 0 refused',
    '{"multiplier_bp": "0", "amount_clp": "0", "platform_commission_clp": "0", "building_share_clp": "0"}',
    '23514', 'bookings_multiplier_bp_check');
select pg_temp.bad('(e) booking multiplier 100001 refused',
    '{"multiplier_bp": "100001", "amount_clp": "(base_price_clp * 100001 + 9999) / 10000", "platform_commission_clp": "((base_price_clp * 100001 + 9999) / 10000 * 1000 + 9999) / 10000", "building_share_clp": "(base_price_clp * 100001 + 9999) / 10000 - ((base_price_clp * 100001 + 9999) / 10000 * 1000 + 9999) / 10000"}',
    '23514', 'bookings_multiplier_bp_check');
select verify.expect_ok('(e) control: multiplier 100000 (x10) with consistent amounts is valid',
    format('insert into bookings (block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate, base_price_clp, multiplier_bp, amount_clp, commission_rate_bp, platform_commission_clp, building_share_clp, confirmation_code, guest_pass_token, hold_expires_at)
            select block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate, base_price_clp, 100000, base_price_clp * 10, 1000, base_price_clp, base_price_clp * 9, confirmation_code, guest_pass_token, hold_expires_at from good_booking;
            delete from bookings where confirmation_code = %L', 'ZZZZZZZZ'));
select pg_temp.bad('(e) booking negative amount refused', 'amount_clp', '-1', '23514', 'bookings_amount_clp_check');
select pg_temp.bad('(e) booking amount not ceil(base x multiplier) refused', 'amount_clp', 'base_price_clp + 1', '23514', 'bookings_amount_pricing_check');
select pg_temp.bad('(e) booking commission split wrong refused', 'platform_commission_clp', '0', '23514', 'bookings_commission_split_check');
select pg_temp.bad('(e) booking commission rate 10001 refused', 'commission_rate_bp', '10001', '23514', 'bookings_commission_rate_bp_check');
select pg_temp.bad('(e) confirmation code with look-alike O refused', 'confirmation_code', $$'ABCDEFGO'$$, '23514', 'bookings_confirmation_code_check');
select pg_temp.bad('(e) confirmation code of 7 chars refused', 'confirmation_code', $$'ABCDEFG'$$, '23514', 'bookings_confirmation_code_check');
select pg_temp.bad('(e) duplicate confirmation code refused', 'confirmation_code', $$'AAAAAAA2'$$, '23505', 'bookings_confirmation_code_key');
select pg_temp.bad('(e) guest pass token of 21 chars refused', 'guest_pass_token', $$'abcdefghijklmnopqrstu'$$, '23514', 'bookings_guest_pass_token_check');
select pg_temp.bad('(e) guest pass token not url-safe refused', 'guest_pass_token', $$'abcdefghijklmnopqrstuvw+/'$$, '23514', 'bookings_guest_pass_token_check');
select pg_temp.bad('(e) duplicate guest pass token refused', 'guest_pass_token', $$'token-aaaaaaaaaaaaaaaaaaaa-1'$$, '23505', 'bookings_guest_pass_token_key');
select pg_temp.bad('(e) booking status expired refused', 'status', $$'expired'$$, '23514', 'bookings_status_check');
select pg_temp.bad('(e) booking payment_status bogus refused', 'payment_status', $$'bogus'$$, '23514', 'bookings_payment_status_check');
select pg_temp.bad('(e) cancelled without cancelled_at refused', 'status', $$'cancelled'$$, '23514', 'bookings_cancelled_at_check');
select pg_temp.bad('(e) confirmed without confirmed_at refused', 'status', $$'confirmed'$$, '23514', 'bookings_confirmed_at_check');
select pg_temp.bad('(e) pending without hold_expires_at refused', 'hold_expires_at', 'null', '23514', 'bookings_pending_hold_check');
select pg_temp.bad('(e) booking range differing from its block refused', 'during',
    $$tstzrange(lower(during), upper(during) + interval '1 hour')$$, '23503', 'bookings_block_fkey');
select pg_temp.bad('(e) booking spot differing from its block refused', 'spot_id',
    $$'00000000-0000-0000-0000-000000000052'::uuid$$, '23503', 'bookings_block_fkey');
select pg_temp.bad('(e) resident of another building refused', 'resident_id',
    $$'00000000-0000-0000-0000-0000000000f3'::uuid$$, '23503', 'bookings_resident_fkey');
select pg_temp.bad('(e) staff (non-resident, no building) as resident refused', 'resident_id',
    $$'00000000-0000-0000-0000-0000000000a1'::uuid$$, '23503', 'bookings_resident_fkey');
select verify.expect_ok('(e) purged booking may drop visitor data',
    $q$update bookings set visitor_name = null, visitor_plate = null, purged_at = now() where confirmation_code = 'AAAAAAA5'$q$);

-- buildings
select verify.expect_error('(e) building commission 10001 bp refused',
    $q$update buildings set commission_rate_bp = 10001 where id = '00000000-0000-0000-0000-0000000000b1'$q$, '23514', 'buildings_commission_rate_bp_check');
select verify.expect_error('(e) building commission -1 bp refused',
    $q$update buildings set commission_rate_bp = -1 where id = '00000000-0000-0000-0000-0000000000b1'$q$, '23514', 'buildings_commission_rate_bp_check');
select verify.expect_ok('(e) sales rep rate 0 allowed',
    $q$update buildings set sales_rep_rate_bp = 0 where id = '00000000-0000-0000-0000-0000000000b2'$q$);
select verify.expect_error('(e) negative monthly fee refused',
    $q$update buildings set monthly_fee_clp = -1 where id = '00000000-0000-0000-0000-0000000000b1'$q$, '23514', 'buildings_monthly_fee_clp_check');
select verify.expect_error('(e) unknown time zone refused',
    $q$update buildings set time_zone = 'Mars/Olympus_Mons' where id = '00000000-0000-0000-0000-0000000000b1'$q$, '23514', 'buildings_time_zone_check');
select verify.expect_error('(e) booking horizon 181 days refused',
    $q$update buildings set booking_horizon_days = 181 where id = '00000000-0000-0000-0000-0000000000b1'$q$, '23514', 'buildings_booking_horizon_days_check');
select verify.expect_error('(e) building status bogus refused',
    $q$update buildings set status = 'deleted' where id = '00000000-0000-0000-0000-0000000000b1'$q$, '23514', 'buildings_status_check');
select verify.expect_error('(e) archived without archived_at refused',
    $q$update buildings set status = 'archived' where id = '00000000-0000-0000-0000-0000000000b1'$q$, '23514', 'buildings_archived_at_check');
select verify.expect_true('(e) updated_at trigger bumps updated_at',
    (select updated_at > created_at from buildings where id = '00000000-0000-0000-0000-0000000000b1'));

-- users
select verify.expect_error('(e) duplicate email (case-insensitive) refused',
    $q$insert into users (email, password_hash, role, full_name) values ('ADMIN@Example.CL', 'x', 'admin', 'Dup')$q$, '23505', 'users_email_key');
select verify.expect_error('(e) unknown role refused',
    $q$insert into users (email, password_hash, role, full_name) values ('root@example.cl', 'x', 'superuser', 'Root')$q$, '23514', 'users_role_check');
select verify.expect_error('(e) resident without building refused',
    $q$insert into users (email, password_hash, role, full_name) values ('nob@example.cl', 'x', 'resident', 'No Building')$q$, '23514', 'users_building_scope_check');
select verify.expect_error('(e) admin with a building refused',
    $q$insert into users (email, password_hash, role, building_id, full_name) values ('adm2@example.cl', 'x', 'admin', '00000000-0000-0000-0000-0000000000b1', 'Adm')$q$, '23514', 'users_building_scope_check');
select verify.expect_error('(e) user status bogus refused',
    $q$update users set status = 'deleted' where email = 'r1@example.cl'$q$, '23514', 'users_status_check');
select verify.expect_error('(e) phone ciphertext without blind index refused',
    $q$update users set phone_enc = '\x0102' where email = 'r1@example.cl'$q$, '23514', 'users_phone_pair_check');
select verify.expect_error('(e) duplicate unit number in a building refused',
    $q$insert into units (building_id, number) values ('00000000-0000-0000-0000-0000000000b1', '101')$q$, '23505', 'units_building_number_key');
select verify.expect_error('(e) duplicate RUT blind index refused',
    $q$insert into resident_profiles (user_id, building_id, unit_id, rut_enc, rut_bidx, first_name, last_name)
       values ('00000000-0000-0000-0000-0000000000f2', '00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000d1',
               '\x01', decode(repeat('11', 32), 'hex'), 'Otro', 'Residente')$q$, '23505', 'resident_profiles_rut_bidx_key');
select verify.expect_error('(e) resident profile with a unit of another building refused',
    $q$insert into resident_profiles (user_id, building_id, unit_id, rut_enc, rut_bidx, first_name, last_name)
       values ('00000000-0000-0000-0000-0000000000f2', '00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000d2',
               '\x01', decode(repeat('22', 32), 'hex'), 'Otro', 'Residente')$q$, '23503', 'resident_profiles_unit_fkey');

-- spots, templates, blocks, closures, pricing rules
select verify.expect_error('(e) duplicate spot number in a building refused',
    $q$insert into visitor_spots (building_id, number) values ('00000000-0000-0000-0000-0000000000b1', 'V-01')$q$, '23505', 'visitor_spots_building_number_key');
select verify.expect_error('(e) half a map position refused',
    $q$insert into visitor_spots (building_id, number, map_x) values ('00000000-0000-0000-0000-0000000000b1', 'V-09', 5)$q$, '23514', 'visitor_spots_map_position_check');
select verify.expect_error('(e) a map position off the plan refused',
    $q$insert into visitor_spots (building_id, number, map_x, map_y) values ('00000000-0000-0000-0000-0000000000b1', 'V-09', 5, 100)$q$, '23514', 'visitor_spots_map_position_check');
select verify.expect_error('(e) a spot overlapping another on the same plan refused',
    $q$insert into visitor_spots (building_id, number, map_x, map_y) values ('00000000-0000-0000-0000-0000000000b1', 'V-09', 179, 130)$q$, '23P01', 'visitor_spots_map_no_overlap');
select verify.expect_ok('(e) a spot touching another (dx = 80) is allowed',
    $q$insert into visitor_spots (building_id, number, map_x, map_y) values ('00000000-0000-0000-0000-0000000000b1', 'V-10', 280, 100)$q$);
select verify.expect_error('(e) template duration 0 refused',
    $q$insert into block_templates (building_id, name, start_local, duration_minutes, base_price_clp) values ('00000000-0000-0000-0000-0000000000b1', 'Cero', '08:00', 0, 1000)$q$, '23514', 'block_templates_duration_minutes_check');
select verify.expect_error('(e) template duration 1441 refused',
    $q$insert into block_templates (building_id, name, start_local, duration_minutes, base_price_clp) values ('00000000-0000-0000-0000-0000000000b1', 'Largo', '08:00', 1441, 1000)$q$, '23514', 'block_templates_duration_minutes_check');
select verify.expect_error('(e) template negative price refused',
    $q$insert into block_templates (building_id, name, start_local, duration_minutes, base_price_clp) values ('00000000-0000-0000-0000-0000000000b1', 'Neg', '08:00', 60, -1)$q$, '23514', 'block_templates_base_price_clp_check');
select verify.expect_error('(e) duplicate template name refused',
    $q$insert into block_templates (building_id, name, start_local, duration_minutes, base_price_clp) values ('00000000-0000-0000-0000-0000000000b1', 'Noche', '21:00', 60, 1)$q$, '23505', 'block_templates_building_name_key');
select verify.expect_error('(e) block with starts_at = ends_at refused',
    $q$insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp) values ('00000000-0000-0000-0000-000000000051', '00000000-0000-0000-0000-0000000000b1', '2030-03-01 10:00+00', '2030-03-01 10:00+00', 1)$q$, '23514', 'availability_blocks_range_check');
select verify.expect_error('(e) block negative price refused',
    $q$insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp) values ('00000000-0000-0000-0000-000000000051', '00000000-0000-0000-0000-0000000000b1', '2030-03-01 10:00+00', '2030-03-01 11:00+00', -5)$q$, '23514', 'availability_blocks_base_price_clp_check');
select verify.expect_error('(e) block status bogus refused',
    $q$update availability_blocks set status = 'sold' where id = '00000000-0000-0000-0000-0000000000d2'$q$, '23514', 'availability_blocks_status_check');
select verify.expect_error('(e) block whose building is not its spot''s refused',
    $q$insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp) values ('00000000-0000-0000-0000-000000000051', '00000000-0000-0000-0000-0000000000b2', '2030-03-01 10:00+00', '2030-03-01 11:00+00', 1)$q$, '23503', 'availability_blocks_spot_fkey');
select verify.expect_error('(e) duplicate generated block refused',
    $q$insert into availability_blocks (spot_id, building_id, template_id, starts_at, ends_at, base_price_clp) values ('00000000-0000-0000-0000-000000000051', '00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-000000000072', '2030-01-10 20:00 America/Santiago', '2030-01-11 07:00 America/Santiago', 5000)$q$, '23505', 'availability_blocks_spot_template_start_key');
select verify.expect_ok('(e) generator rerun with on conflict do nothing creates nothing',
    $q$do $d$
       declare n bigint;
       begin
           insert into availability_blocks (spot_id, building_id, template_id, starts_at, ends_at, base_price_clp)
           select spot_id, building_id, template_id, starts_at, ends_at, base_price_clp from availability_blocks
            where template_id is not null
           on conflict on constraint availability_blocks_spot_template_start_key do nothing;
           get diagnostics n = row_count;
           if n <> 0 then raise exception 'rerun created % blocks', n; end if;
       end $d$$q$);
select verify.expect_error('(e) closure with empty range refused',
    $q$insert into spot_closures (spot_id, building_id, during, reason, created_by) values ('00000000-0000-0000-0000-000000000051', '00000000-0000-0000-0000-0000000000b1', 'empty', 'x', '00000000-0000-0000-0000-0000000000a1')$q$, '23514', 'spot_closures_during_check');
select verify.expect_error('(e) pricing rule multiplier 0 refused',
    $q$insert into pricing_rules (building_id, name, starts_at, ends_at, multiplier_bp) values ('00000000-0000-0000-0000-0000000000b1', 'Cero', now(), now() + interval '1 day', 0)$q$, '23514', 'pricing_rules_multiplier_bp_check');
select verify.expect_error('(e) pricing rule multiplier 100001 refused',
    $q$insert into pricing_rules (building_id, name, starts_at, ends_at, multiplier_bp) values ('00000000-0000-0000-0000-0000000000b1', 'Alto', now(), now() + interval '1 day', 100001)$q$, '23514', 'pricing_rules_multiplier_bp_check');
select verify.expect_ok('(e) pricing rule multiplier 100000 (x10) allowed',
    $q$insert into pricing_rules (building_id, name, starts_at, ends_at, multiplier_bp) values ('00000000-0000-0000-0000-0000000000b1', 'Diez', now(), now() + interval '1 day', 100000)$q$);
select verify.expect_error('(e) pricing rule ending before it starts refused',
    $q$insert into pricing_rules (building_id, name, starts_at, ends_at, multiplier_bp) values ('00000000-0000-0000-0000-0000000000b1', 'Rev', now(), now() - interval '1 day', 11000)$q$, '23514', 'pricing_rules_range_check');
select verify.expect_true('(e) exact pricing: ceil(3000 x 1.1) = 3300 (basis points)', (3000::bigint * 11000 + 9999) / 10000 = 3300);

-- payments, refunds, payouts, commissions
select verify.expect_ok('(e) payment for a booking',
    $q$insert into payments (id, booking_id, provider, provider_payment_id, amount_clp, status, approved_at)
       select '00000000-0000-0000-0000-00000000aa01', id, 'mercadopago', 'mp-1', amount_clp, 'approved', now()
       from bookings where confirmation_code = 'AAAAAAAD'$q$);
select verify.expect_error('(e) payment negative amount refused',
    $q$insert into payments (booking_id, provider, amount_clp) select id, 'simulator', -1 from bookings where confirmation_code = 'AAAAAAAD'$q$, '23514', 'payments_amount_clp_check');
select verify.expect_error('(e) payment provider bogus refused',
    $q$insert into payments (booking_id, provider, amount_clp) select id, 'fintoc', 1 from bookings where confirmation_code = 'AAAAAAAD'$q$, '23514', 'payments_provider_check');
select verify.expect_error('(e) approved payment without approved_at refused',
    $q$insert into payments (booking_id, provider, amount_clp, status) select id, 'simulator', 1, 'approved' from bookings where confirmation_code = 'AAAAAAAD'$q$, '23514', 'payments_approved_at_check');
select verify.expect_error('(e) same provider payment id twice refused',
    $q$insert into payments (booking_id, provider, provider_payment_id, amount_clp) select id, 'mercadopago', 'mp-1', 1 from bookings where confirmation_code = 'AAAAAAAD'$q$, '23505', 'payments_provider_payment_key');
select verify.expect_ok('(e) webhook event recorded',
    $q$insert into payment_events (provider, provider_event_id, payload) values ('mercadopago', 'evt-1', '{}')$q$);
select verify.expect_error('(e) webhook event replay refused',
    $q$insert into payment_events (provider, provider_event_id, payload) values ('mercadopago', 'evt-1', '{}')$q$, '23505', 'payment_events_provider_event_key');
select verify.expect_error('(e) refund of 0 refused',
    $q$insert into refunds (booking_id, payment_id, amount_clp, idempotency_key) select booking_id, id, 0, 'refund-key-0' from payments where id = '00000000-0000-0000-0000-00000000aa01'$q$, '23514', 'refunds_amount_clp_check');
select verify.expect_ok('(e) refund of 90 %',
    $q$insert into refunds (booking_id, payment_id, amount_clp, idempotency_key) select booking_id, id, amount_clp * 9 / 10, 'refund-key-1' from payments where id = '00000000-0000-0000-0000-00000000aa01'$q$);
select verify.expect_error('(e) refunds above the payment amount refused',
    $q$insert into refunds (booking_id, payment_id, amount_clp, idempotency_key) select booking_id, id, amount_clp / 10 + 1, 'refund-key-2' from payments where id = '00000000-0000-0000-0000-00000000aa01'$q$, '23514', 'refunds_total_within_payment');
select verify.expect_error('(e) refund idempotency key reused refused',
    $q$insert into refunds (booking_id, payment_id, amount_clp, idempotency_key) select booking_id, id, 1, 'refund-key-1' from payments where id = '00000000-0000-0000-0000-00000000aa01'$q$, '23505', 'refunds_idempotency_key_key');
select verify.expect_error('(e) refund against another booking''s payment refused',
    $q$insert into refunds (booking_id, payment_id, amount_clp, idempotency_key) select (select id from bookings where confirmation_code = 'AAAAAAA2'), id, 1, 'refund-key-3' from payments where id = '00000000-0000-0000-0000-00000000aa01'$q$, '23503', 'refunds_payment_fkey');
select verify.expect_error('(e) deleting a paid booking refused (money is never cascaded away)',
    $q$delete from bookings where confirmation_code = 'AAAAAAAD'$q$, '23503', null);
select verify.expect_error('(e) deleting a building with bookings refused',
    $q$delete from buildings where id = '00000000-0000-0000-0000-0000000000b1'$q$, '23503', null);
select verify.expect_ok('(e) payout of a day',
    $q$insert into payouts (id, building_id, local_date, bookings_count, gross_clp, platform_commission_clp, building_share_clp)
       values ('00000000-0000-0000-0000-00000000bb01', '00000000-0000-0000-0000-0000000000b1', '2030-01-10', 1, 10000, 1000, 9000)$q$);
select verify.expect_error('(e) second payout for the same building and day refused',
    $q$insert into payouts (building_id, local_date) values ('00000000-0000-0000-0000-0000000000b1', '2030-01-10')$q$, '23505', 'payouts_building_day_key');
select verify.expect_error('(e) payout whose split does not add up refused',
    $q$insert into payouts (building_id, local_date, gross_clp, platform_commission_clp, building_share_clp) values ('00000000-0000-0000-0000-0000000000b1', '2030-01-11', 10000, 1000, 8000)$q$, '23514', 'payouts_split_check');
select verify.expect_error('(e) payout paid without paid_at refused',
    $q$update payouts set status = 'paid' where id = '00000000-0000-0000-0000-00000000bb01'$q$, '23514', 'payouts_paid_check');
select verify.expect_ok('(e) sales rep commission floor(1000 x 5 %) = 50',
    $q$insert into sales_rep_commissions (payout_id, building_id, sales_rep_id, rate_bp, base_clp, amount_clp)
       values ('00000000-0000-0000-0000-00000000bb01', '00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000e1', 500, 1000, 50)$q$);
select verify.expect_error('(e) second commission for a payout refused',
    $q$insert into sales_rep_commissions (payout_id, building_id, sales_rep_id, rate_bp, base_clp, amount_clp)
       values ('00000000-0000-0000-0000-00000000bb01', '00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000e1', 500, 1000, 50)$q$, '23505', 'sales_rep_commissions_payout_key');
select verify.expect_error('(e) commission amount not floor(base x rate) refused',
    $q$update sales_rep_commissions set amount_clp = 51$q$, '23514', 'sales_rep_commissions_amount_formula_check');
select verify.expect_error('(e) deleting a payout with a commission refused',
    $q$delete from payouts where id = '00000000-0000-0000-0000-00000000bb01'$q$, '23503', 'sales_rep_commissions_payout_fkey');

-- access events, blocklist, notifications, outbox, jobs
select verify.expect_error('(e) access event kind bogus refused',
    $q$insert into access_events (building_id, booking_id, kind) select building_id, id, 'denied' from bookings where confirmation_code = 'AAAAAAAD'$q$, '23514', 'access_events_kind_check');
select verify.expect_error('(e) check_in without booking refused',
    $q$insert into access_events (building_id, kind) values ('00000000-0000-0000-0000-0000000000b1', 'check_in')$q$, '23514', 'access_events_booking_required_check');
select verify.expect_error('(e) access event for a booking of another building refused',
    $q$insert into access_events (building_id, booking_id, kind) select '00000000-0000-0000-0000-0000000000b2', id, 'check_in' from bookings where confirmation_code = 'AAAAAAAD'$q$, '23503', 'access_events_booking_fkey');
select verify.expect_error('(e) audit actor_type bogus refused',
    $q$insert into audit_log (actor_type, action) values ('HUMAN', 'x')$q$, '23514', 'audit_log_actor_type_check');
select verify.expect_error('(e) audit user actor without actor_id refused',
    $q$insert into audit_log (actor_type, action) values ('user', 'x')$q$, '23514', 'audit_log_actor_check');
select verify.expect_ok('(e) global blocklist entry',
    $q$insert into blocklist_entries (building_id, kind, value_bidx, value_enc, value_display, reason, created_by) values (null, 'rut', decode(repeat('33', 32), 'hex'), '\x01', '••.•••.678-5', 'fraude', '00000000-0000-0000-0000-0000000000a1')$q$);
select verify.expect_error('(e) duplicate global blocklist entry refused',
    $q$insert into blocklist_entries (building_id, kind, value_bidx, value_enc, value_display, reason, created_by) values (null, 'rut', decode(repeat('33', 32), 'hex'), '\x01', '••.•••.678-5', 'otra vez', '00000000-0000-0000-0000-0000000000a1')$q$, '23505', 'blocklist_entries_scope_kind_value_key');
select verify.expect_ok('(e) same value blocklisted for one building as well',
    $q$insert into blocklist_entries (building_id, kind, value_bidx, value_enc, value_display, reason, created_by) values ('00000000-0000-0000-0000-0000000000b1', 'rut', decode(repeat('33', 32), 'hex'), '\x01', '••.•••.678-5', 'edificio', '00000000-0000-0000-0000-0000000000a1')$q$);
select verify.expect_error('(e) blocklist kind bogus refused',
    $q$insert into blocklist_entries (kind, value_bidx, value_enc, value_display, reason, created_by) values ('name', decode(repeat('44', 32), 'hex'), '\x01', 'x', 'x', '00000000-0000-0000-0000-0000000000a1')$q$, '23514', 'blocklist_entries_kind_check');
select verify.expect_error('(e) blocklist without reason refused',
    $q$insert into blocklist_entries (kind, value_bidx, value_enc, value_display, reason, created_by) values ('plate', decode(repeat('44', 32), 'hex'), '\x01', 'BBCL12', ' ', '00000000-0000-0000-0000-0000000000a1')$q$, '23514', 'blocklist_entries_reason_check');
select verify.expect_error('(e) blocklist entry without its encrypted value refused',
    $q$insert into blocklist_entries (kind, value_bidx, value_display, reason, created_by) values ('plate', decode(repeat('66', 32), 'hex'), 'BBCL12', 'x', '00000000-0000-0000-0000-0000000000a1')$q$, '23514', 'blocklist_entries_value_enc_check');
select verify.expect_ok('(e) notification',
    $q$insert into notifications (kind, audience, recipient_bidx, recipient_enc, idempotency_key, rendered_body) values ('booking_confirmed', 'visitor', decode(repeat('55', 32), 'hex'), '\x01', 'booking_confirmed:x:visitor', 'Hola')$q$);
select verify.expect_error('(e) notification idempotency key reused refused',
    $q$insert into notifications (kind, audience, recipient_bidx, recipient_enc, idempotency_key, rendered_body) values ('booking_confirmed', 'visitor', decode(repeat('55', 32), 'hex'), '\x01', 'booking_confirmed:x:visitor', 'Hola')$q$, '23505', 'notifications_idempotency_key_key');
select verify.expect_error('(e) notification status bogus refused',
    $q$update notifications set status = 'read'$q$, '23514', 'notifications_status_check');
select verify.expect_error('(e) notification channel sms refused',
    $q$update notifications set channel = 'sms'$q$, '23514', 'notifications_channel_check');
select verify.expect_error('(e) outbox event_version 0 refused',
    $q$insert into outbox (event_type, event_version, aggregate_type, aggregate_id) values ('booking.confirmed', 0, 'booking', 'x')$q$, '23514', 'outbox_event_version_check');
select verify.expect_error('(e) job run finished but still running refused',
    $q$insert into job_runs (job_name, finished_at) values ('hold_expiry', now())$q$, '23514', 'job_runs_finished_check');

-- deleting a building without history cascades its configuration
select verify.expect_ok('(e) a building with only configuration deletes cleanly (cascade)',
    $q$insert into buildings (id, name, address) values ('00000000-0000-0000-0000-0000000000b9', 'Temporal', 'Calle 1');
       insert into visitor_spots (id, building_id, number) values ('00000000-0000-0000-0000-000000000059', '00000000-0000-0000-0000-0000000000b9', 'V-01');
       insert into block_templates (id, building_id, name, start_local, duration_minutes, base_price_clp) values ('00000000-0000-0000-0000-000000000079', '00000000-0000-0000-0000-0000000000b9', 'Día', '08:00', 660, 5000);
       insert into availability_blocks (spot_id, building_id, template_id, starts_at, ends_at, base_price_clp) values ('00000000-0000-0000-0000-000000000059', '00000000-0000-0000-0000-0000000000b9', '00000000-0000-0000-0000-000000000079', '2030-01-10 11:00+00', '2030-01-10 22:00+00', 5000);
       insert into pricing_rules (building_id, name, starts_at, ends_at, multiplier_bp) values ('00000000-0000-0000-0000-0000000000b9', 'x', now(), now() + interval '1 day', 12000);
       insert into units (building_id, number) values ('00000000-0000-0000-0000-0000000000b9', '1');
       delete from buildings where id = '00000000-0000-0000-0000-0000000000b9'$q$);
select verify.expect_error('(e) a template with blocks cannot be deleted on its own',
    $q$delete from block_templates where id = '00000000-0000-0000-0000-000000000072'$q$, '23503', 'availability_blocks_template_fkey');
SQL

# Every constraint in the schema carries a deliberate name (no anonymous `*_check1`-style names).
unnamed=$(psql_db -At -c "select string_agg(conname, ', ') from pg_constraint c join pg_namespace n on n.oid = c.connamespace
                          where n.nspname = 'public' and conname ~ '[0-9]$'")
if [[ -z "$unnamed" ]]; then pass "all constraints explicitly named"; else fail "auto-named constraints: $unnamed"; fi

echo "---"
if [[ $failures -eq 0 ]]; then
    echo "ALL CHECKS PASSED"
    exit 0
fi
echo "$failures CHECK(S) FAILED"
exit 1
