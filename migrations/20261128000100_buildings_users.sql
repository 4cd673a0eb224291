-- Buildings, the single users table (every role), units, resident profiles and password resets.
--
-- buildings.sales_rep_id -> users and users.building_id -> buildings form a cycle: buildings is
-- created first, users second, and the sales-rep foreign key is added afterwards with alter table.

-- True when the name is a time zone PostgreSQL knows (e.g. 'America/Santiago').
create or replace function is_valid_time_zone(tz text)
    returns boolean as
$$
begin
    perform now() at time zone tz;
    return true;
exception when others then
    return false;
end;
$$ language plpgsql stable;

create table buildings (
    id                               uuid primary key default gen_random_uuid(),
    name                             text not null,
    address                          text not null,
    comuna                           text,
    time_zone                        text not null default 'America/Santiago',
    contact_email                    citext,
    commission_rate_bp               integer not null default 1000,
    sales_rep_id                     uuid, -- fk added below (users does not exist yet)
    sales_rep_rate_bp                integer not null default 500,
    monthly_fee_clp                  bigint not null default 0,
    status                           text not null default 'active',
    archived_at                      timestamptz,
    -- settings
    booking_horizon_days             integer not null default 30,
    max_active_bookings_per_resident integer not null default 4,
    hold_minutes                     integer not null default 15,
    no_show_enabled                  boolean not null default true,
    no_show_grace_minutes            integer not null default 30,
    overstay_grace_minutes           integer not null default 15,
    check_in_early_minutes           integer not null default 15,
    created_at                       timestamptz not null default now(),
    updated_at                       timestamptz not null default now(),

    constraint buildings_name_check check (char_length(btrim(name)) between 1 and 200),
    constraint buildings_address_check check (char_length(btrim(address)) between 1 and 500),
    constraint buildings_time_zone_check check (is_valid_time_zone(time_zone)),
    constraint buildings_commission_rate_bp_check check (commission_rate_bp between 0 and 10000),
    constraint buildings_sales_rep_rate_bp_check check (sales_rep_rate_bp between 0 and 10000),
    constraint buildings_monthly_fee_clp_check check (monthly_fee_clp >= 0),
    constraint buildings_status_check check (status in ('active', 'archived')),
    constraint buildings_archived_at_check check ((status = 'archived') = (archived_at is not null)),
    constraint buildings_booking_horizon_days_check check (booking_horizon_days between 1 and 180),
    constraint buildings_max_active_bookings_check check (max_active_bookings_per_resident between 1 and 100),
    constraint buildings_hold_minutes_check check (hold_minutes between 1 and 120),
    constraint buildings_no_show_grace_minutes_check check (no_show_grace_minutes between 0 and 1440),
    constraint buildings_overstay_grace_minutes_check check (overstay_grace_minutes between 0 and 1440),
    constraint buildings_check_in_early_minutes_check check (check_in_early_minutes between 0 and 1440)
);
select trigger_updated_at('buildings');

create index buildings_sales_rep_idx on buildings (sales_rep_id) where sales_rep_id is not null;
create index buildings_status_name_idx on buildings (status, name);

create table users (
    id                  uuid primary key default gen_random_uuid(),
    email               citext not null,
    password_hash       text not null,
    role                text not null,
    building_id         uuid constraint users_building_id_fkey references buildings (id) on delete restrict,
    status              text not null default 'pending',
    status_reason       text,
    full_name           text not null,
    phone_enc           bytea,
    phone_bidx          bytea,
    failed_login_count  integer not null default 0,
    locked_until        timestamptz,
    last_login_at       timestamptz,
    session_epoch       integer not null default 0,
    password_changed_at timestamptz,
    created_at          timestamptz not null default now(),
    updated_at          timestamptz not null default now(),

    constraint users_email_key unique (email),
    -- (id, building_id) is the target of composite foreign keys that keep denormalised
    -- building ids honest (resident_profiles, bookings).
    constraint users_id_building_key unique (id, building_id),
    constraint users_email_check check (char_length(email) between 3 and 254 and email ~ '^[^@\s]+@[^@\s]+$'),
    constraint users_role_check check (role in ('resident', 'concierge', 'building_admin', 'support', 'admin', 'sales_rep')),
    -- building-scoped roles have a building; platform roles (support, admin, sales_rep) have none
    -- (a sales rep's buildings are buildings.sales_rep_id).
    constraint users_building_scope_check check (
        (role in ('resident', 'concierge', 'building_admin')) = (building_id is not null)),
    constraint users_status_check check (status in ('pending', 'active', 'inactive', 'banned')),
    constraint users_full_name_check check (char_length(btrim(full_name)) between 1 and 200),
    constraint users_phone_pair_check check ((phone_enc is null) = (phone_bidx is null)),
    constraint users_phone_bidx_check check (phone_bidx is null or octet_length(phone_bidx) between 16 and 64),
    constraint users_failed_login_count_check check (failed_login_count >= 0),
    constraint users_session_epoch_check check (session_epoch >= 0)
);
select trigger_updated_at('users');

create index users_building_role_idx on users (building_id, role, status) where building_id is not null;
create index users_role_status_idx on users (role, status);
create index users_phone_bidx_idx on users (phone_bidx) where phone_bidx is not null;
create index users_created_at_idx on users (created_at);

alter table buildings
    add constraint buildings_sales_rep_id_fkey
    foreign key (sales_rep_id) references users (id) on delete set null;

create table units (
    id          uuid primary key default gen_random_uuid(),
    building_id uuid not null constraint units_building_id_fkey references buildings (id) on delete cascade,
    number      text not null,
    floor       integer,
    active      boolean not null default true,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),

    constraint units_building_number_key unique (building_id, number),
    constraint units_id_building_key unique (id, building_id),
    constraint units_number_check check (number ~ '^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,19}$'),
    constraint units_floor_check check (floor is null or floor between -20 and 300)
);
select trigger_updated_at('units');

-- One row per resident user. building_id is denormalised so that two composite foreign keys
-- guarantee the unit belongs to the resident's building.
create table resident_profiles (
    user_id     uuid primary key,
    building_id uuid not null,
    unit_id     uuid not null,
    rut_enc     bytea not null,
    rut_bidx    bytea not null,
    first_name  text not null,
    last_name   text not null,
    approved_at timestamptz,
    approved_by uuid constraint resident_profiles_approved_by_fkey references users (id) on delete restrict,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),

    constraint resident_profiles_user_fkey foreign key (user_id, building_id)
        references users (id, building_id) on delete restrict,
    constraint resident_profiles_unit_fkey foreign key (unit_id, building_id)
        references units (id, building_id) on delete restrict,
    constraint resident_profiles_rut_bidx_key unique (rut_bidx),
    constraint resident_profiles_rut_bidx_check check (octet_length(rut_bidx) between 16 and 64),
    constraint resident_profiles_first_name_check check (char_length(btrim(first_name)) between 1 and 100),
    constraint resident_profiles_last_name_check check (char_length(btrim(last_name)) between 1 and 100),
    constraint resident_profiles_approval_check check ((approved_at is null) = (approved_by is null))
);
select trigger_updated_at('resident_profiles');

create index resident_profiles_unit_idx on resident_profiles (unit_id);
create index resident_profiles_building_pending_idx on resident_profiles (building_id, created_at)
    where approved_at is null;

-- Password reset codes: 6 digits, stored hashed, 10 minutes, single use, at most 5 tries.
create table password_resets (
    id           uuid primary key default gen_random_uuid(),
    user_id      uuid not null constraint password_resets_user_id_fkey references users (id) on delete cascade,
    code_hash    bytea not null,
    expires_at   timestamptz not null,
    attempts     integer not null default 0,
    used_at      timestamptz,
    requested_ip inet,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),

    constraint password_resets_attempts_check check (attempts >= 0),
    constraint password_resets_expiry_check check (expires_at > created_at)
);
select trigger_updated_at('password_resets');

create index password_resets_user_open_idx on password_resets (user_id, created_at desc) where used_at is null;
create index password_resets_expires_idx on password_resets (expires_at);
