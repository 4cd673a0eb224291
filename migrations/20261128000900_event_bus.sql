-- The event bus: the relay puts committed outbox rows on the bus (relayed_at); the notification
-- consumer marks each event handled (notified_at) in the transaction that creates its messages,
-- so a redelivered event creates nothing twice, and a relayed event that was never handled (the
-- bus lost it: Redis restarted without persistence) is found and published again.

alter table outbox add column notified_at timestamptz;

-- Everything the previous in-process dispatcher relayed was handled in the same transaction.
update outbox set notified_at = relayed_at where relayed_at is not null;

alter table outbox add constraint outbox_notified_after_relay_check
    check (notified_at is null or relayed_at is not null);

-- the redelivery sweep: relayed long ago, never handled
create index outbox_unnotified_idx on outbox (relayed_at) where relayed_at is not null and notified_at is null;

-- one reminder per booking, however often the reminder job runs and on however many instances
create unique index outbox_reminder_once_idx on outbox (aggregate_id) where event_type = 'booking.reminder_due';
