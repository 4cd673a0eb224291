-- Visitor spots, block templates, materialised availability blocks, spot closures, pricing rules.
--
-- Blocks are inventory: blocks of different templates (Día completo vs Noche) legitimately
-- overlap, so there is no exclusion constraint here. The no-double-booking invariant lives on
-- bookings (bookings_no_overlap).

create table visitor_spots (
    id          uuid primary key default gen_random_uuid(),
    building_id uuid not null constraint visitor_spots_building_id_fkey references buildings (id) on delete cascade,
    number      text not null,
    label       text,
    description text,
    map_x       smallint,
    map_y       smallint,
    active      boolean not null default true,
    sort_order  integer not null default 0,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),

    constraint visitor_spots_building_number_key unique (building_id, number),
    constraint visitor_spots_id_building_key unique (id, building_id),
    constraint visitor_spots_number_check check (number ~ '^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,19}$'),
    constraint visitor_spots_map_position_check check (
        (map_x is null and map_y is null)
        or (map_x is not null and map_y is not null and map_x between 0 and 10000 and map_y between 0 and 10000))
);
select trigger_updated_at('visitor_spots');

create index visitor_spots_building_active_idx on visitor_spots (building_id, active, sort_order, number);

-- Daily block shapes of a building: 'Día' 08:00 +660 min, 'Noche' 20:00 +660, 'Día completo' 08:00 +1380.
-- start_local is wall-clock time in the building's time zone.
create table block_templates (
    id               uuid primary key default gen_random_uuid(),
    building_id      uuid not null constraint block_templates_building_id_fkey references buildings (id) on delete cascade,
    name             text not null,
    start_local      time not null,
    duration_minutes integer not null,
    base_price_clp   bigint not null,
    active           boolean not null default true,
    sort_order       integer not null default 0,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),

    constraint block_templates_building_name_key unique (building_id, name),
    constraint block_templates_id_building_key unique (id, building_id),
    constraint block_templates_name_check check (char_length(btrim(name)) between 1 and 60),
    constraint block_templates_duration_minutes_check check (duration_minutes > 0 and duration_minutes <= 1440),
    constraint block_templates_base_price_clp_check check (base_price_clp >= 0)
);
select trigger_updated_at('block_templates');

create table availability_blocks (
    id             uuid primary key default gen_random_uuid(),
    spot_id        uuid not null,
    building_id    uuid not null,
    template_id    uuid,
    starts_at      timestamptz not null,
    ends_at        timestamptz not null,
    during         tstzrange generated always as (tstzrange(starts_at, ends_at, '[)')) stored,
    base_price_clp bigint not null,
    status         text not null default 'available',
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),

    -- building_id must be the spot's building (composite fk); blocks go with their spot.
    constraint availability_blocks_spot_fkey foreign key (spot_id, building_id)
        references visitor_spots (id, building_id) on delete cascade,
    -- A template that has blocks cannot be deleted on its own (deactivate it instead);
    -- "no action" (checked at end of statement) so that deleting the whole building, which
    -- cascades to both templates and blocks, still works.
    constraint availability_blocks_template_fkey foreign key (template_id, building_id)
        references block_templates (id, building_id) on delete no action,
    -- the generator reruns idempotently with `on conflict on constraint ... do nothing`
    constraint availability_blocks_spot_template_start_key unique (spot_id, template_id, starts_at),
    -- target of bookings' composite fk: a booking copies spot, building and range of its block
    constraint availability_blocks_booking_ref_key unique (id, spot_id, building_id, during),
    constraint availability_blocks_range_check check (starts_at < ends_at),
    constraint availability_blocks_max_length_check check (ends_at - starts_at <= interval '48 hours'),
    constraint availability_blocks_base_price_clp_check check (base_price_clp >= 0),
    constraint availability_blocks_status_check check (status in ('available', 'reserved', 'blocked'))
);
-- trigger_updated_at() cannot be used here: its `when (old is distinct from new)` is a whole-row
-- reference, which PostgreSQL refuses on a table with generated columns. Same trigger, no when.
create trigger set_updated_at
    before update on availability_blocks
    for each row execute function set_updated_at();

-- search: a building's blocks of a day
create index availability_blocks_building_start_idx on availability_blocks (building_id, starts_at) include (status);
create index availability_blocks_spot_start_idx on availability_blocks (spot_id, starts_at);
-- closures and "what overlaps this range on this spot"
create index availability_blocks_spot_during_idx on availability_blocks using gist (spot_id, during);
create index availability_blocks_template_idx on availability_blocks (template_id) where template_id is not null;

-- Maintenance ranges on a spot.
create table spot_closures (
    id          uuid primary key default gen_random_uuid(),
    spot_id     uuid not null,
    building_id uuid not null,
    during      tstzrange not null,
    reason      text not null,
    created_by  uuid not null constraint spot_closures_created_by_fkey references users (id) on delete restrict,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),

    constraint spot_closures_spot_fkey foreign key (spot_id, building_id)
        references visitor_spots (id, building_id) on delete cascade,
    constraint spot_closures_during_check check (
        not isempty(during) and not lower_inf(during) and not upper_inf(during)),
    constraint spot_closures_reason_check check (char_length(btrim(reason)) between 1 and 500)
);
select trigger_updated_at('spot_closures');

create index spot_closures_spot_during_idx on spot_closures using gist (spot_id, during);
create index spot_closures_building_idx on spot_closures (building_id, lower(during));

-- Multipliers in basis points: 10000 = x1, 11000 = x1.1; > 0 and <= x10.
create table pricing_rules (
    id            uuid primary key default gen_random_uuid(),
    building_id   uuid not null constraint pricing_rules_building_id_fkey references buildings (id) on delete cascade,
    name          text not null,
    priority      integer not null default 0,
    starts_at     timestamptz not null,
    ends_at       timestamptz not null,
    multiplier_bp integer not null,
    active        boolean not null default true,
    created_by    uuid constraint pricing_rules_created_by_fkey references users (id) on delete restrict,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),

    constraint pricing_rules_name_check check (char_length(btrim(name)) between 1 and 100),
    constraint pricing_rules_range_check check (starts_at < ends_at),
    constraint pricing_rules_multiplier_bp_check check (multiplier_bp > 0 and multiplier_bp <= 100000)
);
select trigger_updated_at('pricing_rules');

-- rule selection: active rules of a building overlapping a block, priority desc, created_at desc
create index pricing_rules_building_active_idx on pricing_rules (building_id, priority desc, created_at desc)
    include (starts_at, ends_at, multiplier_bp) where active;
