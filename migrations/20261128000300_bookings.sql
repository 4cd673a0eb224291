-- Bookings. THE invariant: two active bookings (pending, confirmed, checked_in, overstay) of the
-- same spot never overlap in time (bookings_no_overlap, SQLSTATE 23P01 -> "ya no está disponible").
--
-- Money is integer CLP and the pricing arithmetic is checked by the database:
--   amount_clp              = ceil(base_price_clp * multiplier_bp / 10000)
--   platform_commission_clp = ceil(amount_clp * commission_rate_bp / 10000)
--   building_share_clp      = amount_clp - platform_commission_clp
-- (the sales-rep commission is computed per payout, see sales_rep_commissions).

create table bookings (
    id                      uuid primary key default gen_random_uuid(),
    block_id                uuid not null,
    spot_id                 uuid not null,
    building_id             uuid not null,
    resident_id             uuid not null,
    -- copied from the block (enforced by bookings_block_fkey)
    during                  tstzrange not null,
    starts_at               timestamptz generated always as (lower(during)) stored,
    ends_at                 timestamptz generated always as (upper(during)) stored,

    -- visitor (nulled by the 24-month retention purge, see purged_at)
    visitor_name            text,
    visitor_plate           text,
    visitor_phone_enc       bytea,
    visitor_phone_bidx      bytea,

    -- pricing snapshot
    base_price_clp          bigint not null,
    multiplier_bp           integer not null default 10000,
    pricing_rule_id         uuid constraint bookings_pricing_rule_id_fkey references pricing_rules (id) on delete set null,
    amount_clp              bigint not null,
    commission_rate_bp      integer not null,
    platform_commission_clp bigint not null,
    building_share_clp      bigint not null,

    status                  text not null default 'pending',
    payment_status          text not null default 'pending',
    confirmation_code       text not null,
    guest_pass_token        text not null,

    hold_expires_at         timestamptz,
    confirmed_at            timestamptz,
    cancelled_at            timestamptz,
    cancelled_by            uuid constraint bookings_cancelled_by_fkey references users (id) on delete restrict,
    cancel_reason           text,
    checked_in_at           timestamptz,
    checked_out_at          timestamptz,
    no_show_at              timestamptz,
    completed_at            timestamptz,
    reminder_sent_at        timestamptz,
    purged_at               timestamptz,
    created_at              timestamptz not null default now(),
    updated_at              timestamptz not null default now(),

    -- spot, building and range are those of the block
    constraint bookings_block_fkey foreign key (block_id, spot_id, building_id, during)
        references availability_blocks (id, spot_id, building_id, during) on delete restrict,
    -- the resident belongs to the booking's building
    constraint bookings_resident_fkey foreign key (resident_id, building_id)
        references users (id, building_id) on delete restrict,
    constraint bookings_building_fkey foreign key (building_id)
        references buildings (id) on delete restrict,

    constraint bookings_no_overlap exclude using gist (spot_id with =, during with &&)
        where (status in ('pending', 'confirmed', 'checked_in', 'overstay')),

    constraint bookings_id_building_key unique (id, building_id),
    constraint bookings_confirmation_code_key unique (confirmation_code),
    constraint bookings_guest_pass_token_key unique (guest_pass_token),

    constraint bookings_during_check check (not isempty(during) and not lower_inf(during) and not upper_inf(during)),
    constraint bookings_visitor_name_check check (visitor_name is null or char_length(btrim(visitor_name)) between 3 and 100),
    constraint bookings_visitor_plate_check check (visitor_plate ~ '^[A-Z0-9]{5,6}$'),
    constraint bookings_visitor_present_check check (
        purged_at is not null or (visitor_name is not null and visitor_plate is not null)),
    constraint bookings_visitor_phone_pair_check check ((visitor_phone_enc is null) = (visitor_phone_bidx is null)),
    constraint bookings_visitor_phone_bidx_check check (
        visitor_phone_bidx is null or octet_length(visitor_phone_bidx) between 16 and 64),

    constraint bookings_base_price_clp_check check (base_price_clp >= 0),
    constraint bookings_multiplier_bp_check check (multiplier_bp > 0 and multiplier_bp <= 100000),
    constraint bookings_amount_clp_check check (amount_clp >= 0),
    constraint bookings_amount_pricing_check check (amount_clp = (base_price_clp * multiplier_bp + 9999) / 10000),
    constraint bookings_commission_rate_bp_check check (commission_rate_bp between 0 and 10000),
    constraint bookings_platform_commission_clp_check check (platform_commission_clp >= 0),
    constraint bookings_building_share_clp_check check (building_share_clp >= 0),
    constraint bookings_commission_split_check check (
        platform_commission_clp = (amount_clp * commission_rate_bp + 9999) / 10000
        and building_share_clp = amount_clp - platform_commission_clp),

    constraint bookings_status_check check (status in
        ('pending', 'confirmed', 'checked_in', 'checked_out', 'overstay', 'no_show', 'completed', 'cancelled')),
    constraint bookings_payment_status_check check (payment_status in
        ('pending', 'paid', 'refund_pending', 'refunded', 'partially_refunded', 'failed', 'not_required')),
    constraint bookings_confirmation_code_check check (confirmation_code ~ '^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$'),
    constraint bookings_guest_pass_token_check check (guest_pass_token ~ '^[A-Za-z0-9_-]{22,128}$'),

    -- lifecycle timestamps agree with the status
    constraint bookings_pending_hold_check check (status <> 'pending' or hold_expires_at is not null),
    constraint bookings_confirmed_at_check check (
        status not in ('confirmed', 'checked_in', 'checked_out', 'overstay', 'no_show', 'completed')
        or confirmed_at is not null),
    constraint bookings_cancelled_at_check check ((status = 'cancelled') = (cancelled_at is not null)),
    constraint bookings_checked_in_at_check check (
        status not in ('checked_in', 'checked_out', 'overstay') or checked_in_at is not null),
    constraint bookings_checked_out_at_check check (status <> 'checked_out' or checked_out_at is not null),
    constraint bookings_no_show_at_check check (status <> 'no_show' or no_show_at is not null),
    constraint bookings_completed_at_check check (status <> 'completed' or completed_at is not null),
    constraint bookings_cancel_reason_check check (cancel_reason is null or char_length(cancel_reason) <= 500)
);
-- trigger_updated_at() cannot be used here: its `when (old is distinct from new)` is a whole-row
-- reference, which PostgreSQL refuses on a table with generated columns. Same trigger, no when.
create trigger set_updated_at
    before update on bookings
    for each row execute function set_updated_at();

-- search by building + date, and admin filters by status
create index bookings_building_start_idx on bookings (building_id, starts_at);
create index bookings_building_status_start_idx on bookings (building_id, status, starts_at);
-- "my bookings"
create index bookings_resident_start_idx on bookings (resident_id, starts_at desc);
-- active-booking quota per resident
create index bookings_resident_active_idx on bookings (resident_id)
    where status in ('pending', 'confirmed', 'checked_in', 'overstay');
create index bookings_spot_start_idx on bookings (spot_id, starts_at);
create index bookings_block_idx on bookings (block_id);
-- concierge lookup by plate (plates are stored normalised upper-case)
create index bookings_building_plate_idx on bookings (building_id, visitor_plate, starts_at)
    where visitor_plate is not null;
create index bookings_visitor_phone_bidx_idx on bookings (visitor_phone_bidx) where visitor_phone_bidx is not null;
-- jobs: hold expiry, no-show / overstay / complete sweeps, reminders, retention purge
create index bookings_pending_hold_idx on bookings (hold_expires_at) where status = 'pending';
create index bookings_live_status_start_idx on bookings (status, starts_at)
    where status in ('confirmed', 'checked_in', 'overstay');
create index bookings_purge_idx on bookings (ends_at) where purged_at is null;
create index bookings_pricing_rule_idx on bookings (pricing_rule_id) where pricing_rule_id is not null;
create index bookings_payment_status_idx on bookings (payment_status) where payment_status in ('refund_pending', 'failed');
create index bookings_created_at_idx on bookings (created_at);
