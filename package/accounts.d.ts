// Types of `sps-commerce-connect/accounts`: the accounts bundle, which has
// everything the first dialog's bundle has, and the accounts list.

import type { ConnectOptions, ElementWithEvents, Environment, ErrorDetail, Service } from "./index.js";

export * from "./index.js";

/** Loads the accounts bundle's WebAssembly module; it also defines `<sps-connect>` and `<sps-accounts>`. */
export default function init(
  module?: { module_or_path: RequestInfo | URL | Response | BufferSource | WebAssembly.Module } | RequestInfo | URL,
): Promise<unknown>;

/** An account as the host lists it (snake_case, as its HTTP API answers): never a secret. */
export interface ListedAccount {
  id: string;
  provider: "sps_commerce";
  environment: Environment;
  client_id_hint: string;
  client_id: string;
  services: Service[];
  connected_at: string;
  status: "active" | "needs_attention";
  status_reason: "invalid_client" | "unauthorized_client" | "access_denied" | null;
  last_verified_at: string | null;
  last_checked_at: string | null;
  next_check_at: string | null;
  watch_documents: boolean;
}

/** An action of the accounts list. */
export type AccountAction = "verify" | "reconnect" | "disconnect";

/** `detail` of `sps-accounts:changed`, and the argument of `onChange`: the whole list after the change. */
export interface AccountsChangedDetail {
  change: "loaded" | "verified" | "reconnected" | "disconnected";
  /** The account the change was about; `null` for `loaded`. */
  account_id: string | null;
  accounts: ListedAccount[];
}

/**
 * Options of `mountAccounts`: the list's own, and the connect options its
 * Reconnect dialog takes (`mode`, `accountId` and `clientId` are the list's to set).
 */
export interface AccountsOptions
  extends Omit<ConnectOptions, "mode" | "accountId" | "clientId" | "onSuccess" | "onError" | "onClose" | "onEvent"> {
  /** The accounts endpoint (`"/api/sps/accounts"`); verify and disconnect are below it. */
  accountsUrl?: string;
  /** The actions offered (all three); `[]` for a read-only list. */
  allowActions?: AccountAction[];
  onChange?: (detail: AccountsChangedDetail) => void;
  onError?: (detail: ErrorDetail) => void;
}

/** What `mountAccounts` returns. */
export interface AccountsHandle {
  /** Reads the list again; the rows, and the focus on them, stay. */
  refresh(): void;
  /** Takes a new session token in place. */
  setSessionToken(token: string): void;
  /** Removes the list and every node and listener it added. */
  destroy(): void;
}

/** Mounts the session user's accounts list in `element`; throws an error naming the option at fault. */
export function mountAccounts(element: HTMLElement, options?: AccountsOptions): AccountsHandle;

/** Defines the `<sps-accounts>` element (`init` already does). */
export function defineAccountsElement(): void;

/** The list's events, on the element (or the mount element). */
export interface SpsAccountsEventMap extends HTMLElementEventMap {
  "sps-accounts:changed": CustomEvent<AccountsChangedDetail>;
  "sps-accounts:error": CustomEvent<ErrorDetail>;
}

/** The `<sps-accounts>` element: attributes as in docs/embedding.md, and `refresh()`. */
export interface SpsAccountsElement extends ElementWithEvents<SpsAccountsElement, SpsAccountsEventMap> {
  refresh(): void;
}

declare global {
  interface HTMLElementTagNameMap {
    "sps-accounts": SpsAccountsElement;
  }
  interface HTMLElementEventMap {
    "sps-accounts:changed": CustomEvent<AccountsChangedDetail>;
    "sps-accounts:error": CustomEvent<ErrorDetail>;
  }
}
