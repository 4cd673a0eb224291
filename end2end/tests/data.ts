import { Client } from "pg";
import { randomBytes } from "node:crypto";

/**
 * Test data a spec creates for itself, written straight into the e2e database (like the Rust
 * tests do): buildings, units and staff accounts. Residents are created through the real
 * sign-up form instead, because their RUT and phone must be encrypted by the server's vault.
 */

/** The password of every account created here (its argon2id hash is precomputed below). */
export const PASSWORD = "Clave.Segura.2026";
const PASSWORD_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$MEfIfm72DGRJMbKmb9sarw$uhQvXLsrqMWMKBdrak40PL7BdHzzqZ62HcejH4xsI/I";

const url = process.env.E2E_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/estacionate_e2e";

export async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query(text, params);
    return res.rows as T[];
  } finally {
    await client.end();
  }
}

/** A short random suffix so specs never collide with each other or with earlier runs. */
export function unique(): string {
  return randomBytes(4).toString("hex");
}

export type Building = { id: string; name: string; units: { id: string; number: string }[] };

/** An active building with units 101–103. */
export async function createBuilding(prefix = "Edificio Prueba"): Promise<Building> {
  const name = `${prefix} ${unique()}`;
  const [b] = await sql<{ id: string }>(
    "insert into buildings (name, address) values ($1, 'Av. Providencia 1234, Providencia') returning id",
    [name],
  );
  const units = await sql<{ id: string; number: string }>(
    "insert into units (building_id, number) select $1, n::text from unnest(array['101','102','103']) n returning id, number",
    [b.id],
  );
  return { id: b.id, name, units };
}

export type Account = { id: string; email: string; password: string };

/** An active staff account (or an already-approved account of another role without PII). */
export async function createStaff(role: string, buildingId: string | null, name = "Andrea Soto"): Promise<Account> {
  const email = `${role.replace("_", ".")}.${unique()}@prueba.cl`;
  const [u] = await sql<{ id: string }>(
    `insert into users (email, password_hash, role, building_id, status, full_name)
     values ($1, $2, $3, $4, 'active', $5) returning id`,
    [email, PASSWORD_HASH, role, buildingId, name],
  );
  return { id: u.id, email, password: PASSWORD };
}

/** A valid, random RUT (modulo-11 check digit) written with dots and dash. */
export function randomRut(): string {
  const body = 10_000_000 + Math.floor(Math.random() * 15_000_000);
  let sum = 0;
  let factor = 2;
  for (const digit of String(body).split("").reverse()) {
    sum += Number(digit) * factor;
    factor = factor === 7 ? 2 : factor + 1;
  }
  const rest = 11 - (sum % 11);
  const dv = rest === 11 ? "0" : rest === 10 ? "K" : String(rest);
  return `${body.toLocaleString("es-CL")}-${dv}`;
}

/** A random Chilean mobile number as a person would type it. */
export function randomPhone(): string {
  const n = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
  return `+56 9 ${n.slice(0, 4)} ${n.slice(4)}`;
}

/**
 * A resident written directly (placeholder encrypted fields: enough for gate and admin specs,
 * which never decrypt them) and a confirmed booking of `plate` in a new spot of building `b`,
 * starting `startInMinutes` from now and lasting `minutes`.
 */
export async function createResident(b: Building): Promise<Account> {
  const tag = unique();
  const email = `res.${tag}@prueba.cl`;
  const [u] = await sql<{ id: string }>(
    `insert into users (email, password_hash, role, building_id, status, full_name)
     values ($1, $2, 'resident', $3, 'active', 'Residente Prueba') returning id`,
    [email, PASSWORD_HASH, b.id],
  );
  await sql(
    `insert into resident_profiles (user_id, building_id, unit_id, rut_enc, rut_bidx, first_name, last_name)
     values ($1, $2, $3, '\\x00', decode(md5($4) || md5($4), 'hex'), 'Residente', 'Prueba')`,
    [u.id, b.id, b.units[0].id, tag],
  );
  return { id: u.id, email, password: PASSWORD };
}

export async function createConfirmedBooking(
  b: Building,
  plate: string,
  startInMinutes: number,
  minutes = 600,
): Promise<{ id: string; code: string; spot: string }> {
  const tag = unique();
  const u = await createResident(b);
  const spot = `V${tag.slice(0, 4).toUpperCase()}`;
  const [s] = await sql<{ id: string }>(
    "insert into visitor_spots (building_id, number) values ($1, $2) returning id",
    [b.id, spot],
  );
  const [blk] = await sql<{ id: string }>(
    `insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp, status)
     values ($1, $2, now() + make_interval(mins => $3::int), now() + make_interval(mins => $4::int), 5000, 'reserved') returning id`,
    [s.id, b.id, startInMinutes, startInMinutes + minutes],
  );
  const alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
  const code = Array.from({ length: 8 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join("");
  const [k] = await sql<{ id: string }>(
    `insert into bookings (block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate,
                           base_price_clp, amount_clp, commission_rate_bp, platform_commission_clp, building_share_clp,
                           status, payment_status, confirmation_code, guest_pass_token, confirmed_at)
     select id, spot_id, building_id, $2, during, 'Pedro Pérez', $3, 5000, 5000, 1000, 500, 4500,
            'confirmed', 'paid', $4, $5, now()
       from availability_blocks where id = $1 returning id`,
    [blk.id, u.id, plate, code, `${tag}${tag}${tag}${tag}${tag}${tag}`],
  );
  return { id: k.id, code, spot };
}
