//! Endpoints for operators: `/healthz` (the process answers), `/readyz`
//! (the database takes writes, the file store works and has room) and `/metrics` (Prometheus).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::AppState;

/// `/healthz` and `/readyz`, and `/metrics` unless it has a listener of its own.
pub fn router(app: Arc<AppState>) -> Router {
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    let router = match app.config.metrics_listen {
        Some(_) => router,
        None => router.route("/metrics", get(metrics)),
    };
    router.with_state(app)
}

/// What a connection beyond `max_connections` is answered: the health
/// checks, and 503 for everything else.
pub fn reserve_router(app: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .fallback(|| async {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5")],
                "too many connections\n",
            )
        })
        .with_state(app)
}

/// `/metrics` alone, for `metrics_listen`.
pub fn metrics_router(app: Arc<AppState>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(app)
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready when the database takes a write (not only a read: a read-only or
/// locked SQLite file answers reads), files can be created where uploads
/// land, and the data filesystem has `min_free_space`.
async fn readyz(State(app): State<Arc<AppState>>) -> Response {
    if let Err(err) = app.db.check_writable(crate::auth::now()).await {
        tracing::warn!(error = %err, "not ready: database");
        return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response();
    }
    if let Err(err) = app.uploads.check_file_store().await {
        tracing::warn!(error = %err, "not ready: file store");
        return (StatusCode::SERVICE_UNAVAILABLE, "file store unavailable\n").into_response();
    }
    if let Err(err) = app.uploads.check_free_space().await {
        tracing::warn!(error = %err, "not ready: free space");
        return (StatusCode::SERVICE_UNAVAILABLE, "not enough free space\n").into_response();
    }
    (StatusCode::OK, "ready\n").into_response()
}

async fn metrics(State(app): State<Arc<AppState>>) -> Response {
    match app.metrics.render(&app.db, &app.uploads).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(err) => {
            tracing::error!(error = %err, "cannot render metrics");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
