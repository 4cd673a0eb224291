//! Demo accounts: one per staff role, and three residents of Edificio Parque Bustamante (approved,
//! pending approval, banned) with RUT and phone encrypted and blind-indexed.

use app::domain::{email::Email, names::PersonName, password::NewPassword, phone::MobilePhone, rut::Rut};
use app::ssr::blind_index::BlindIndexer;
use app::ssr::password::hash_password_async;
use app::ssr::pii::{PiiValue, Sealed, RESIDENT_RUT, USER_PHONE};
use app::ssr::vault::Vault;
use sqlx::PgConnection;
use uuid::Uuid;

use super::places::{self, Places};

/// A demo account, as the command prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    /// The login e-mail.
    pub email: &'static str,
    /// The role (`admin`, `resident`, …).
    pub role: &'static str,
    /// The building the account belongs to, if any.
    pub building: Option<&'static str>,
    /// What the account is for (Spanish, shown to whoever runs the demo).
    pub note: &'static str,
}

/// Where an account belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Platform,
    Parque,
    Leones,
}

struct StaffSpec {
    email: &'static str,
    role: &'static str,
    scope: Scope,
    full_name: &'static str,
    phone: Option<&'static str>,
    note: &'static str,
}

const STAFF: &[StaffSpec] = &[
    StaffSpec {
        email: "admin@estacionate.cl",
        role: "admin",
        scope: Scope::Platform,
        full_name: "Valentina Soto Muñoz",
        phone: None,
        note: "administración de la plataforma",
    },
    StaffSpec {
        email: "soporte@estacionate.cl",
        role: "support",
        scope: Scope::Platform,
        full_name: "Matías Fuentes Rojas",
        phone: None,
        note: "soporte (todos los edificios)",
    },
    StaffSpec {
        email: "ventas@estacionate.cl",
        role: "sales_rep",
        scope: Scope::Platform,
        full_name: "Ignacio Herrera Castro",
        phone: None,
        note: "ejecutivo comercial de Parque Bustamante (5 %)",
    },
    StaffSpec {
        email: "admin.parque@estacionate.cl",
        role: "building_admin",
        scope: Scope::Parque,
        full_name: "Carolina Muñoz Díaz",
        phone: None,
        note: "administración del edificio",
    },
    StaffSpec {
        email: "conserje.parque@estacionate.cl",
        role: "concierge",
        scope: Scope::Parque,
        full_name: "Luis Contreras Vega",
        phone: Some("+56 9 8765 4321"),
        note: "conserjería",
    },
    StaffSpec {
        email: "admin.leones@estacionate.cl",
        role: "building_admin",
        scope: Scope::Leones,
        full_name: "Francisca Reyes Parra",
        phone: None,
        note: "administración del edificio",
    },
    StaffSpec {
        email: "conserje.leones@estacionate.cl",
        role: "concierge",
        scope: Scope::Leones,
        full_name: "Jorge Morales Pinto",
        phone: Some("9 7654 3210"),
        note: "conserjería",
    },
];

struct ResidentSpec {
    email: &'static str,
    first_name: &'static str,
    last_name: &'static str,
    /// As a person would type it; parsed and canonicalised before it is stored.
    rut: &'static str,
    phone: &'static str,
    unit: &'static str,
    status: &'static str,
    status_reason: Option<&'static str>,
    approved: bool,
    note: &'static str,
}

/// The approved resident's RUT (the seed test reads it back).
pub const ACTIVE_RESIDENT_RUT: &str = "12.345.678-5";

const RESIDENTS: &[ResidentSpec] = &[
    ResidentSpec {
        email: "residente@estacionate.cl",
        first_name: "Camila",
        last_name: "Rojas Silva",
        rut: ACTIVE_RESIDENT_RUT,
        phone: "+56 9 1234 5678",
        unit: "101",
        status: "active",
        status_reason: None,
        approved: true,
        note: "residente aprobada (depto. 101)",
    },
    ResidentSpec {
        email: "pendiente@estacionate.cl",
        first_name: "Diego",
        last_name: "Pérez Lagos",
        rut: "15.678.901-1",
        phone: "+56 9 2345 6789",
        unit: "203",
        status: "pending",
        status_reason: None,
        approved: false,
        note: "residente pendiente de aprobación (depto. 203)",
    },
    ResidentSpec {
        email: "bloqueado@estacionate.cl",
        first_name: "Tomás",
        last_name: "Vargas Araya",
        rut: "16.543.210-K",
        phone: "+56 9 3456 7890",
        unit: "305",
        status: "banned",
        status_reason: Some("Uso indebido reiterado de los estacionamientos de visita"),
        approved: true,
        note: "residente bloqueado (depto. 305)",
    },
];

/// The accounts later seed steps refer to.
#[derive(Debug)]
pub struct People {
    /// Every demo login, staff first.
    pub logins: Vec<DemoLogin>,
    /// The platform admin.
    pub admin: Uuid,
    /// Parque Bustamante's building admin.
    pub parque_admin: Uuid,
    /// Torre Los Leones' building admin.
    pub leones_admin: Uuid,
}

/// A users row to insert.
struct NewUser<'a> {
    id: Uuid,
    email: &'a Email,
    password_hash: &'a str,
    role: &'a str,
    building_id: Option<Uuid>,
    status: &'a str,
    status_reason: Option<&'a str>,
    full_name: &'a PersonName,
    phone: Option<&'a Sealed>,
}

/// Creates every demo account.
pub async fn create(
    conn: &mut PgConnection,
    places: &Places,
    password: &NewPassword,
    vault: &Vault,
    indexer: &BlindIndexer,
) -> anyhow::Result<People> {
    let building_of = |scope| match scope {
        Scope::Platform => None,
        Scope::Parque => Some(places.parque),
        Scope::Leones => Some(places.leones),
    };
    let name_of = |scope| match scope {
        Scope::Platform => None,
        Scope::Parque => Some("Edificio Parque Bustamante"),
        Scope::Leones => Some("Torre Los Leones"),
    };

    let mut logins = Vec::with_capacity(STAFF.len() + RESIDENTS.len());
    let mut staff_ids = Vec::with_capacity(STAFF.len());
    for spec in STAFF {
        let id = Uuid::new_v4();
        let phone = match spec.phone {
            Some(raw) => Some(seal_phone(vault, indexer, id, raw)?),
            None => None,
        };
        insert_user(
            conn,
            &NewUser {
                id,
                email: &Email::parse(spec.email)?,
                password_hash: &hash(password).await?,
                role: spec.role,
                building_id: building_of(spec.scope),
                status: "active",
                status_reason: None,
                full_name: &PersonName::parse(spec.full_name)?,
                phone: phone.as_ref(),
            },
        )
        .await?;
        staff_ids.push((spec.email, id));
        logins.push(DemoLogin { email: spec.email, role: spec.role, building: name_of(spec.scope), note: spec.note });
    }
    let staff = |email: &str| {
        staff_ids
            .iter()
            .find(|(e, _)| *e == email)
            .map(|(_, id)| *id)
            .ok_or_else(|| anyhow::anyhow!("demo account {email} missing"))
    };
    let people = People {
        admin: staff("admin@estacionate.cl")?,
        parque_admin: staff("admin.parque@estacionate.cl")?,
        leones_admin: staff("admin.leones@estacionate.cl")?,
        logins: Vec::new(),
    };
    // The rep has held the building for the last 60 days (the history the payouts read).
    let rep = staff("ventas@estacionate.cl")?;
    sqlx::query("update buildings set sales_rep_id = $2, sales_rep_rate_bp = 500 where id = $1")
        .bind(places.parque)
        .bind(rep)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "insert into sales_rep_assignments (building_id, sales_rep_id, rate_bp, valid, created_by)
         select id, $2, 500, daterange((now() at time zone time_zone)::date - 60, null), $3
           from buildings where id = $1",
    )
    .bind(places.parque)
    .bind(rep)
    .bind(people.admin)
    .execute(&mut *conn)
    .await?;

    for spec in RESIDENTS {
        create_resident(conn, places, &people, spec, password, vault, indexer).await?;
        logins.push(DemoLogin { email: spec.email, role: "resident", building: name_of(Scope::Parque), note: spec.note });
    }
    Ok(People { logins, ..people })
}

/// A resident user of Parque Bustamante with its profile (RUT sealed, bound to the user id).
async fn create_resident(
    conn: &mut PgConnection,
    places: &Places,
    people: &People,
    spec: &ResidentSpec,
    password: &NewPassword,
    vault: &Vault,
    indexer: &BlindIndexer,
) -> anyhow::Result<()> {
    let id = Uuid::new_v4();
    let row_id = id.to_string();
    let first = PersonName::parse(spec.first_name)?;
    let last = PersonName::parse(spec.last_name)?;
    let full_name = PersonName::parse(&format!("{} {}", first.as_str(), last.as_str()))?;
    let phone = seal_phone(vault, indexer, id, spec.phone)?;
    insert_user(
        conn,
        &NewUser {
            id,
            email: &Email::parse(spec.email)?,
            password_hash: &hash(password).await?,
            role: "resident",
            building_id: Some(places.parque),
            status: spec.status,
            status_reason: spec.status_reason,
            full_name: &full_name,
            phone: Some(&phone),
        },
    )
    .await?;
    let rut = RESIDENT_RUT.seal(vault, indexer, &row_id, &PiiValue::rut(Rut::parse(spec.rut)?))?;
    let unit = places::unit(conn, places.parque, spec.unit).await?;
    sqlx::query(
        "insert into resident_profiles
            (user_id, building_id, unit_id, rut_enc, rut_bidx, first_name, last_name,
             approved_at, approved_by)
         values ($1, $2, $3, $4, $5, $6, $7,
                 case when $8 then now() end, case when $8 then $9::uuid end)",
    )
    .bind(id)
    .bind(places.parque)
    .bind(unit)
    .bind(&rut.enc)
    .bind(&rut.bidx)
    .bind(first.as_str())
    .bind(last.as_str())
    .bind(spec.approved)
    .bind(people.parque_admin)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Seals a typed phone number for `users.phone_enc` of user `id`.
fn seal_phone(vault: &Vault, indexer: &BlindIndexer, id: Uuid, raw: &str) -> anyhow::Result<Sealed> {
    let phone = PiiValue::phone(&MobilePhone::parse(raw)?);
    Ok(USER_PHONE.seal(vault, indexer, &id.to_string(), &phone)?)
}

/// A fresh argon2id hash (own salt) of the demo password.
async fn hash(password: &NewPassword) -> anyhow::Result<String> {
    Ok(hash_password_async(password.expose().to_owned()).await?)
}

async fn insert_user(conn: &mut PgConnection, user: &NewUser<'_>) -> anyhow::Result<()> {
    sqlx::query(
        "insert into users
            (id, email, password_hash, role, building_id, status, status_reason, full_name,
             phone_enc, phone_bidx, password_changed_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())",
    )
    .bind(user.id)
    .bind(user.email.as_str())
    .bind(user.password_hash)
    .bind(user.role)
    .bind(user.building_id)
    .bind(user.status)
    .bind(user.status_reason)
    .bind(user.full_name.as_str())
    .bind(user.phone.map(|p| p.enc.as_slice()))
    .bind(user.phone.map(|p| p.bidx.as_slice()))
    .execute(conn)
    .await?;
    Ok(())
}
