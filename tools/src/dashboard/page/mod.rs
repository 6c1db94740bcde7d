//! The web page (owned by the page helper, branch `i12-page`): this stub is the route hook the
//! server merges. `router()` serves `/` and the static assets; it is merged after the API routes,
//! so it must not claim `/api/*`, `/ws` or `/metrics`.

/// The page's routes (stateless; the server merges them into its router).
pub fn router() -> axum::Router {
    axum::Router::new().route("/", axum::routing::get(|| async { axum::response::Html(PLACEHOLDER) }))
}

const PLACEHOLDER: &str = "<!doctype html><title>alphapulse</title><p>The dashboard page is not built in \
                           yet: see <a href=\"/api/openapi.json\">/api/openapi.json</a>.</p>";
