-- Issue #16: admins place spots on the building plan of /buscar (app/src/domain/plan.rs).
-- The plan is 1000 x 600 units and a spot is an 80 x 60 box centred on (map_x, map_y), so a
-- position keeps the whole box on the plan only with map_x in 40..960 and map_y in 30..570; and
-- two boxes of one building must not overlap (touching is fine). Positions written before this
-- rule that break it are cleared (the search's layout then draws those spots in free cells), so
-- the constraints can be added.
update visitor_spots
   set map_x = null, map_y = null
 where map_x is not null
   and not (map_x between 40 and 960 and map_y between 30 and 570);

update visitor_spots s
   set map_x = null, map_y = null
 where s.map_x is not null
   and exists (select 1 from visitor_spots o
                where o.building_id = s.building_id and o.id <> s.id and o.map_x is not null
                  and (o.sort_order, o.id) < (s.sort_order, s.id)
                  and abs(o.map_x - s.map_x) < 80 and abs(o.map_y - s.map_y) < 60);

alter table visitor_spots drop constraint visitor_spots_map_position_check;
alter table visitor_spots add constraint visitor_spots_map_position_check check (
    (map_x is null and map_y is null)
    or (map_x is not null and map_y is not null and map_x between 40 and 960 and map_y between 30 and 570));

-- Boxes shrunk by half a unit on each side: with integer centres, two of them intersect exactly
-- when |dx| < 80 and |dy| < 60 (the domain's `overlaps`), and boxes that only touch do not.
alter table visitor_spots add constraint visitor_spots_map_no_overlap exclude using gist (
    building_id with =,
    (box(point(map_x::float8 - 39.5, map_y::float8 - 29.5), point(map_x::float8 + 39.5, map_y::float8 + 29.5))) with &&
) where (map_x is not null);
