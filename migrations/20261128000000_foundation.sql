-- Foundation: extensions every later migration relies on, and the updated_at helper.
create extension if not exists btree_gist;
create extension if not exists citext;
create extension if not exists pgcrypto;

-- Keeps updated_at honest without every UPDATE having to remember it.
create or replace function set_updated_at()
    returns trigger as
$$
begin
    new.updated_at = now();
    return new;
end;
$$ language plpgsql;

-- Installs the set_updated_at trigger on a table: `select trigger_updated_at('buildings');`
create or replace function trigger_updated_at(tablename regclass)
    returns void as
$$
begin
    execute format('create trigger set_updated_at
        before update
        on %s
        for each row
        when (old is distinct from new)
    execute function set_updated_at();', tablename);
end;
$$ language plpgsql;
