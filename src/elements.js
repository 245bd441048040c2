// The custom elements' classes. Each mounts its widget when it joins the
// document, remounts it once per task after any number of attribute changes,
// takes a new `session-token` alone in place, and destroys it when it leaves.
const HANDLE = Symbol("handle");
const SCHEDULED = Symbol("scheduled");
const SCHEDULE = Symbol("schedule");
const UNMOUNT = Symbol("unmount");
const REMOUNT = Symbol("remount");

function mountingElement(observed, mountElement) {
  return class extends HTMLElement {
    static get observedAttributes() { return observed; }
    connectedCallback() { this[SCHEDULE](); }
    disconnectedCallback() { this[UNMOUNT](); }
    attributeChangedCallback(name, before, after) {
      if (before === after) return;
      if (name === "session-token" && after !== null && this[HANDLE] && !this[SCHEDULED]) {
        try { this[HANDLE].setSessionToken(after); return; } catch { /* remounting reports it */ }
      }
      this[SCHEDULE]();
    }
    [SCHEDULE]() {
      if (this[SCHEDULED]) return;
      this[SCHEDULED] = true;
      queueMicrotask(() => {
        this[SCHEDULED] = false;
        if (this.isConnected) this[REMOUNT]();
      });
    }
    [UNMOUNT]() {
      if (!this[HANDLE]) return;
      this[HANDLE].destroy();
      this[HANDLE].free();
      this[HANDLE] = null;
    }
    [REMOUNT]() {
      this[UNMOUNT]();
      this[HANDLE] = mountElement(this);
    }
  };
}

// <sps-connect>: open() and close(); a dialog open before a remount is open after it.
export function define_sps_connect(tag, observed, mountElement) {
  if (customElements.get(tag)) return;
  customElements.define(tag, class extends mountingElement(observed, mountElement) {
    #openWhenMounted = false;
    open() {
      if (this[HANDLE] && !this[SCHEDULED]) this[HANDLE].open();
      else this.#openWhenMounted = true;
    }
    close() {
      this.#openWhenMounted = false;
      this[HANDLE]?.close();
    }
    [REMOUNT]() {
      const reopen = (this[HANDLE]?.isOpen ?? false) || this.#openWhenMounted;
      this.#openWhenMounted = false;
      super[REMOUNT]();
      if (reopen) this[HANDLE]?.open();
    }
  });
}

// <sps-accounts>: refresh().
export function define_sps_accounts(tag, observed, mountElement) {
  if (customElements.get(tag)) return;
  customElements.define(tag, class extends mountingElement(observed, mountElement) {
    refresh() { this[HANDLE]?.refresh(); }
  });
}
