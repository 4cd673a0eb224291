//! How domain values are stored: [`Clp`] as `bigint`, [`Rate`] and [`Multiplier`] as `integer`
//! basis points, [`BookingStatus`] as `text`. Rows decode straight into these types and queries
//! bind them as they are, so no call site converts by hand.
//!
//! A stored value the domain type refuses (basis points out of range, an unknown status) is a
//! decode error naming the value, never a clamp or a default: it means the schema and the code
//! disagree, and the query fails with the cause in the log. The impls live here, behind the `ssr`
//! feature, so `domain` stays free of sqlx for the browser build.

use crate::domain::{booking::BookingStatus, money::Clp, rate::Multiplier, rate::Rate};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Encode, Postgres, Type};

/// The active statuses (those holding their spot, [`BookingStatus::ACTIVE`]) as an SQL list,
/// `('pending', 'confirmed', 'checked_in', 'overstay')`, for `status in …` in `concat!`.
///
/// A literal rather than a bound array so the planner can use the partial indexes whose
/// predicate is this same list; a test checks that it renders [`BookingStatus::ACTIVE`].
#[macro_export]
macro_rules! active_statuses {
    () => {
        "('pending', 'confirmed', 'checked_in', 'overstay')"
    };
}

/// An `integer` column of basis points, refused when negative.
fn basis_points(value: PgValueRef<'_>, what: &str) -> Result<u32, BoxDynError> {
    let raw = <i32 as Decode<Postgres>>::decode(value)?;
    u32::try_from(raw).map_err(|_| format!("{what} of {raw} basis points is negative").into())
}

/// Writes basis points as `integer` (every valid rate and multiplier fits).
fn encode_basis_points(basis_points: u32, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
    let value = i32::try_from(basis_points)?;
    <i32 as Encode<Postgres>>::encode_by_ref(&value, buf)
}

impl Type<Postgres> for Clp {
    fn type_info() -> PgTypeInfo {
        <i64 as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Clp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Postgres>>::encode_by_ref(&self.pesos(), buf)
    }
}

impl<'r> Decode<'r, Postgres> for Clp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Clp::new(<i64 as Decode<Postgres>>::decode(value)?))
    }
}

impl PgHasArrayType for Clp {
    fn array_type_info() -> PgTypeInfo {
        <i64 as PgHasArrayType>::array_type_info()
    }
}

impl Type<Postgres> for Rate {
    fn type_info() -> PgTypeInfo {
        <i32 as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Rate {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        encode_basis_points(self.basis_points(), buf)
    }
}

impl<'r> Decode<'r, Postgres> for Rate {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let bp = basis_points(value, "rate")?;
        Rate::from_basis_points(bp).map_err(|e| format!("rate of {bp} basis points: {e}").into())
    }
}

impl Type<Postgres> for Multiplier {
    fn type_info() -> PgTypeInfo {
        <i32 as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Multiplier {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        encode_basis_points(self.basis_points(), buf)
    }
}

impl<'r> Decode<'r, Postgres> for Multiplier {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let bp = basis_points(value, "multiplier")?;
        Multiplier::from_basis_points(bp).map_err(|e| format!("multiplier of {bp} basis points: {e}").into())
    }
}

impl PgHasArrayType for Multiplier {
    fn array_type_info() -> PgTypeInfo {
        <i32 as PgHasArrayType>::array_type_info()
    }
}

impl Type<Postgres> for BookingStatus {
    fn type_info() -> PgTypeInfo {
        <&str as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <&str as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for BookingStatus {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <&str as Encode<Postgres>>::encode_by_ref(&self.as_str(), buf)
    }
}

impl<'r> Decode<'r, Postgres> for BookingStatus {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let raw = <&str as Decode<Postgres>>::decode(value)?;
        BookingStatus::parse(raw).map_err(|_| format!("booking status {raw:?} is not known").into())
    }
}

impl PgHasArrayType for BookingStatus {
    fn array_type_info() -> PgTypeInfo {
        <&str as PgHasArrayType>::array_type_info()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;

    #[test]
    fn the_sql_list_of_active_statuses_is_booking_status_active() {
        let rendered: Vec<String> = BookingStatus::ACTIVE.iter().map(|s| format!("'{}'", s.as_str())).collect();
        assert_eq!(active_statuses!(), format!("({})", rendered.join(", ")));
    }

    /// Binds `value` and reads it back as `T`. Not a cached statement: `select $1` is prepared
    /// with the first caller's parameter type, and the next type's bytes would not fit it.
    async fn round_trip<T>(pool: &PgPool, value: T) -> T
    where
        T: for<'q> Encode<'q, Postgres> + for<'r> Decode<'r, Postgres> + Type<Postgres> + Send + Unpin,
    {
        sqlx::query_scalar("select $1").bind(value).persistent(false).fetch_one(pool).await.unwrap()
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn domain_values_round_trip_and_out_of_range_values_are_decode_errors(pool: PgPool) {
        assert_eq!(round_trip(&pool, Clp::new(12_345)).await, Clp::new(12_345));
        assert_eq!(round_trip(&pool, Rate::from_basis_points(1_050).unwrap()).await.basis_points(), 1_050);
        assert_eq!(round_trip(&pool, Multiplier::from_basis_points(11_000).unwrap()).await.basis_points(), 11_000);
        assert_eq!(round_trip(&pool, BookingStatus::CheckedIn).await, BookingStatus::CheckedIn);

        for sql in ["select 10001", "select -1"] {
            assert!(sqlx::query_scalar::<_, Rate>(sql).fetch_one(&pool).await.is_err(), "{sql}");
        }
        assert!(sqlx::query_scalar::<_, Multiplier>("select 0").fetch_one(&pool).await.is_err());
        assert!(sqlx::query_scalar::<_, BookingStatus>("select 'pending_payment'").fetch_one(&pool).await.is_err());
    }
}
