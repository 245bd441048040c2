//! The widget's own heap over many dialogs: what one opening takes, closing gives back.
#![cfg(target_arch = "wasm32")]

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The system allocator, counting the bytes it holds.
struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Average growth per cycle allowed: collections grow in steps, a leak grows every time.
const ALLOWED_BYTES_PER_CYCLE: isize = 128;

/// Bytes held after `cycles` more runs of `cycle`, per cycle, once ten warm-up runs filled the caches.
async fn growth_per_cycle(widget: &Widget, cycles: isize, cycle: impl AsyncFn(&Widget)) -> isize {
    for _ in 0..10 {
        cycle(widget).await;
    }
    let before = LIVE_BYTES.load(Ordering::Relaxed);
    for _ in 0..cycles {
        cycle(widget).await;
    }
    (LIVE_BYTES.load(Ordering::Relaxed) - before) / cycles
}

// Regression: every dropped view stayed subscribed to the dialog's signals, about 1.5 KB per opening.
#[wasm_bindgen_test]
async fn opening_and_closing_keeps_no_memory() {
    let widget = Widget::open("{}").await;
    let growth = growth_per_cycle(&widget, 50, async |widget| {
        widget.handle.close().unwrap();
        settle().await;
        widget.handle.open().unwrap();
        settle().await;
    })
    .await;
    assert!(growth <= ALLOWED_BYTES_PER_CYCLE, "{growth} bytes kept per open and close");
}

// Regression: the form, success and failure views each left their subscriptions behind.
#[wasm_bindgen_test]
async fn connecting_again_and_again_keeps_no_memory() {
    let widget = Widget::mount("{}").unwrap();
    let growth = growth_per_cycle(&widget, 30, async |widget| {
        answer_json(503, r#"{"error":"provider_unavailable","message":"SPS is down.","retryable":true}"#);
        widget.handle.open().unwrap();
        settle().await;
        widget.connect_with_valid_credentials().await;
        until("the failure", || widget.find_by_role("button", "Try again").is_some()).await;
        answer_json(201, CONNECTED);
        widget.click("Try again");
        until("the account", || widget.find_by_role("button", "Done").is_some()).await;
        widget.click("Done");
        settle().await;
        assert!(widget.dialog().is_none(), "Done closes the dialog");
    })
    .await;
    assert!(growth <= ALLOWED_BYTES_PER_CYCLE, "{growth} bytes kept per connect");
}
