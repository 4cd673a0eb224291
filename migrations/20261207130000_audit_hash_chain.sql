-- A tamper-evident audit trail (ASVS 5.0 16.4.2): every row carries the SHA-256 of its content
-- and of the previous row's hash, so editing, deleting or reordering any row breaks the chain
-- from that row on, which `server verify-audit` reports.
--
-- The chain is stamped at COMMIT by a deferred constraint trigger, under a lock on the single
-- chain-head row: the head is held only between a transaction's commit-time triggers and the end
-- of its commit, when the transaction waits for nothing else, so it cannot take part in a
-- deadlock with the row locks the change itself took. The chain follows commit order, and
-- `chain_seq` has no gaps: a rolled-back transaction never reaches the trigger.
-- Writers run at READ COMMITTED, the default (a REPEATABLE READ writer would get a
-- serialization failure when another commit moved the head after its snapshot, and must retry).
--
-- The canonical text of a row is built from PostgreSQL's own output functions (timestamps as UTC
-- with microseconds, jsonb's normalised text with its fixed key order, inet's text), each field
-- length-prefixed so no two rows share a text. The verifier selects the same expressions and
-- recomputes the hashes in Rust, so it does not depend on these functions being intact.

alter table audit_log
    add column chain_seq bigint,
    add column prev_hash bytea,
    add column row_hash  bytea;

-- The head of the chain: the last stamped sequence number and hash. One row only.
create table audit_chain_head (
    singleton boolean primary key default true,
    last_seq  bigint not null,
    last_hash bytea  not null,

    constraint audit_chain_head_singleton_check check (singleton)
);

-- One field of the canonical text: '-' for null, else its byte length, ':' and the text.
create function audit_log_field(v text) returns text
    language sql immutable
as $$
    select case when v is null then '-' else octet_length(v)::text || ':' || v end
$$;

-- The canonical text a row's hash covers (format version v1).
create function audit_log_canonical(r audit_log) returns text
    language sql stable
as $$
    select concat_ws('|',
        'v1',
        audit_log_field(r.chain_seq::text),
        audit_log_field(r.id::text),
        audit_log_field(to_char(r.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')),
        audit_log_field(r.actor_id::text),
        audit_log_field(r.actor_type),
        audit_log_field(r.actor_role),
        audit_log_field(r.building_id::text),
        audit_log_field(r.action),
        audit_log_field(r.entity_type),
        audit_log_field(r.entity_id),
        audit_log_field(r.metadata::text),
        audit_log_field(r.ip::text),
        audit_log_field(r.user_agent),
        audit_log_field(r.request_id),
        audit_log_field(to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')))
$$;

-- Chain the rows written before this migration, in id order, starting from the genesis hash
-- (32 zero bytes). The append-only trigger is off for this one statement block only.
alter table audit_log disable trigger audit_log_append_only;

do $$
declare
    r    audit_log;
    prev bytea := decode(repeat('00', 32), 'hex');
    seq  bigint := 0;
    hash bytea;
begin
    for r in select * from audit_log order by id loop
        seq := seq + 1;
        r.chain_seq := seq;
        hash := sha256(prev || convert_to(audit_log_canonical(r), 'UTF8'));
        update audit_log set chain_seq = seq, prev_hash = prev, row_hash = hash where id = r.id;
        prev := hash;
    end loop;
    insert into audit_chain_head (singleton, last_seq, last_hash) values (true, seq, prev);
end;
$$;

alter table audit_log enable trigger audit_log_append_only;

create unique index audit_log_chain_seq_key on audit_log (chain_seq);

-- Rows are inserted unchained; nobody supplies their own place in the chain.
create function audit_log_refuse_chain_values() returns trigger as
$$
begin
    if new.chain_seq is not null or new.prev_hash is not null or new.row_hash is not null then
        raise exception 'audit_log chain columns are set by the database' using errcode = 'raise_exception';
    end if;
    return new;
end;
$$ language plpgsql;

create trigger audit_log_unchained_insert
    before insert on audit_log
    for each row execute function audit_log_refuse_chain_values();

-- Still append-only, with one exception: the chain trigger (and nothing called directly)
-- stamps an unchained row's own chain columns, once, leaving its content as it was.
create or replace function audit_log_refuse_change()
    returns trigger as
$$
begin
    if tg_op = 'UPDATE' and pg_trigger_depth() > 1 and old.row_hash is null
        and to_jsonb(old) - array['chain_seq', 'prev_hash', 'row_hash']
            = to_jsonb(new) - array['chain_seq', 'prev_hash', 'row_hash'] then
        return new;
    end if;
    raise exception 'audit_log is append-only' using errcode = 'raise_exception';
end;
$$ language plpgsql;

-- Stamps one committed row: next sequence number, previous hash, its own hash.
create function audit_log_chain() returns trigger as
$$
declare
    head audit_chain_head;
    r    audit_log;
    hash bytea;
begin
    select * into strict head from audit_chain_head where singleton for update;
    select * into strict r from audit_log where id = new.id;
    r.chain_seq := head.last_seq + 1;
    hash := sha256(head.last_hash || convert_to(audit_log_canonical(r), 'UTF8'));
    update audit_log
       set chain_seq = r.chain_seq, prev_hash = head.last_hash, row_hash = hash
     where id = new.id;
    update audit_chain_head set last_seq = r.chain_seq, last_hash = hash where singleton;
    return null;
end;
$$ language plpgsql;

create constraint trigger audit_log_chain
    after insert on audit_log
    deferrable initially deferred
    for each row execute function audit_log_chain();

-- The head moves only from the chain trigger.
create function audit_chain_head_refuse_change() returns trigger as
$$
begin
    if tg_op = 'UPDATE' and pg_trigger_depth() > 1 then
        return new;
    end if;
    raise exception 'audit_chain_head is maintained by the audit_log chain trigger' using errcode = 'raise_exception';
end;
$$ language plpgsql;

create trigger audit_chain_head_guard
    before insert or update or delete on audit_chain_head
    for each row execute function audit_chain_head_refuse_change();

create trigger audit_chain_head_no_truncate
    before truncate on audit_chain_head
    for each statement execute function refuse_truncate();
