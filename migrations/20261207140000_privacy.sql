-- Privacy by design under Ley 21.719 (issue 13): the retention purge of messages, the erasure of
-- an account, the confirmation of a new phone by WhatsApp, and the opposition to reminders.
-- What each personal column holds, why and for how long is `app::privacy::registry`.

-- Messages: the retention purge (and an erasure) removes the recipient and the text, keeping the
-- row (kind, status, times) as the record that a message was sent. A purged row is never sent.
alter table notifications
    add column purged_at timestamptz,
    alter column recipient_enc drop not null,
    alter column recipient_bidx drop not null,
    alter column rendered_body drop not null,
    add constraint notifications_recipient_present_check check (
        purged_at is not null
        or (recipient_enc is not null and recipient_bidx is not null and rendered_body is not null)),
    add constraint notifications_purged_not_pending_check check (
        purged_at is null or status not in ('pending', 'sending'));

create index notifications_purge_idx on notifications (created_at) where purged_at is null;

-- The code that confirms a new phone is a message of its own kind.
alter table notifications drop constraint notifications_kind_check;
alter table notifications add constraint notifications_kind_check check (kind in
    ('booking_confirmed', 'booking_cancelled', 'booking_reminder', 'payment_failed', 'password_reset',
     'resident_approved', 'resident_rejected', 'phone_change_code'));

-- Opposition (art. 8 ter): a person may refuse reminder messages; confirmations and codes are
-- part of the service and always go.
alter table users
    add column reminders_opt_out boolean not null default false,
    add column erased_at timestamptz;

-- An erased resident keeps the profile row (the unit history of their bookings) without RUT.
alter table resident_profiles
    alter column rut_enc drop not null,
    alter column rut_bidx drop not null,
    add constraint resident_profiles_rut_pair_check check ((rut_enc is null) = (rut_bidx is null));

-- A new phone waits here, encrypted, until the 6-digit code sent to it by WhatsApp comes back.
-- Same rules as a password-reset code: argon2id hash, sealed copy for delivery (deleted once
-- sent), 10 minutes, 5 tries, one open change per person.
create table phone_changes (
    id          uuid primary key,
    user_id     uuid not null constraint phone_changes_user_id_fkey references users (id) on delete cascade,
    phone_enc   bytea not null,
    phone_bidx  bytea not null,
    code_hash   bytea not null,
    code_enc    bytea,
    expires_at  timestamptz not null,
    attempts    integer not null default 0,
    used_at     timestamptz,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),

    constraint phone_changes_attempts_check check (attempts >= 0),
    constraint phone_changes_expiry_check check (expires_at > created_at),
    constraint phone_changes_phone_bidx_check check (octet_length(phone_bidx) between 16 and 64)
);
select trigger_updated_at('phone_changes');

create index phone_changes_user_open_idx on phone_changes (user_id, created_at desc) where used_at is null;

-- Erasure requests (art. 7 and 11: the controller answers within 30 calendar days). One open
-- request per person; the building admin or a platform admin processes it.
create table erasure_requests (
    id           uuid primary key default gen_random_uuid(),
    user_id      uuid not null constraint erasure_requests_user_id_fkey references users (id) on delete restrict,
    building_id  uuid constraint erasure_requests_building_id_fkey references buildings (id) on delete restrict,
    status       text not null default 'pending',
    requested_at timestamptz not null default now(),
    due_at       timestamptz not null,
    processed_at timestamptz,
    processed_by uuid constraint erasure_requests_processed_by_fkey references users (id) on delete restrict,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),

    constraint erasure_requests_status_check check (status in ('pending', 'processed')),
    constraint erasure_requests_processed_check check (
        (status = 'processed') = (processed_at is not null and processed_by is not null)),
    constraint erasure_requests_due_check check (due_at > requested_at)
);
select trigger_updated_at('erasure_requests');

create unique index erasure_requests_one_open_key on erasure_requests (user_id) where status = 'pending';
create index erasure_requests_pending_idx on erasure_requests (building_id, due_at) where status = 'pending';
