// The hosted connect page: trades the link in its URL for a short-lived
// connect session (in a POST body, never as a session header or in a URL),
// then hands the session to the widget, and trades the link again whenever
// the widget needs a new session (the link still usable).
import init from "/sps-connect.js";

const widget = document.querySelector("sps-connect");
const problem = document.getElementById("problem");
const back = document.getElementById("return");
const link = decodeURIComponent(location.pathname.split("/").pop());

function fail(message) {
  problem.textContent = message || problem.dataset.fallback;
  problem.hidden = false;
  widget.hidden = true;
}

async function trade() {
  const response = await fetch("/api/sps/links/session", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ link }),
    cache: "no-store",
    credentials: "omit",
  });
  const answer = await response.json().catch(() => ({}));
  return response.ok ? answer : Promise.reject(new Error(answer.message || ""));
}

async function start() {
  await init();
  const answer = await trade();
  widget.setAttribute("endpoint", answer.endpoint);
  widget.setAttribute("services", answer.services.join(" "));
  if (answer.account_id) widget.setAttribute("account-id", answer.account_id);
  if (answer.client_id) widget.setAttribute("client-id", answer.client_id);
  if (answer.environment) {
    widget.setAttribute("environment", answer.environment);
    widget.setAttribute("lock-environment", "");
  }
  widget.setAttribute("session-token", answer.session_token);
}

widget.addEventListener("sps-connect:success", () => {
  if (back) back.hidden = false;
});
widget.addEventListener("sps-connect:session-expired", () => {
  trade()
    .then((answer) => widget.setAttribute("session-token", answer.session_token))
    .catch((error) => fail(error.message));
});
start().catch((error) => fail(error.message));
