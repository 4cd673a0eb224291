-- Identity: the reset code must reach the person by WhatsApp after the transaction commits, so it
-- is kept encrypted (vault, AAD password_resets.code_enc.<id>) next to its hash until delivered;
-- and residents hear about approval or rejection of their account.
alter table password_resets add column code_enc bytea;

alter table notifications drop constraint notifications_kind_check;
alter table notifications add constraint notifications_kind_check check (kind in
    ('booking_confirmed', 'booking_cancelled', 'booking_reminder', 'payment_failed', 'password_reset',
     'resident_approved', 'resident_rejected'));
