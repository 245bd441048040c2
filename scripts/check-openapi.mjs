// Validates docs/openapi.json with an independent OpenAPI validator
// (@readme/openapi-parser, from npm): the structure against the OpenAPI 3.1
// schema, every $ref resolved, and the rules the schema cannot express.
import { validate } from "@readme/openapi-parser";
import { readFileSync } from "node:fs";

const file = new URL("../docs/openapi.json", import.meta.url);
const document = JSON.parse(readFileSync(file, "utf8"));
const result = await validate(document);
if (!result.valid) {
  console.error("docs/openapi.json is not a valid OpenAPI document:");
  console.error(JSON.stringify(result.errors, null, 2));
  process.exit(1);
}
if (result.warnings?.length) {
  console.error("docs/openapi.json has warnings:");
  console.error(JSON.stringify(result.warnings, null, 2));
  process.exit(1);
}
console.log(`docs/openapi.json: a valid OpenAPI ${document.openapi} document, ${Object.keys(document.paths).length} paths`);
