-- Payments, webhook idempotency, refunds, payouts and sales-rep commissions.
-- Money rows are never cascaded away: every foreign key on these paths is `on delete restrict`.

create table payments (
    id                     uuid primary key default gen_random_uuid(),
    booking_id             uuid not null constraint payments_booking_id_fkey references bookings (id) on delete restrict,
    provider               text not null,
    provider_payment_id    text,
    provider_preference_id text,
    amount_clp             bigint not null,
    currency               text not null default 'CLP',
    status                 text not null default 'pending',
    status_detail          text,
    -- the gateway's payload with card, email and phone data masked
    raw                    jsonb not null default '{}',
    approved_at            timestamptz,
    created_at             timestamptz not null default now(),
    updated_at             timestamptz not null default now(),

    constraint payments_id_booking_key unique (id, booking_id),
    constraint payments_provider_check check (provider in ('simulator', 'mercadopago')),
    constraint payments_amount_clp_check check (amount_clp >= 0),
    constraint payments_currency_check check (currency = 'CLP'),
    constraint payments_status_check check (status in ('pending', 'approved', 'rejected', 'cancelled', 'refunded')),
    constraint payments_approved_at_check check (status not in ('approved', 'refunded') or approved_at is not null),
    constraint payments_raw_check check (jsonb_typeof(raw) = 'object')
);
select trigger_updated_at('payments');

-- a gateway payment id is recorded once per provider (idempotent webhooks)
create unique index payments_provider_payment_key on payments (provider, provider_payment_id)
    where provider_payment_id is not null;
create index payments_booking_idx on payments (booking_id, created_at desc);
create index payments_status_created_idx on payments (status, created_at);
create index payments_preference_idx on payments (provider_preference_id) where provider_preference_id is not null;

-- Every webhook notification received, once per (provider, event id): a replay is a no-op.
create table payment_events (
    id                uuid primary key default gen_random_uuid(),
    provider          text not null,
    provider_event_id text not null,
    event_type        text,
    payment_id        uuid constraint payment_events_payment_id_fkey references payments (id) on delete restrict,
    booking_id        uuid constraint payment_events_booking_id_fkey references bookings (id) on delete restrict,
    received_at       timestamptz not null default now(),
    processed_at      timestamptz,
    process_error     text,
    payload           jsonb not null default '{}',
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),

    constraint payment_events_provider_event_key unique (provider, provider_event_id),
    constraint payment_events_provider_check check (provider in ('simulator', 'mercadopago')),
    constraint payment_events_provider_event_id_check check (char_length(provider_event_id) between 1 and 200)
);
select trigger_updated_at('payment_events');

create index payment_events_payment_idx on payment_events (payment_id) where payment_id is not null;
create index payment_events_booking_idx on payment_events (booking_id) where booking_id is not null;
create index payment_events_unprocessed_idx on payment_events (received_at) where processed_at is null;

-- Refunds go through the gateway and are retried until they succeed or staff see them fail.
create table refunds (
    id                 uuid primary key default gen_random_uuid(),
    booking_id         uuid not null,
    payment_id         uuid not null,
    amount_clp         bigint not null,
    status             text not null default 'pending',
    reason             text,
    requested_by       uuid constraint refunds_requested_by_fkey references users (id) on delete restrict,
    idempotency_key    text not null,
    provider_refund_id text,
    attempts           integer not null default 0,
    last_error         text,
    next_attempt_at    timestamptz default now(),
    succeeded_at       timestamptz,
    failed_at          timestamptz,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now(),

    -- the refunded payment is a payment of the same booking
    constraint refunds_payment_fkey foreign key (payment_id, booking_id)
        references payments (id, booking_id) on delete restrict,
    constraint refunds_booking_fkey foreign key (booking_id)
        references bookings (id) on delete restrict,
    constraint refunds_idempotency_key_key unique (idempotency_key),
    constraint refunds_amount_clp_check check (amount_clp > 0),
    constraint refunds_status_check check (status in ('pending', 'succeeded', 'failed')),
    constraint refunds_attempts_check check (attempts >= 0),
    constraint refunds_succeeded_at_check check ((status = 'succeeded') = (succeeded_at is not null)),
    constraint refunds_idempotency_key_check check (char_length(idempotency_key) between 8 and 200)
);
select trigger_updated_at('refunds');

create index refunds_booking_idx on refunds (booking_id);
create index refunds_payment_idx on refunds (payment_id);
create index refunds_due_idx on refunds (next_attempt_at) where status = 'pending';
create index refunds_failed_idx on refunds (created_at) where status = 'failed';

-- The refunds of a payment (except failed ones) never add up to more than the payment.
-- The payment row is locked so concurrent refunds serialise. Raised as a check violation
-- named refunds_total_within_payment.
create or replace function refunds_check_total()
    returns trigger as
$$
declare
    paid   bigint;
    others bigint;
begin
    if new.status = 'failed' then
        return new;
    end if;
    select amount_clp into paid from payments where id = new.payment_id for update;
    select coalesce(sum(amount_clp), 0) into others
      from refunds
     where payment_id = new.payment_id and status <> 'failed' and id <> new.id;
    if paid is not null and others + new.amount_clp > paid then
        raise exception 'refunds of payment % would total % CLP, more than the % CLP paid',
                new.payment_id, others + new.amount_clp, paid
            using errcode = 'check_violation',
                  constraint = 'refunds_total_within_payment',
                  table = 'refunds';
    end if;
    return new;
end;
$$ language plpgsql;

create trigger refunds_total_within_payment
    before insert or update of amount_clp, status, payment_id on refunds
    for each row execute function refunds_check_total();

-- One row per building and local day (the building's time zone).
create table payouts (
    id                      uuid primary key default gen_random_uuid(),
    building_id             uuid not null constraint payouts_building_id_fkey references buildings (id) on delete restrict,
    local_date              date not null,
    bookings_count          integer not null default 0,
    gross_clp               bigint not null default 0,
    platform_commission_clp bigint not null default 0,
    building_share_clp      bigint not null default 0,
    status                  text not null default 'calculated',
    paid_at                 timestamptz,
    paid_by                 uuid constraint payouts_paid_by_fkey references users (id) on delete restrict,
    payment_reference       text,
    created_at              timestamptz not null default now(),
    updated_at              timestamptz not null default now(),

    constraint payouts_building_day_key unique (building_id, local_date),
    constraint payouts_id_building_key unique (id, building_id),
    constraint payouts_bookings_count_check check (bookings_count >= 0),
    constraint payouts_gross_clp_check check (gross_clp >= 0),
    constraint payouts_platform_commission_clp_check check (platform_commission_clp >= 0),
    constraint payouts_building_share_clp_check check (building_share_clp >= 0),
    constraint payouts_split_check check (gross_clp = platform_commission_clp + building_share_clp),
    constraint payouts_status_check check (status in ('calculated', 'paid')),
    constraint payouts_paid_check check ((status = 'paid') = (paid_at is not null)),
    constraint payouts_paid_by_check check ((paid_at is null) = (paid_by is null))
);
select trigger_updated_at('payouts');

create index payouts_local_date_idx on payouts (local_date desc);
create index payouts_status_date_idx on payouts (status, local_date);

-- The sales rep's share of a payout: floor(platform_commission_clp * rate_bp / 10000).
create table sales_rep_commissions (
    id                uuid primary key default gen_random_uuid(),
    payout_id         uuid not null,
    building_id       uuid not null,
    sales_rep_id      uuid not null constraint sales_rep_commissions_sales_rep_id_fkey references users (id) on delete restrict,
    rate_bp           integer not null,
    base_clp          bigint not null,
    amount_clp        bigint not null,
    status            text not null default 'pending',
    paid_at           timestamptz,
    paid_by           uuid constraint sales_rep_commissions_paid_by_fkey references users (id) on delete restrict,
    payment_reference text,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),

    constraint sales_rep_commissions_payout_fkey foreign key (payout_id, building_id)
        references payouts (id, building_id) on delete restrict,
    constraint sales_rep_commissions_building_fkey foreign key (building_id)
        references buildings (id) on delete restrict,
    constraint sales_rep_commissions_payout_key unique (payout_id),
    constraint sales_rep_commissions_rate_bp_check check (rate_bp between 0 and 10000),
    constraint sales_rep_commissions_base_clp_check check (base_clp >= 0),
    constraint sales_rep_commissions_amount_clp_check check (amount_clp >= 0),
    constraint sales_rep_commissions_amount_formula_check check (amount_clp = (base_clp * rate_bp) / 10000),
    constraint sales_rep_commissions_status_check check (status in ('pending', 'paid')),
    constraint sales_rep_commissions_paid_check check ((status = 'paid') = (paid_at is not null)),
    constraint sales_rep_commissions_paid_by_check check ((paid_at is null) = (paid_by is null))
);
select trigger_updated_at('sales_rep_commissions');

create index sales_rep_commissions_rep_idx on sales_rep_commissions (sales_rep_id, created_at desc);
create index sales_rep_commissions_building_idx on sales_rep_commissions (building_id);
create index sales_rep_commissions_status_idx on sales_rep_commissions (status) where status = 'pending';
