//! The dashboard's web page: plain HTML, CSS and JavaScript (no build step) and the vendored uPlot
//! chart library (`vendor/`, see `vendor/PROVENANCE.md`), all embedded in the binary with
//! `include_str!`: the page loads nothing from any other host.
//!
//! - `index.html`: the layout; every figure the browser test reads has a `data-testid` (and the
//!   exact value it shows in `data-value`).
//! - `app.js`: loads the JSON endpoints (`crate::view::shapes`), then follows `/ws`, keeping the
//!   last cursor and reconnecting with `?since=<cursor>` (refetching the snapshots when the
//!   server answers `resumed: false`).
//! - `style.css`: one dark grid of panels.
//!
//! [`router`] serves `/` and `/page/*`; it claims nothing under `/api`, `/ws` or `/metrics`.

use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::response::IntoResponse;
use axum::routing::get;

/// (URL path, content type, body) of every asset.
pub const ASSETS: [(&str, &str, &str); 5] = [
    ("/", "text/html; charset=utf-8", include_str!("index.html")),
    ("/page/app.js", "text/javascript; charset=utf-8", include_str!("app.js")),
    ("/page/style.css", "text/css; charset=utf-8", include_str!("style.css")),
    (
        "/page/vendor/uPlot.iife.min.js",
        "text/javascript; charset=utf-8",
        include_str!("vendor/uPlot.iife.min.js"),
    ),
    ("/page/vendor/uPlot.min.css", "text/css; charset=utf-8", include_str!("vendor/uPlot.min.css")),
];

/// Same origin only: scripts, styles, fetches and the WebSocket (uPlot sets inline styles).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
                   frame-ancestors 'none'";

/// The page's routes (stateless; the server merges them into its router).
pub fn router() -> axum::Router {
    let mut r = axum::Router::new();
    for (path, ctype, body) in ASSETS {
        r = r.route(
            path,
            get(move || async move {
                (
                    [
                        (CONTENT_TYPE, ctype),
                        (CONTENT_SECURITY_POLICY, CSP),
                        (X_CONTENT_TYPE_OPTIONS, "nosniff"),
                        (CACHE_CONTROL, "no-cache"),
                    ],
                    body,
                )
                    .into_response()
            }),
        );
    }
    r
}

#[cfg(test)]
mod tests {
    use super::ASSETS;

    /// Every `src="…"`/`href="…"` of the HTML is an embedded asset (nothing from another host).
    #[test]
    fn the_page_references_only_embedded_assets() {
        let html = ASSETS[0].2;
        let mut refs = 0;
        for attr in ["src=\"", "href=\""] {
            for (i, _) in html.match_indices(attr) {
                let rest = &html[i + attr.len()..];
                let url = &rest[..rest.find('"').expect("closed attribute")];
                assert!(ASSETS.iter().any(|a| a.0 == url), "{url} is not embedded");
                refs += 1;
            }
        }
        assert_eq!(refs, 4, "two scripts and two stylesheets");
    }

    /// No absolute URL in our own page code: no CDN, no external fetch.
    #[test]
    fn no_external_url_in_our_code() {
        for (path, _, body) in &ASSETS[..3] {
            for scheme in ["http://", "https://", "ws://", "wss://", "//cdn"] {
                assert!(!body.contains(scheme), "{path} contains {scheme}");
            }
        }
    }
}
