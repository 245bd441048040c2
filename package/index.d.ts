// Types of the SPS Commerce Connect widget, kept by hand beside the options,
// events and handle they describe (docs/embedding.md has every rule in words).

/** The SPS environment whose keys are linked. */
export type Environment = "sandbox" | "production";

/** An SPS service (scope) the integration requests. */
export type Service = "transaction" | "shipping_label" | "packing_slip" | "trading_partner_submission";

/** White-label settings. */
export interface WhiteLabel {
  /** Hides the "Linking the account" section, which speaks of the hub. */
  enabled?: boolean;
  /** The application name the guide suggests; 1–60 characters. */
  appName?: string;
  /** Hides the "Powered by SPS Connect" line. */
  hideAttribution?: boolean;
}

/** Colour scheme and tokens, each a CSS value. */
export interface Theme {
  scheme?: "light" | "dark";
  brand?: string;
  brandContrast?: string;
  radius?: string;
  font?: string;
}

/** A linked account, as every event shows it: never a secret. */
export interface LinkedAccount {
  id: string;
  provider: "sps_commerce";
  environment: Environment;
  clientIdHint: string;
  services: Service[];
  connectedAt: string;
}

/** Why an attempt failed: the contract's codes and the widget's own. */
export type FailureCode =
  | "invalid_request"
  | "session_invalid"
  | "invalid_client"
  | "unauthorized_client"
  | "access_denied"
  | "rate_limited"
  | "provider_unavailable"
  | "internal_error"
  | "not_found"
  | "forbidden"
  | "network_error"
  | "timeout"
  | "unexpected_response"
  | "invalid_options";

/** `detail` of `sps-connect:success`, and the argument of `onSuccess`. */
export interface SuccessDetail {
  account: LinkedAccount;
}

/** `detail` of `sps-connect:error`, and the argument of `onError`. */
export interface ErrorDetail {
  code: FailureCode;
  message: string;
}

/** `detail` of `sps-connect:event`, and the argument of `onEvent`: every step. */
export type StepDetail =
  | { type: "opened" }
  | { type: "environment_changed"; environment: Environment }
  | { type: "validation_failed"; fields: Array<"client_id" | "client_secret"> }
  | { type: "submitted"; environment: Environment }
  | { type: "session_renewed" }
  | { type: "failed"; code: FailureCode; message: string; retryable: boolean }
  | { type: "connected"; account: LinkedAccount }
  | { type: "closed" };

/** Options of `mount`: one plain object, camelCase, every field optional. */
export interface ConnectOptions {
  /** The connect endpoint: a path on the page's origin, an https URL, or http on localhost. */
  endpoint?: string;
  /** The session token the portal's server minted for this user. */
  sessionToken?: string;
  /** Environment selected when the dialog opens (`"sandbox"`). */
  environment?: Environment;
  /** The user cannot pick the other environment. */
  lockEnvironment?: boolean;
  /** The services requested; at least one (`["transaction"]`). */
  services?: Service[];
  /** A modal dialog opened with `open()`, or a panel shown at once. */
  mode?: "modal" | "inline";
  whiteLabel?: WhiteLabel;
  theme?: "light" | "dark" | Theme;
  /** A BCP 47 tag (`en`, `de`, `es`, `fr`, any region); the browser's languages without it. */
  locale?: string;
  /** Update this existing link instead of creating one. */
  accountId?: string;
  /** The Client ID to fill in, such as the reconnected account's. */
  clientId?: string;
  /** How long to wait for the backend, 1000–120000 ms (30000). */
  timeoutMs?: number;
  onSuccess?: (detail: SuccessDetail) => void;
  onError?: (detail: ErrorDetail) => void;
  onClose?: (detail: Record<string, never>) => void;
  onEvent?: (detail: StepDetail) => void;
  /** A new session token, or a promise of one, when the session runs out. */
  fetchSessionToken?: () => string | Promise<string>;
}

/** What `mount` returns. */
export interface ConnectHandle {
  /** Shows the dialog and moves focus into it. */
  open(): void;
  /** Hides it from any state, forgetting the typed secret. */
  close(): void;
  /** Closes it and removes every node and listener it added. */
  destroy(): void;
  /** Takes a new session token in place. */
  setSessionToken(token: string): void;
  /** Whether it is showing. */
  readonly isOpen: boolean;
}

/** Loads the WebAssembly module; call once before `mount` (it also defines `<sps-connect>`). */
export default function init(
  module?: { module_or_path: RequestInfo | URL | Response | BufferSource | WebAssembly.Module } | RequestInfo | URL,
): Promise<unknown>;

/** Mounts the widget in `element`; throws an error naming the option at fault. */
export function mount(element: HTMLElement, options?: ConnectOptions): ConnectHandle;

/** Defines the `<sps-connect>` element (`init` already does). */
export function defineElement(): void;

/** An element whose `addEventListener` knows its `Events` and calls listeners with `this` as `Self`. */
export interface ElementWithEvents<Self, Events> extends HTMLElement {
  addEventListener<K extends keyof Events>(
    type: K,
    listener: (this: Self, event: Events[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
}

/** The `<sps-connect>` element: attributes as in docs/embedding.md, and these methods. */
export interface SpsConnectElement extends ElementWithEvents<SpsConnectElement, SpsConnectEventMap> {
  open(): void;
  close(): void;
}

/** The widget's events, on the element (or the mount element). */
export interface SpsConnectEventMap extends HTMLElementEventMap {
  "sps-connect:success": CustomEvent<SuccessDetail>;
  "sps-connect:error": CustomEvent<ErrorDetail>;
  "sps-connect:close": CustomEvent<Record<string, never>>;
  "sps-connect:event": CustomEvent<StepDetail>;
  "sps-connect:session-expired": CustomEvent<Record<string, never>>;
}

declare global {
  interface HTMLElementTagNameMap {
    "sps-connect": SpsConnectElement;
  }
  interface HTMLElementEventMap {
    "sps-connect:success": CustomEvent<SuccessDetail>;
    "sps-connect:error": CustomEvent<ErrorDetail>;
    "sps-connect:close": CustomEvent<Record<string, never>>;
    "sps-connect:event": CustomEvent<StepDetail>;
    "sps-connect:session-expired": CustomEvent<Record<string, never>>;
  }
}
