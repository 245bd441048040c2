//! Frame mode: the page's loader, and the page the dialog runs in with its script.

use super::{ApiError, AppState};
use crate::http::embed;
use axum::extract::State;
use axum::http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use sps_connect_wire::ErrorCode;

/// `GET /embed.js`: the frame mode's loader, for any page (a module script, so served with CORS).
#[utoipa::path(
    get,
    path = "/embed.js",
    tag = "embed",
    responses((status = 200, description = "The loader: mount() and <sps-connect> backed by a frame", content_type = "text/javascript"))
)]
pub async fn embed_loader() -> Response {
    script(embed::LOADER, true)
}

/// `GET /embed/frame.js`: the frame page's script.
#[utoipa::path(
    get,
    path = "/embed/frame.js",
    tag = "embed",
    responses((status = 200, description = "The frame page's script", content_type = "text/javascript"))
)]
pub async fn embed_frame_script() -> Response {
    script(embed::FRAME_SCRIPT, false)
}

/// `GET /embed/connect`: the page the dialog runs in, which only the origins of
/// `SPS_CONNECT_FRAME_ANCESTORS` may frame.
#[utoipa::path(
    get,
    path = "/embed/connect",
    tag = "embed",
    responses(
        (status = 200, description = "The frame page", content_type = "text/html"),
        (status = 404, description = "Frame mode is off: SPS_CONNECT_FRAME_ANCESTORS is not set", body = sps_connect_wire::ErrorBody),
    )
)]
pub async fn embed_page(State(state): State<AppState>) -> Result<Response, ApiError> {
    if state.hosted.frame_ancestors.is_empty() {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "Frame mode is off: set SPS_CONNECT_FRAME_ANCESTORS to the origins of the portal pages that may frame it.",
        ));
    }
    Ok(embed::page(&state.hosted.frame_ancestors))
}

fn script(body: &'static str, any_origin: bool) -> Response {
    let mut response =
        ([(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, "no-cache")], body).into_response();
    if any_origin {
        response.headers_mut().insert(ACCESS_CONTROL_ALLOW_ORIGIN, axum::http::HeaderValue::from_static("*"));
    }
    response
}
