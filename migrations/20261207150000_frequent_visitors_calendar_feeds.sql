-- Frequent visitors: the people a resident books for again and again. Name and plate are kept
-- like the booking's visitor fields (the plate canonical, as the blocklist and the gate compare
-- it); the optional phone is encrypted by the vault (AAD frequent_visitors.phone_enc.<id>) with
-- its keyed blind index, like every phone.
create table frequent_visitors (
    id            uuid primary key,
    resident_id   uuid not null references users (id) on delete cascade,
    name          text not null,
    plate         text not null,
    phone_enc     bytea,
    phone_bidx    bytea,
    last_used_at  timestamptz,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),

    constraint frequent_visitors_name_check check (char_length(btrim(name)) between 3 and 100),
    constraint frequent_visitors_plate_check check (plate ~ '^[A-Z0-9]{5,6}$'),
    constraint frequent_visitors_phone_pair_check check ((phone_enc is null) = (phone_bidx is null)),
    constraint frequent_visitors_phone_bidx_check check (
        phone_bidx is null or octet_length(phone_bidx) between 16 and 64),
    -- One entry per car and resident: a second "KHJT52" is an edit of the first.
    constraint frequent_visitors_resident_plate_key unique (resident_id, plate)
);
create index frequent_visitors_phone_bidx_idx on frequent_visitors (phone_bidx) where phone_bidx is not null;
select trigger_updated_at('frequent_visitors');

-- A resident's private calendar feed. The feed is found by the SHA-256 of its random token; the
-- token itself is kept only sealed by the vault (AAD calendar_feeds.token_enc.<user_id>) so its
-- owner can see the link again on /cuenta — a database dump alone holds no working link. One
-- feed per person; "Generar nuevo enlace" replaces both (the old link stops working) and
-- "Revocar" deletes the row.
create table calendar_feeds (
    user_id     uuid primary key references users (id) on delete cascade,
    token_hash  bytea not null,
    token_enc   bytea not null,
    created_at  timestamptz not null default now(),

    constraint calendar_feeds_token_hash_key unique (token_hash),
    constraint calendar_feeds_token_hash_check check (octet_length(token_hash) = 32)
);
