//! The Transaction API's list of documents waiting in an account's `out/`
//! folder (`GET /transactions/v5/data/out/`), read page by page with its cursor.

use crate::sps::api::{upstream_url, Answer, Outbound};
use crate::sps::failure::{SpsFailure, Stage};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use sps_connect_wire::ErrorCode;

/// The folder listed, below the API's base.
pub const OUT_FOLDER: &str = "transactions/v5/data/out/";
/// Entries asked for per page: the API's largest page.
pub const PAGE_SIZE: usize = 1000;
/// Pages read at most in one listing: past this the listing is refused, not cut short.
pub const MAX_PAGES: usize = 100;

/// One entry of the list.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Listed {
    /// Its path, such as `/out/PO_4500012345.xml`.
    pub path: String,
    /// Its type, such as `file`.
    #[serde(rename = "type", default = "file")]
    pub kind: String,
}

fn file() -> String {
    "file".into()
}

/// One page of the list, and the cursor of the next, if there is one.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Page {
    /// Its entries.
    pub documents: Vec<Listed>,
    /// The cursor of the next page.
    pub next: Option<String>,
}

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    results: Vec<Listed>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Deserialize)]
struct Paging {
    next: Option<Next>,
}

#[derive(Deserialize)]
struct Next {
    cursor: Option<String>,
}

/// The request for the page at `cursor` (the first without one).
pub fn page_request(base: &Url, cursor: Option<&str>) -> Outbound {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("limit", &PAGE_SIZE.to_string());
    if let Some(cursor) = cursor {
        query.append_pair("cursor", cursor);
    }
    let url = upstream_url(base, OUT_FOLDER, Some(&query.finish())).expect("the folder's path is a plain path");
    Outbound { method: Method::GET, url, headers: Default::default(), body: Default::default() }
}

/// Reads a page from the API's answer: a 429 or 5xx is a passing fault, a
/// refusal or garbage a failure of the listing.
pub fn read_page(answer: &Answer) -> Result<Page, SpsFailure> {
    let status = answer.status;
    if status == StatusCode::TOO_MANY_REQUESTS {
        let wait = crate::sps::outbound::retry_after(&answer.headers);
        return Err(SpsFailure::at(Stage::Api, ErrorCode::RateLimited, "the document list was throttled")
            .retry_after(wait.as_secs()));
    }
    if status.is_server_error() {
        return Err(SpsFailure::at(
            Stage::Api,
            ErrorCode::ProviderUnavailable,
            format!("the document list answered {status}"),
        ));
    }
    if !status.is_success() {
        return Err(SpsFailure::at(
            Stage::Api,
            ErrorCode::InternalError,
            format!("the document list answered {status}"),
        ));
    }
    let body: Body = serde_json::from_slice(&answer.body).map_err(|error| {
        SpsFailure::at(
            Stage::Api,
            ErrorCode::ProviderUnavailable,
            format!("the document list is not JSON as expected: {error}"),
        )
    })?;
    let next = body.paging.and_then(|paging| paging.next).and_then(|next| next.cursor).filter(|c| !c.is_empty());
    Ok(Page { documents: body.results, next })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_page_gives_its_documents_and_the_next_cursor() {
        let page = read_page(&answer(
            200,
            r#"{"results":[{"path":"/out/a.xml","type":"file","url":"x"},{"path":"/out/b.xml"}],
                "paging":{"limit":2,"next":{"cursor":"c2","url":"y"},"previous":null}}"#,
        ))
        .unwrap();
        assert_eq!(page.documents[0], Listed { path: "/out/a.xml".into(), kind: "file".into() });
        assert_eq!(page.documents[1].kind, "file", "a missing type is a file");
        assert_eq!(page.next.as_deref(), Some("c2"));
        let last = read_page(&answer(200, r#"{"results":[],"paging":{"next":null}}"#)).unwrap();
        assert_eq!(last, Page::default());
    }

    #[test]
    fn throttling_and_outages_are_passing_faults() {
        let mut throttled = answer(429, "");
        throttled.headers.insert(RETRY_AFTER, HeaderValue::from_static("42"));
        let failure = read_page(&throttled).unwrap_err();
        assert_eq!((failure.code, failure.retry_after), (ErrorCode::RateLimited, Some(42)));
        assert_eq!(read_page(&answer(503, "")).unwrap_err().code, ErrorCode::ProviderUnavailable);
        assert_eq!(read_page(&answer(200, "<html>")).unwrap_err().code, ErrorCode::ProviderUnavailable);
        assert_eq!(read_page(&answer(403, "{}")).unwrap_err().code, ErrorCode::InternalError);
    }

    #[test]
    fn the_cursor_is_sent_encoded() {
        let base = Url::parse("https://api.spscommerce.com").unwrap();
        let request = page_request(&base, Some("a b&c"));
        assert_eq!(
            request.url.as_str(),
            "https://api.spscommerce.com/transactions/v5/data/out/?limit=1000&cursor=a+b%26c"
        );
    }
}
