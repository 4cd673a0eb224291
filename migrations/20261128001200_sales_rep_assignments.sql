-- Which sales rep brought a building in, over which local days, at which rate.
--
-- buildings.sales_rep_id / sales_rep_rate_bp stay the *current* assignment (what the rep's
-- dashboard and the admin screens show); this table is the history the reconciliation reads, so a
-- payout recomputed after a reassignment still credits the rep who held the building on that
-- day. Both are written in one transaction by the assignment functions. `valid` is a range of
-- the building's local dates, [from, to); an open upper bound is the current assignment.
create table sales_rep_assignments (
    id           uuid primary key default gen_random_uuid(),
    building_id  uuid not null constraint sales_rep_assignments_building_id_fkey references buildings (id) on delete cascade,
    sales_rep_id uuid not null constraint sales_rep_assignments_sales_rep_id_fkey references users (id) on delete restrict,
    rate_bp      integer not null,
    valid        daterange not null,
    created_by   uuid constraint sales_rep_assignments_created_by_fkey references users (id) on delete restrict,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),

    constraint sales_rep_assignments_rate_bp_check check (rate_bp between 0 and 10000),
    constraint sales_rep_assignments_valid_check check (not isempty(valid) and not lower_inf(valid)),
    -- one rep per building per day
    constraint sales_rep_assignments_no_overlap exclude using gist (building_id with =, valid with &&)
);
select trigger_updated_at('sales_rep_assignments');

create index sales_rep_assignments_rep_idx on sales_rep_assignments (sales_rep_id);

-- The assignments that exist already start on the day the building was created.
insert into sales_rep_assignments (building_id, sales_rep_id, rate_bp, valid)
select id, sales_rep_id, sales_rep_rate_bp,
       daterange((created_at at time zone time_zone)::date, null, '[)')
  from buildings
 where sales_rep_id is not null;

-- Only a sales rep can hold a building.
create or replace function sales_rep_assignments_check_role()
    returns trigger as
$$
begin
    if not exists (select 1 from users where id = new.sales_rep_id and role = 'sales_rep') then
        raise exception 'user % is not a sales rep', new.sales_rep_id
            using errcode = '23514', constraint = 'sales_rep_assignments_role_check';
    end if;
    return new;
end;
$$ language plpgsql;

create trigger sales_rep_assignments_role_check
    before insert or update of sales_rep_id on sales_rep_assignments
    for each row execute function sales_rep_assignments_check_role();
