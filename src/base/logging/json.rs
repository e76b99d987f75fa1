//! One JSON object per log line (`--log-format json`), for log collectors.
//!
//! Written here rather than with tracing-subscriber's `json` feature: the same lines for
//! 37 KB less on a router. An event is `{"timestamp": …, "level": …, "target": …,
//! "message": …, FIELD: VALUE, …}`, the fields flattened into the object; libunftp's
//! records (bridged from `log`) carry their own target, and the bridge's `log.*` fields
//! are left out.

use std::fmt;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The JSON event format.
pub(super) struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, _ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let normalized = event.normalized_metadata();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        let mut fields = Fields(serde_json::Map::new());
        fields
            .0
            .insert("timestamp".into(), chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true).into());
        fields.0.insert("level".into(), meta.level().as_str().into());
        fields.0.insert("target".into(), meta.target().into());
        event.record(&mut fields);
        writeln!(writer, "{}", serde_json::Value::Object(fields.0))
    }
}

/// An event's fields, as JSON values.
struct Fields(serde_json::Map<String, serde_json::Value>);

impl Fields {
    fn put(&mut self, field: &Field, value: serde_json::Value) {
        if !field.name().starts_with("log.") {
            self.0.insert(field.name().to_string(), value);
        }
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
}

#[cfg(test)]
mod tests {
    use super::super::{dispatch, LogFormat};
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn one_object_a_line_with_the_fields_flattened() {
        let sink = Sink::default();
        let out = sink.clone();
        let d = dispatch(None, LogFormat::Json, move || sink.clone());
        super::super::bridge_log();
        tracing::dispatcher::with_default(&d, || {
            log::warn!(target: "libunftp::server", "a record of libunftp's");
            tracing::info!(target: "loft::conn", peer = "127.0.0.1:5", bytes = 42u64, ok = true, "a \"quoted\"\nline");
            tracing::debug!(target: "loft::conn", "below the default level");
            tracing::warn!(target: "loft::transfer", user = %"al", "refused: {}", "why");
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3, "{text}");
        let bridged = lines[0].as_object().unwrap();
        assert_eq!((bridged["target"].as_str(), bridged["level"].as_str()), (Some("libunftp::server"), Some("WARN")));
        assert!(bridged.keys().all(|k| !k.starts_with("log.")), "{bridged:?}");
        let lines = &lines[1..];
        let first = &lines[0];
        assert_eq!(first["level"], "INFO");
        assert_eq!(first["target"], "loft::conn");
        assert_eq!(first["message"], "a \"quoted\"\nline");
        assert_eq!(
            (first["peer"].as_str(), first["bytes"].as_u64(), first["ok"].as_bool()),
            (Some("127.0.0.1:5"), Some(42), Some(true))
        );
        let ts = first["timestamp"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok() && ts.ends_with('Z'), "{ts}");
        assert_eq!((lines[1]["level"].as_str(), lines[1]["user"].as_str()), (Some("WARN"), Some("al")));
        assert_eq!(lines[1]["message"], "refused: why");
    }
}
