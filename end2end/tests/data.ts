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
