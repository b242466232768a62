//! `/metrics`: Prometheus metrics (`metrics` and `metrics-exporter-prometheus`). Counters and
//! histograms are recorded where things happen (`svp_asks_total{decision}`, `svp_ask_seconds`,
//! `svp_escalations_total`, `svp_outbox_sent_total`, `svp_outbox_failed_total`,
//! `svp_gateway_holder`); gauges read from the database at each scrape
//! (`svp_outbox_pending`, `svp_outbox_oldest_pending_seconds`: Discord messages a sender owes;
//! web messages wait for their reader and are not counted; `svp_index_lag_changes`).
//! Aggregates only: no text, no person.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::WebState;

pub(super) fn router() -> Router<WebState> {
    Router::new().route("/metrics", get(metrics))
}

/// The process-wide recorder, installed on first use (`None` if another recorder was).
pub(super) fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let buckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0];
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("svp_ask_seconds".into()), &buckets)
                .and_then(PrometheusBuilder::install_recorder)
                .map_err(|e| tracing::warn!(error = %e, "metrics recorder not installed; /metrics is unavailable"))
                .ok()
        })
        .as_ref()
}

async fn metrics(State(state): State<WebState>) -> Response {
    let Some(handle) = handle() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics unavailable\n").into_response();
    };
    let store = state.service.store();
    if let Ok((pending, oldest)) = store.outbox_backlog(crate::core::notify::DISCORD).await {
        metrics::gauge!("svp_outbox_pending").set(pending as f64);
        let age = oldest.map_or(0.0, |at| (crate::store::now_ms() - at).max(0) as f64 / 1000.0);
        metrics::gauge!("svp_outbox_oldest_pending_seconds").set(age);
    }
    if let Ok(last) = store.last_answer_change().await {
        let applied = state.service.bot().index().state().answers_seq;
        metrics::gauge!("svp_index_lag_changes").set((last - applied).max(0) as f64);
    }
    handle.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
}
