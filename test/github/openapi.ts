import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

/**
 * Validates the fake GitHub's answers against GitHub's published OpenAPI
 * description (`@octokit/openapi`), so the fake cannot drift from the real API.
 *
 * The dereferenced description is ~70 MB: the response schemas of the
 * operations the fake serves are extracted once and cached in the OS temp
 * directory under a hash of the description's version and the operation
 * list; every later test file loads only that small extract.
 */

const SPEC_PATH = path.resolve(
  import.meta.dirname,
  "../../node_modules/@octokit/openapi/generated/api.github.com.deref.json",
);
const PACKAGE_JSON = path.resolve(
  import.meta.dirname,
  "../../node_modules/@octokit/openapi/package.json",
);

/** "METHOD /path/{template}" as in the description. */
export type OperationKey = `${"GET" | "POST" | "PATCH" | "PUT" | "DELETE"} /${string}`;

type JsonObject = { [key: string]: Json };
type Json = string | number | boolean | null | Json[] | JsonObject;

type Extract = Record<string, Record<string, Json>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function extract(operations: readonly OperationKey[]): Extract {
  const version = (JSON.parse(readFileSync(PACKAGE_JSON, "utf8")) as { version: string }).version;
  const hash = createHash("sha256")
    .update(JSON.stringify([version, [...operations].sort()]))
    .digest("hex")
    .slice(0, 16);
  const dir = path.join(os.tmpdir(), "gantry-github-openapi");
  const file = path.join(dir, `responses-${hash}.json`);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Extract;
  } catch {
    // not extracted yet
  }
  const spec: unknown = JSON.parse(readFileSync(SPEC_PATH, "utf8"));
  if (!isObject(spec) || !isObject(spec.paths)) throw new Error("unexpected OpenAPI description");
  const result: Extract = {};
  for (const key of operations) {
    const [method = "", route = ""] = key.split(" ");
    const item = spec.paths[route];
    const operation = isObject(item) ? item[method.toLowerCase()] : undefined;
    if (!isObject(operation) || !isObject(operation.responses)) {
      throw new Error(`the OpenAPI description has no operation ${key}`);
    }
    const schemas: Record<string, Json> = {};
    for (const [status, response] of Object.entries(operation.responses)) {
      const content = isObject(response) ? response.content : undefined;
      const json = isObject(content) ? content["application/json"] : undefined;
      schemas[status] = isObject(json) && json.schema !== undefined ? json.schema : null;
    }
    result[key] = schemas;
  }
  mkdirSync(dir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(result));
  renameSync(temporary, file);
  return result;
}

/**
 * OpenAPI 3.0 → JSON Schema for Ajv: `nullable: true` becomes "or null", and
 * documentation-only keywords go.
 */
function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "nullable" || key === "discriminator" || key === "example" || key === "examples")
      continue;
    if (key.startsWith("x-")) continue;
    out[key] =
      key === "properties" && isObject(value)
        ? Object.fromEntries(
            Object.entries(value).map(([name, schema]) => [name, toJsonSchema(schema)]),
          )
        : toJsonSchema(value);
  }
  if (node.nullable === true) return { anyOf: [out, { type: "null" }] };
  return out;
}

export class OpenApiResponses {
  private readonly validators = new Map<string, ValidateFunction | null>();
  private readonly schemas: Extract;
  private readonly ajv: Ajv;

  constructor(operations: readonly OperationKey[]) {
    this.schemas = extract(operations);
    this.ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
  }

  /** Which statuses the description defines for an operation. */
  statuses(operation: OperationKey): string[] {
    return Object.keys(this.schemas[operation] ?? {});
  }

  /**
   * Problems with `body` as the answer `status` to `operation`; empty when valid.
   * A status the description does not define for the operation is a problem
   * unless `allowUndocumented` (injected faults: GitHub sends 429s and 5xxs
   * on any route), in which case it must still look like GitHub's basic error.
   */
  check(
    operation: OperationKey,
    status: number,
    body: unknown,
    allowUndocumented = false,
  ): string[] {
    const schemas = this.schemas[operation];
    if (!schemas) return [`${operation} is not in the extracted description`];
    let key = `${operation} ${status}`;
    let schema = schemas[String(status)];
    if (schema === undefined) {
      if (!allowUndocumented) return [`${operation} does not document status ${status}`];
      key = "basic-error";
      schema = {
        type: "object",
        required: ["message"],
        properties: { message: { type: "string" }, documentation_url: { type: "string" } },
      };
    }
    if (schema === null) return body === undefined || body === "" ? [] : [`${key} has no body`];
    let validate = this.validators.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(toJsonSchema(schema) as object);
      this.validators.set(key, validate);
    }
    if (validate === null || validate(body)) return [];
    return (validate.errors ?? [])
      .slice(0, 10)
      .map((e) => `${key}: ${e.instancePath || "(root)"} ${e.message ?? ""}`);
  }
}
