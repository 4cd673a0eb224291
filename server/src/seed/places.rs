//! Demo buildings, units, visitor spots (with positions on the building's map) and templates.

use app::availability::{ssr::insert_templates, standard_templates};
use sqlx::PgConnection;
use uuid::Uuid;

/// A visitor spot: number, where it is, and its position on the building's SVG map (a
/// 1000 × 600 plan of the parking level).
struct SpotSpec {
    number: &'static str,
    description: &'static str,
    x: i16,
    y: i16,
}

/// A demo building.
struct BuildingSpec {
    name: &'static str,
    address: &'static str,
    comuna: &'static str,
    contact_email: &'static str,
    floors: i32,
    units_per_floor: i32,
    spots: &'static [SpotSpec],
}

const PARQUE_BUSTAMANTE: BuildingSpec = BuildingSpec {
    name: "Edificio Parque Bustamante",
    address: "Av. Bustamante 120",
    comuna: "Providencia",
    contact_email: "admin.parque@estacionate.cl",
    floors: 4,
    units_per_floor: 10,
    spots: &[
        SpotSpec { number: "V1", description: "Subterráneo -1, junto al acceso vehicular", x: 150, y: 150 },
        SpotSpec { number: "V2", description: "Subterráneo -1, junto al acceso vehicular", x: 350, y: 150 },
        SpotSpec { number: "V3", description: "Subterráneo -1, frente a los ascensores", x: 550, y: 150 },
        SpotSpec { number: "V4", description: "Subterráneo -1, frente a los ascensores", x: 150, y: 420 },
        SpotSpec { number: "V5", description: "Subterráneo -1, junto a la sala de bicicletas", x: 350, y: 420 },
        SpotSpec { number: "V6", description: "Subterráneo -1, al fondo (vehículos pequeños)", x: 550, y: 420 },
    ],
};

const TORRE_LOS_LEONES: BuildingSpec = BuildingSpec {
    name: "Torre Los Leones",
    address: "Av. Los Leones 1450",
    comuna: "Providencia",
    contact_email: "admin.leones@estacionate.cl",
    floors: 5,
    units_per_floor: 8,
    spots: &[
        SpotSpec { number: "E1", description: "Nivel calle, a la derecha de la conserjería", x: 150, y: 250 },
        SpotSpec { number: "E2", description: "Nivel calle, a la derecha de la conserjería", x: 350, y: 250 },
        SpotSpec { number: "E3", description: "Subterráneo -1, rampa de bajada", x: 600, y: 250 },
        SpotSpec { number: "E4", description: "Subterráneo -1, junto a bodegas", x: 800, y: 250 },
    ],
};

/// How many buildings the demo has.
pub const BUILDINGS: usize = 2;

/// What [`create`] made.
#[derive(Debug)]
pub struct Places {
    /// Edificio Parque Bustamante: residents, a sales rep, pricing rules.
    pub parque: Uuid,
    /// Torre Los Leones.
    pub leones: Uuid,
    /// Units in both buildings.
    pub units: u64,
    /// Visitor spots in both buildings.
    pub spots: usize,
}

/// Creates both buildings with units, spots and the standard templates.
pub async fn create(conn: &mut PgConnection) -> anyhow::Result<Places> {
    let (parque, parque_units, parque_spots) = create_one(conn, &PARQUE_BUSTAMANTE).await?;
    let (leones, leones_units, leones_spots) = create_one(conn, &TORRE_LOS_LEONES).await?;
    Ok(Places { parque, leones, units: parque_units + leones_units, spots: parque_spots + leones_spots })
}

/// One building with its units, spots and templates; returns its id and the unit and spot counts.
async fn create_one(conn: &mut PgConnection, spec: &BuildingSpec) -> anyhow::Result<(Uuid, u64, usize)> {
    let id = building(conn, spec).await?;
    let units = create_units(conn, id, spec).await?;
    let spots = create_spots(conn, id, spec).await?;
    insert_templates(conn, id, &standard_templates()).await?;
    Ok((id, units, spots))
}

/// The unit `number` of a building (residents are placed in units by number).
pub async fn unit(conn: &mut PgConnection, building_id: Uuid, number: &str) -> anyhow::Result<Uuid> {
    Ok(sqlx::query_scalar("select id from units where building_id = $1 and number = $2")
        .bind(building_id)
        .bind(number)
        .fetch_one(conn)
        .await?)
}

async fn building(conn: &mut PgConnection, spec: &BuildingSpec) -> anyhow::Result<Uuid> {
    Ok(sqlx::query_scalar(
        "insert into buildings (name, address, comuna, time_zone, contact_email)
         values ($1, $2, $3, 'America/Santiago', $4)
         returning id",
    )
    .bind(spec.name)
    .bind(spec.address)
    .bind(spec.comuna)
    .bind(spec.contact_email)
    .fetch_one(conn)
    .await?)
}

/// Units `101`…`110`, `201`…: floor × 100 + position.
async fn create_units(conn: &mut PgConnection, id: Uuid, spec: &BuildingSpec) -> anyhow::Result<u64> {
    let done = sqlx::query(
        "insert into units (building_id, number, floor)
         select $1, (f * 100 + n)::text, f
         from generate_series(1, $2) as f, generate_series(1, $3) as n
         order by f, n",
    )
    .bind(id)
    .bind(spec.floors)
    .bind(spec.units_per_floor)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

async fn create_spots(conn: &mut PgConnection, id: Uuid, spec: &BuildingSpec) -> anyhow::Result<usize> {
    let numbers: Vec<&str> = spec.spots.iter().map(|s| s.number).collect();
    let labels: Vec<String> = spec.spots.iter().map(|s| format!("Visita {}", s.number)).collect();
    let descriptions: Vec<&str> = spec.spots.iter().map(|s| s.description).collect();
    let xs: Vec<i16> = spec.spots.iter().map(|s| s.x).collect();
    let ys: Vec<i16> = spec.spots.iter().map(|s| s.y).collect();
    sqlx::query(
        "insert into visitor_spots (building_id, number, label, description, map_x, map_y, sort_order)
         select $1, s.number, s.label, s.description, s.x, s.y, s.ord::integer
         from unnest($2::text[], $3::text[], $4::text[], $5::smallint[], $6::smallint[])
              with ordinality as s(number, label, description, x, y, ord)",
    )
    .bind(id)
    .bind(&numbers)
    .bind(&labels)
    .bind(&descriptions)
    .bind(&xs)
    .bind(&ys)
    .execute(conn)
    .await?;
    Ok(spec.spots.len())
}
