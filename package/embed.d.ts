// Types of `sps-commerce-connect/embed`: frame mode, for pages that allow no
// WebAssembly. The dialog runs in a frame from the host's `/embed/connect`.

import type { ConnectHandle, ConnectOptions } from "./index.js";

/** The options of the bundle's `mount`, and where the frame page is. */
export interface FrameOptions extends ConnectOptions {
  /**
   * The host's frame page, such as `https://connect.example/embed/connect`
   * (https, or http on localhost). Defaults to `/embed/connect` on the origin
   * the loader came from, which is the host only when the page loads the
   * host's own `/embed.js`: set it when the loader is bundled or copied.
   */
  frameUrl?: string;
}

/** Mounts the widget in `element`, in a frame; option errors arrive as `sps-connect:error` (`invalid_options`). */
export function mount(element: HTMLElement, options?: FrameOptions): ConnectHandle;

/** Defines the frame-backed `<sps-connect>` (importing the module already does; `frame-url` is its extra attribute). */
export function defineElement(): void;
