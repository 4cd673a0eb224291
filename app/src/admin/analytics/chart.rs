//! A server-rendered bar chart: an inline `<svg>` (built as text from the geometry in
//! `domain::chart`, with CSS classes and geometry attributes only — the CSP forbids inline
//! styles) followed by a table with the exact numbers. The SVG is `role="img"`, named by its
//! `<title>` and described by its `<desc>`; the table is what screen readers and people who
//! want the numbers read.

use super::{Kind, Point, Series};
use crate::domain::chart::{bars, label_indexes, Plot, Scale};
use leptos::prelude::*;

const WIDTH: u32 = 720;
const HEIGHT: u32 = 250;
const PLOT: Plot = Plot { left: 72, top: 12, width: 636, height: 200 };
/// At most this many labels under the x axis.
const MAX_LABELS: usize = 8;

/// Escapes text for XML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The scale of a series: 0–100 % for shares, a round number above the largest value otherwise.
fn scale(series: &Series) -> Scale {
    match series.kind {
        Kind::Percent => Scale::fixed(10_000),
        _ => Scale::for_values(&series.points.iter().map(|p| p.value).collect::<Vec<_>>()),
    }
}

/// The `<svg>` markup of `series`, labelled by `<title id="{id}-title">` and described by
/// `<desc id="{id}-desc">`.
pub fn svg(id: &str, title: &str, desc: &str, series: &Series) -> String {
    let scale = scale(series);
    let values: Vec<u64> = series.points.iter().map(|p| p.value).collect();
    let drawn = bars(&values, scale, PLOT);
    let id = escape(id);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart__svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(desc)
    );
    out.push_str("<g class=\"chart__grid\" aria-hidden=\"true\">");
    for tick in scale.ticks() {
        let y = scale.y(tick, PLOT);
        out.push_str(&format!(
            "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\"></line><text class=\"chart__tick\" x=\"{}\" y=\"{}\">{}</text>",
            PLOT.left,
            PLOT.right(),
            PLOT.left - 8,
            y + 4,
            escape(&series.kind.format(tick))
        ));
    }
    out.push_str("</g><g class=\"chart__bars\" aria-hidden=\"true\">");
    for bar in &drawn {
        out.push_str(&format!("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"></rect>", bar.x, bar.y, bar.width, bar.height));
    }
    out.push_str("</g><g class=\"chart__labels\" aria-hidden=\"true\">");
    for i in label_indexes(drawn.len(), MAX_LABELS) {
        if let (Some(bar), Some(point)) = (drawn.get(i), series.points.get(i)) {
            out.push_str(&format!("<text x=\"{}\" y=\"{}\">{}</text>", bar.centre(), PLOT.bottom() + 20, escape(&point.label)));
        }
    }
    out.push_str("</g></svg>");
    out
}

/// A sentence for `<desc>`: how many bars, and the largest.
pub fn describe(series: &Series, what: &str) -> String {
    let top = series.points.iter().max_by_key(|p| p.value);
    match top {
        Some(p) => format!(
            "{what}: {} valores. El más alto es {} ({}). Los valores exactos están en la tabla siguiente.",
            series.points.len(),
            p.text,
            p.full
        ),
        None => format!("{what}: sin datos."),
    }
}

/// A chart with its heading and the table of its numbers, or "Sin datos en el período".
#[component]
pub fn BarChart(
    /// Unique id prefix (`ocupacion-dia`).
    id: &'static str,
    /// The heading and the SVG's title.
    title: String,
    /// The first column's header (`Día`, `Hora`).
    column: &'static str,
    /// The second column's header (`Ocupación`, `Ingresos`).
    value_header: &'static str,
    /// The data.
    series: Series,
) -> impl IntoView {
    let heading = format!("{id}-heading");
    let labelled_by = heading.clone();
    if !series.has_data {
        return view! {
            <section class="chart" aria-labelledby=labelled_by data-testid=format!("chart-{id}")>
                <h2 id=heading>{title}</h2>
                <p class="empty">"Sin datos en el período"</p>
            </section>
        }
        .into_any();
    }
    let markup = svg(id, &title, &describe(&series, &title), &series);
    let caption = format!("{title}: valores exactos");
    let region_label = caption.clone();
    let rows: Vec<Point> = series.points;
    view! {
        <section class="chart" aria-labelledby=labelled_by data-testid=format!("chart-{id}")>
            <h2 id=heading>{title}</h2>
            <div class="chart__figure" inner_html=markup></div>
            <div class="chart__data" tabindex="0" role="region" aria-label=region_label>
                <table class="table">
                    <caption>{caption}</caption>
                    <thead><tr><th scope="col">{column}</th><th scope="col">{value_header}</th></tr></thead>
                    <tbody>
                        {rows.into_iter().map(|p| view! { <tr><th scope="row">{p.full}</th><td>{p.text}</td></tr> }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[u64], kind: Kind) -> Series {
        Series {
            points: values
                .iter()
                .enumerate()
                .map(|(i, v)| Point { label: format!("{i}"), full: format!("día {i}"), value: *v, text: kind.format(*v) })
                .collect(),
            kind,
            has_data: values.iter().any(|v| *v > 0),
        }
    }

    #[test]
    fn the_svg_is_labelled_escaped_and_free_of_inline_styles() {
        let s = series(&[0, 5_000, 10_000], Kind::Percent);
        let out = svg("ocupacion", "Ocupación <Torre & Co>", "desc", &s);
        assert!(out.starts_with("<svg "));
        assert!(out.contains("role=\"img\""));
        assert!(out.contains("aria-labelledby=\"ocupacion-title ocupacion-desc\""));
        assert!(out.contains("<title id=\"ocupacion-title\">Ocupación &lt;Torre &amp; Co&gt;</title>"));
        assert!(!out.contains("style"));
        assert_eq!(out.matches("<rect ").count(), 3);
        assert!(out.contains(">100 %</text>") && out.contains(">50 %</text>"));
    }

    #[test]
    fn money_axes_round_up_and_descriptions_name_the_top() {
        let s = series(&[3_000, 12_500], Kind::Clp);
        let out = svg("ingresos", "Ingresos", "d", &s);
        assert!(out.contains(">$20.000</text>"), "{out}");
        assert!(describe(&s, "Ingresos").contains("$12.500 (día 1)"));
    }
}
