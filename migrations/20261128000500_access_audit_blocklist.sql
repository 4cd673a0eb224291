-- Access events (concierge), the audit log and the blocklist.

-- Every verification (allowed or denied), check-in, check-out and no-show. Append-only: the only
-- update allowed is the retention purge, which nulls plate_observed and query_text and sets
-- purged_at; deletes and truncates are refused.
create table access_events (
    id             uuid primary key default gen_random_uuid(),
    booking_id     uuid,
    building_id    uuid not null constraint access_events_building_id_fkey references buildings (id) on delete restrict,
    actor_id       uuid constraint access_events_actor_id_fkey references users (id) on delete restrict,
    kind           text not null,
    plate_observed text,
    query_text     text,
    reason         text,
    occurred_at    timestamptz not null default now(),
    purged_at      timestamptz,
    created_at     timestamptz not null default now(),

    -- the booking (when there is one) is a booking of this building
    constraint access_events_booking_fkey foreign key (booking_id, building_id)
        references bookings (id, building_id) on delete restrict,
    constraint access_events_kind_check check (kind in ('verify_allowed', 'verify_denied', 'check_in', 'check_out', 'no_show')),
    constraint access_events_booking_required_check check (kind = 'verify_denied' or booking_id is not null),
    constraint access_events_plate_observed_check check (plate_observed is null or plate_observed ~ '^[A-Z0-9]{1,12}$'),
    constraint access_events_query_text_check check (query_text is null or char_length(query_text) <= 64),
    constraint access_events_reason_check check (reason is null or char_length(reason) <= 500)
);

create index access_events_building_time_idx on access_events (building_id, occurred_at desc);
create index access_events_booking_idx on access_events (booking_id, occurred_at) where booking_id is not null;
create index access_events_actor_idx on access_events (actor_id, occurred_at desc) where actor_id is not null;
create index access_events_purge_idx on access_events (occurred_at)
    where purged_at is null and (plate_observed is not null or query_text is not null);

create or replace function access_events_guard()
    returns trigger as
$$
begin
    if tg_op = 'UPDATE'
       and new.plate_observed is null
       and new.query_text is null
       and new.purged_at is not null
       and (to_jsonb(new) - 'plate_observed' - 'query_text' - 'purged_at')
         = (to_jsonb(old) - 'plate_observed' - 'query_text' - 'purged_at') then
        return new; -- retention purge
    end if;
    raise exception 'access_events is append-only'
        using errcode = 'raise_exception',
              hint = 'only the retention purge (null plate_observed and query_text, set purged_at) may update a row';
end;
$$ language plpgsql;

create trigger access_events_append_only
    before update or delete on access_events
    for each row execute function access_events_guard();

create or replace function refuse_truncate()
    returns trigger as
$$
begin
    raise exception '% is append-only', tg_table_name using errcode = 'raise_exception';
end;
$$ language plpgsql;

create trigger access_events_no_truncate
    before truncate on access_events
    for each statement execute function refuse_truncate();

-- The audit trail. Append-only and independent: no foreign keys, so deleting or archiving a
-- building or user never touches (or is blocked by) its history. No PII in metadata.
create table audit_log (
    id          bigint generated always as identity primary key,
    occurred_at timestamptz not null default now(),
    actor_id    uuid,
    actor_type  text not null,
    actor_role  text,
    building_id uuid,
    action      text not null,
    entity_type text,
    entity_id   text,
    metadata    jsonb not null default '{}',
    ip          inet,
    user_agent  text,
    request_id  text,
    created_at  timestamptz not null default now(),

    constraint audit_log_actor_type_check check (actor_type in ('user', 'system', 'anonymous')),
    constraint audit_log_actor_check check ((actor_type = 'user') = (actor_id is not null)),
    constraint audit_log_actor_role_check check (actor_role is null
        or actor_role in ('resident', 'concierge', 'building_admin', 'support', 'admin', 'sales_rep')),
    constraint audit_log_action_check check (char_length(action) between 1 and 100),
    constraint audit_log_entity_check check (entity_id is null or entity_type is not null),
    constraint audit_log_metadata_check check (jsonb_typeof(metadata) = 'object')
);

create index audit_log_occurred_idx on audit_log (occurred_at desc);
create index audit_log_actor_idx on audit_log (actor_id, occurred_at desc) where actor_id is not null;
create index audit_log_entity_idx on audit_log (entity_type, entity_id, occurred_at desc) where entity_id is not null;
create index audit_log_building_idx on audit_log (building_id, occurred_at desc) where building_id is not null;
create index audit_log_action_idx on audit_log (action, occurred_at desc);

create or replace function audit_log_refuse_change()
    returns trigger as
$$
begin
    raise exception 'audit_log is append-only' using errcode = 'raise_exception';
end;
$$ language plpgsql;

create trigger audit_log_append_only
    before update or delete on audit_log
    for each row execute function audit_log_refuse_change();

create trigger audit_log_no_truncate
    before truncate on audit_log
    for each statement execute function refuse_truncate();

-- Blocklist: global (building_id null, admin) or per building. Values are never stored in clear:
-- value_bidx is the keyed blind index (HMAC-SHA256) of the normalised value; value_display is a
-- masked rendering for the UI (e.g. '••.•••.678-5', or the plate).
create table blocklist_entries (
    id            uuid primary key default gen_random_uuid(),
    building_id   uuid constraint blocklist_entries_building_id_fkey references buildings (id) on delete cascade,
    kind          text not null,
    value_bidx    bytea not null,
    value_display text not null,
    reason        text not null,
    created_by    uuid not null constraint blocklist_entries_created_by_fkey references users (id) on delete restrict,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),

    -- one entry per scope (global = null), kind and value
    constraint blocklist_entries_scope_kind_value_key unique nulls not distinct (building_id, kind, value_bidx),
    constraint blocklist_entries_kind_check check (kind in ('email', 'phone', 'rut', 'plate', 'ip')),
    constraint blocklist_entries_value_bidx_check check (octet_length(value_bidx) between 16 and 64),
    constraint blocklist_entries_value_display_check check (char_length(value_display) between 1 and 100),
    constraint blocklist_entries_reason_check check (char_length(btrim(reason)) between 1 and 500)
);
select trigger_updated_at('blocklist_entries');

-- matching: `where kind = $1 and value_bidx = any($2) and (building_id is null or building_id = $3)`
create index blocklist_entries_match_idx on blocklist_entries (kind, value_bidx);
create index blocklist_entries_building_idx on blocklist_entries (building_id, created_at desc);
