-- Transactional outbox, WhatsApp notifications and job runs.

-- Written in the same transaction as the state change it describes; a relay publishes it to the
-- bus (and creates notifications) afterwards. Payloads carry ids, never PII.
create table outbox (
    id              bigint generated always as identity primary key,
    event_type      text not null,
    event_version   integer not null default 1,
    aggregate_type  text not null,
    aggregate_id    text not null,
    building_id     uuid,
    payload         jsonb not null default '{}',
    relayed_at      timestamptz,
    attempts        integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_error      text,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),

    constraint outbox_event_type_check check (char_length(event_type) between 1 and 100),
    constraint outbox_event_version_check check (event_version >= 1),
    constraint outbox_aggregate_type_check check (char_length(aggregate_type) between 1 and 100),
    constraint outbox_attempts_check check (attempts >= 0),
    constraint outbox_payload_check check (jsonb_typeof(payload) = 'object')
);
select trigger_updated_at('outbox');

-- the relay: `... where relayed_at is null and next_attempt_at <= now() order by id for update skip locked`
create index outbox_unrelayed_idx on outbox (next_attempt_at, id) where relayed_at is null;
create index outbox_aggregate_idx on outbox (aggregate_type, aggregate_id, id);

-- One row per message to send. idempotency_key (e.g. 'booking_confirmed:<booking id>:visitor')
-- makes each message be created, and sent, once.
-- rendered_body is the exact text (shown by the development outbox and staff delivery views); for
-- password_reset it contains the code, so the application should not expose it beyond the dev outbox.
create table notifications (
    id                 uuid primary key default gen_random_uuid(),
    event_id           bigint constraint notifications_event_id_fkey references outbox (id) on delete set null,
    booking_id         uuid constraint notifications_booking_id_fkey references bookings (id) on delete restrict,
    user_id            uuid constraint notifications_user_id_fkey references users (id) on delete restrict,
    building_id        uuid constraint notifications_building_id_fkey references buildings (id) on delete restrict,
    kind               text not null,
    audience           text not null,
    channel            text not null default 'whatsapp',
    recipient_bidx     bytea not null,
    recipient_enc      bytea not null,
    idempotency_key    text not null,
    status             text not null default 'pending',
    transport          text,
    attempts           integer not null default 0,
    next_attempt_at    timestamptz default now(),
    provider_sid       text,
    provider_status    text,
    last_error         text,
    rendered_body      text not null,
    template_sid       text,
    template_variables jsonb,
    sent_at            timestamptz,
    delivered_at       timestamptz,
    failed_at          timestamptz,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),

    constraint notifications_idempotency_key_key unique (idempotency_key),
    constraint notifications_kind_check check (kind in
        ('booking_confirmed', 'booking_cancelled', 'booking_reminder', 'payment_failed', 'password_reset')),
    constraint notifications_audience_check check (audience in ('visitor', 'resident', 'user')),
    constraint notifications_channel_check check (channel in ('whatsapp')),
    constraint notifications_status_check check (status in
        ('pending', 'sending', 'sent', 'delivered', 'failed', 'undeliverable')),
    constraint notifications_transport_check check (transport is null or transport in ('twilio', 'dev_outbox')),
    constraint notifications_attempts_check check (attempts >= 0),
    constraint notifications_recipient_bidx_check check (octet_length(recipient_bidx) between 16 and 64),
    constraint notifications_idempotency_key_check check (char_length(idempotency_key) between 1 and 200),
    constraint notifications_sent_at_check check (status not in ('sent', 'delivered') or sent_at is not null),
    constraint notifications_delivered_at_check check (status <> 'delivered' or delivered_at is not null),
    constraint notifications_template_variables_check check (
        template_variables is null or jsonb_typeof(template_variables) = 'object')
);
select trigger_updated_at('notifications');

-- the sender: pending (and stuck 'sending') messages that are due
create index notifications_pending_idx on notifications (next_attempt_at)
    where status in ('pending', 'sending');
-- Twilio status callbacks find the message by its SID
create unique index notifications_provider_sid_key on notifications (provider_sid) where provider_sid is not null;
create index notifications_booking_idx on notifications (booking_id) where booking_id is not null;
create index notifications_user_idx on notifications (user_id) where user_id is not null;
create index notifications_building_created_idx on notifications (building_id, created_at desc);
create index notifications_created_idx on notifications (created_at desc);
create index notifications_event_idx on notifications (event_id) where event_id is not null;

-- Observability of scheduled jobs (one row per run).
create table job_runs (
    id          uuid primary key default gen_random_uuid(),
    job_name    text not null,
    instance_id text,
    started_at  timestamptz not null default now(),
    finished_at timestamptz,
    status      text not null default 'running',
    result      jsonb not null default '{}',
    error       text,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),

    constraint job_runs_job_name_check check (char_length(job_name) between 1 and 100),
    constraint job_runs_status_check check (status in ('running', 'succeeded', 'failed')),
    constraint job_runs_finished_check check ((status = 'running') = (finished_at is null)),
    constraint job_runs_result_check check (jsonb_typeof(result) = 'object')
);
select trigger_updated_at('job_runs');

create index job_runs_job_started_idx on job_runs (job_name, started_at desc);
create index job_runs_running_idx on job_runs (started_at) where status = 'running';
