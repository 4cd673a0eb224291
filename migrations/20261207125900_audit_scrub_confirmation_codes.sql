-- Issue #12: the booking's confirmation code is a bearer credential at the gate; audit rows named
-- it in `booking.created` metadata. New rows carry the booking id only. This one-off redaction
-- removes the code from the rows written before, and runs before the audit log is hash-chained
-- (20261207130000), so the chain covers the redacted content. The append-only trigger is lifted
-- for this statement alone, inside the migration's transaction.
alter table audit_log disable trigger audit_log_append_only;
update audit_log
   set metadata = metadata - 'code'
 where action = 'booking.created'
   and metadata ? 'code';
alter table audit_log enable trigger audit_log_append_only;
