//! Results for people: each command's arrays of rows as aligned tables (columns in the order the
//! protocol documents, then any others), the other keys as `key: value` lines. A result whose
//! shape is not the documented one for its command is printed as pretty JSON.

use serde_json::{Map, Value};

/// A command's view: the key whose presence says the shape is known, and column orders per table.
struct View {
    command: &'static str,
    key: &'static str,
    tables: &'static [(&'static str, &'static [&'static str])],
}

const ACKS: (&str, &[&str]) = ("acks", &["actor", "at_ns"]);

const VIEWS: &[View] = &[
    View { command: "help", key: "commands", tables: &[("commands", &["name", "usage", "level", "help"])] },
    View {
        command: "status",
        key: "health",
        tables: &[
            ("actors", &["name", "thread", "handled", "queue_depth", "lag_ns"]),
            ("feeds", &["symbol", "state"]),
        ],
    },
    View { command: "limits", key: "limits", tables: &[("limits", &["name", "value", "unit", "help"])] },
    View {
        command: "positions",
        key: "positions",
        tables: &[("positions", &["symbol", "qty", "avg_price", "realized", "unrealized"])],
    },
    View {
        command: "orders",
        key: "orders",
        tables: &[(
            "orders",
            &["id", "symbol", "side", "price", "qty", "filled", "state", "strategy", "age_ms"],
        )],
    },
    View { command: "pnl", key: "realized", tables: &[("by_symbol", &["symbol", "realized", "unrealized"])] },
    View {
        command: "latency",
        key: "stages",
        tables: &[("stages", &["name", "count", "p50_ns", "p99_ns", "p999_ns", "max_ns"])],
    },
    View {
        command: "strategies list",
        key: "strategies",
        tables: &[("strategies", &["name", "kind", "enabled", "symbols", "params"])],
    },
];

/// Render `result` of the command named `command` (its table name, e.g. `strategies list`).
pub fn render(command: &str, result: &Value) -> String {
    let view = VIEWS.iter().find(|v| v.command == command);
    let (key, tables): (&str, &[(&str, &[&str])]) = match view {
        Some(v) => (v.key, v.tables),
        // Every other command acknowledges: `applied`, its acks, counts.
        None => ("applied", std::slice::from_ref(&ACKS)),
    };
    let Some(obj) = result.as_object().filter(|o| o.contains_key(key)) else {
        return pretty(result);
    };
    let mut lines = Vec::new();
    let scalars: Vec<(&String, &Value)> = obj.iter().filter(|(_, v)| !is_table(v)).collect();
    let width = scalars.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in &scalars {
        lines.push(format!("{k:<width$}  {}", inline(v)));
    }
    for (k, v) in obj.iter().filter(|(_, v)| is_table(v)) {
        let columns = tables.iter().find(|(name, _)| name == k).map_or(&[][..], |(_, c)| *c);
        let rows = v.as_array().map_or(&[][..], Vec::as_slice);
        lines.push(String::new());
        if rows.is_empty() {
            lines.push(format!("({k}: none)"));
        } else {
            lines.push(format!("{k}:"));
            lines.extend(table(rows, columns));
        }
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    s.push('\n');
    s
}

/// An array whose items are all objects (an empty array counts: it is a table with no rows).
fn is_table(v: &Value) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(Value::is_object))
}

/// A value on one line: strings bare, arrays joined, objects as `k=v` pairs.
fn inline(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        Value::Array(a) => a.iter().map(inline).collect::<Vec<_>>().join(","),
        // Empty values left out: `health  state=Healthy`, not `reason= state=Healthy`.
        Value::Object(m) => m
            .iter()
            .filter(|(_, v)| !v.is_null() && v.as_str() != Some(""))
            .map(|(k, v)| format!("{k}={}", inline_nested(v)))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

fn inline_nested(v: &Value) -> String {
    match v {
        Value::Object(_) | Value::Array(_) => v.to_string(),
        _ => inline(v),
    }
}

/// Rows as aligned columns: `preferred` first (those present), then the others sorted; numbers
/// right-aligned.
fn table(rows: &[Value], preferred: &[&str]) -> Vec<String> {
    let empty = Map::new();
    let maps: Vec<&Map<String, Value>> = rows.iter().map(|r| r.as_object().unwrap_or(&empty)).collect();
    let mut columns: Vec<&str> =
        preferred.iter().copied().filter(|c| maps.iter().any(|m| m.contains_key(*c))).collect();
    let mut others: Vec<&str> =
        maps.iter().flat_map(|m| m.keys().map(String::as_str)).filter(|k| !preferred.contains(k)).collect();
    others.sort_unstable();
    others.dedup();
    columns.extend(others);
    let cells: Vec<Vec<(String, bool)>> = maps
        .iter()
        .map(|m| {
            columns
                .iter()
                .map(|c| match m.get(*c) {
                    None => ("-".to_string(), false),
                    Some(v) => (inline_nested_cell(v), v.is_number()),
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| cells.iter().map(|r| r[i].0.chars().count()).max().unwrap_or(0).max(c.len()))
        .collect();
    let line = |items: Vec<(String, bool)>| -> String {
        let parts: Vec<String> = items
            .into_iter()
            .zip(&widths)
            .map(|((s, right), w)| if right { format!("{s:>w$}") } else { format!("{s:<w$}") })
            .collect();
        format!("  {}", parts.join("  ").trim_end())
    };
    let mut out = vec![line(columns.iter().map(|c| (c.to_uppercase(), false)).collect())];
    out.extend(cells.into_iter().map(line));
    out
}

fn inline_nested_cell(v: &Value) -> String {
    match v {
        Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => inline(v),
        Value::Object(_) => inline(v),
        Value::Array(_) => v.to_string(),
        _ => inline(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn positions_as_a_table_and_unknown_shapes_as_json() {
        let r = json!({"positions": [
            {"symbol": "BTCUSDT", "qty": "0.5", "avg_price": "60000.1", "realized": "1", "unrealized": "-2.5"},
            {"symbol": "ETHUSDT", "qty": "-3", "avg_price": "3000", "realized": "0", "unrealized": "4", "venue": "sim"}
        ], "equity": "10001.5", "cash": "9000"});
        let text = render("positions", &r);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "cash    9000");
        assert_eq!(lines[1], "equity  10001.5");
        assert_eq!(lines[3], "positions:");
        assert_eq!(lines[4], "  SYMBOL   QTY  AVG_PRICE  REALIZED  UNREALIZED  VENUE");
        assert_eq!(lines[5], "  BTCUSDT  0.5  60000.1    1         -2.5        -");
        assert_eq!(lines[6], "  ETHUSDT  -3   3000       0         4           sim");
        // Not the documented shape: JSON.
        let odd = json!({"rows": [1, 2]});
        assert_eq!(render("positions", &odd), pretty(&odd));
        assert_eq!(render("status", &json!([1])), "[\n  1\n]\n");
    }

    #[test]
    fn numbers_right_aligned_nested_inline_and_empty_tables_named() {
        let r = json!({"health": {"state": "Healthy", "reason": "ok"}, "actors": [
            {"name": "feed", "thread": 0, "handled": 12345, "queue_depth": 0, "lag_ns": 7},
            {"name": "risk", "thread": 1, "handled": 9, "queue_depth": 12, "lag_ns": 1500}
        ], "feeds": []});
        let text = render("status", &r);
        assert!(text.starts_with("health  reason=ok state=Healthy\n"), "{text}");
        assert!(text.contains("  NAME  THREAD  HANDLED  QUEUE_DEPTH  LAG_NS\n"), "{text}");
        assert!(text.contains("  feed       0    12345            0       7\n"), "{text}");
        assert!(text.contains("(feeds: none)"), "{text}");
        let quiet = json!({"health": {"state": "Healthy", "reason": ""}});
        assert_eq!(render("status", &quiet), "health  state=Healthy\n");
        let ack = json!({"applied": true, "acks": [{"actor": "risk", "at_ns": 5}], "cancelled": 3});
        let text = render("cancel-all", &ack);
        assert!(text.contains("applied    true") && text.contains("cancelled  3"), "{text}");
        assert!(text.contains("  ACTOR  AT_NS\n  risk       5"), "{text}");
    }
}
