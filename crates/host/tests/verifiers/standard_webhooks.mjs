// Checks the host's deliveries with the npm `standardwebhooks` package: the
// published verifier, not ours. Reads the cases file named on the command
// line and prints what the verifier said of each delivery.
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const verdict = (secret, body, headers) => {
  try {
    new Webhook(secret).verify(body, headers);
    return "ok";
  } catch (error) {
    return `refused: ${error.message}`;
  }
};
const oldHeaders = (headers) => ({ ...headers, "webhook-timestamp": String(Number(headers["webhook-timestamp"]) - 600) });
const results = cases.deliveries.map(({ headers, body }) => ({
  current: verdict(cases.current, body, headers),
  previous: verdict(cases.previous, body, headers),
  unrelated: verdict(cases.unrelated, body, headers),
  tampered: verdict(cases.current, body.replace("}", ',"tampered":true}'), headers),
  old: verdict(cases.current, body, oldHeaders(headers)),
}));
console.log(JSON.stringify(results));
