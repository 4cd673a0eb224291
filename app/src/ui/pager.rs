//! Pagination, once: which rows a page holds (`LIMIT`/`OFFSET` for the SQL), how many pages a
//! total makes, and the "Anterior / Página X de Y / Siguiente" links of every paginated list.

use leptos::prelude::*;

/// Rows a page of a list holds unless the list says otherwise.
pub const ROWS_PER_PAGE: u32 = 25;

/// One page of a list, numbered from 1, of a fixed number of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    number: u32,
    rows: u32,
}

impl Page {
    /// Page `number` of [`ROWS_PER_PAGE`] rows (0 counts as the first page).
    pub fn new(number: u32) -> Self {
        Self { number: number.max(1), rows: ROWS_PER_PAGE }
    }

    /// The same page with `rows` rows a page (at least 1).
    #[must_use]
    pub fn with_rows(self, rows: u32) -> Self {
        Self { rows: rows.max(1), ..self }
    }

    /// The same page moved onto the last page of `total` rows when it lies past it (lists that
    /// count before they read).
    #[must_use]
    pub fn within(self, total: u32) -> Self {
        Self { number: self.number.min(self.pages(total)), ..self }
    }

    /// The page's number, from 1.
    pub fn number(self) -> u32 {
        self.number
    }

    /// `LIMIT` of the page's query.
    pub fn limit(self) -> i64 {
        i64::from(self.rows)
    }

    /// `OFFSET` of the page's query.
    pub fn offset(self) -> i64 {
        i64::from(self.number - 1) * i64::from(self.rows)
    }

    /// How many pages `total` rows make (at least 1, so an empty list is "página 1 de 1").
    pub fn pages(self, total: u32) -> u32 {
        total.div_ceil(self.rows).max(1)
    }
}

/// The page number a list's `pagina` parameter asks for: 1 when it is missing or unreadable,
/// and never past page 100,000 (an `OFFSET` that large is a mistake or a probe).
pub fn number(raw: &str) -> u32 {
    raw.trim().parse::<u32>().unwrap_or(1).clamp(1, 100_000)
}

/// A `count(*)` as a row total (a count past `u32::MAX` saturates).
pub fn total(count: i64) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// "Anterior / Página N de M / Siguiente" links that keep the rest of the query string.
#[component]
pub fn Pager(
    /// The page's path (`/admin/reservas`).
    path: &'static str,
    /// The query string without `pagina` (already URL-encoded, may be empty).
    query: String,
    /// The current page, from 1.
    page: u32,
    /// The number of pages (at least 1).
    pages: u32,
) -> impl IntoView {
    let link = move |p: u32| {
        if query.is_empty() {
            format!("{path}?pagina={p}")
        } else {
            format!("{path}?{query}&pagina={p}")
        }
    };
    view! {
        <nav class="pager" aria-label="Paginación">
            {(page > 1).then(|| view! { <a href=link(page - 1) rel="prev">"Anterior"</a> })}
            <span>{format!("Página {page} de {pages}")}</span>
            {(page < pages).then(|| view! { <a href=link(page + 1) rel="next">"Siguiente"</a> })}
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_reads_its_rows_and_counts_the_pages() {
        let first = Page::new(0);
        assert_eq!((first.number(), first.limit(), first.offset()), (1, 25, 0));
        let third = Page::new(3).with_rows(50);
        assert_eq!((third.limit(), third.offset()), (50, 100));
        assert_eq!((third.pages(0), third.pages(50), third.pages(51)), (1, 1, 2));
    }

    #[test]
    fn a_page_past_the_end_moves_onto_the_last_one() {
        assert_eq!(Page::new(9).within(30).number(), 2);
        assert_eq!(Page::new(9).within(0).number(), 1);
        assert_eq!(Page::new(2).within(30).number(), 2);
    }

    #[test]
    fn a_page_number_from_the_query_string_is_read_leniently() {
        assert_eq!((number("3"), number(" 4 "), number(""), number("x"), number("-2")), (3, 4, 1, 1, 1));
        assert_eq!((number("0"), number("100001"), number("99999999999")), (1, 100_000, 1));
    }

    #[test]
    fn totals_saturate() {
        assert_eq!((total(7), total(-1), total(i64::MAX)), (7, u32::MAX, u32::MAX));
    }
}
