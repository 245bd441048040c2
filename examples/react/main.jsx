// A React 19 portal page that embeds <sps-connect>: React sets its
// attributes and listens to its events itself (React 19 passes `on…` props
// of a custom element to addEventListener), and opens it through a ref.
import { useEffect, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import init from "sps-commerce-connect";

function ConnectSps({ sessionToken, onLinked }) {
  const widget = useRef(null);
  return (
    <>
      <button type="button" onClick={() => widget.current?.open()}>
        Connect SPS Commerce
      </button>
      <sps-connect
        ref={widget}
        session-token={sessionToken}
        services="transaction packing_slip"
        {...{ "onsps-connect:success": (event) => onLinked(event.detail.account) }}
      />
    </>
  );
}

function Integrations() {
  const [session, setSession] = useState(null);
  const [linked, setLinked] = useState([]);
  useEffect(() => {
    // Your server mints the session with POST /api/sps/sessions and the admin key.
    fetch("/my-server/sps-session", { cache: "no-store" })
      .then((response) => response.json())
      .then((body) => setSession(body.session_token));
  }, []);
  if (!session) return <p>Loading…</p>;
  return (
    <main>
      <h1>Integrations</h1>
      <ConnectSps sessionToken={session} onLinked={(account) => setLinked((all) => [...all, account])} />
      <ul aria-label="Linked accounts">
        {linked.map((account) => (
          <li key={account.id}>
            {account.environment} account {account.clientIdHint}
          </li>
        ))}
      </ul>
    </main>
  );
}

await init();
createRoot(document.getElementById("root")).render(<Integrations />);
