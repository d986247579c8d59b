import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { API_OPERATIONS } from "@/app/api/v1/operations";
import { apiReference, HTTP_METHODS, openApiDocument } from "@/lib/http/api-description";

const V1 = path.resolve(import.meta.dirname, "../../app/api/v1");

/** Every route handler under app/api/v1: `GET /api/v1/apps/{slug}` with the permission it checks. */
function routeHandlers(): { key: string; permission: string | null }[] {
  const found: { key: string; permission: string | null }[] = [];
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "route.ts") {
        const source = readFileSync(full, "utf8");
        const apiPath = `/api/v1/${path.relative(V1, directory)}`
          .replace(/\[([^\]]+)\]/g, "{$1}")
          .replace(/\/$/, "");
        for (const method of HTTP_METHODS) {
          const handler = new RegExp(
            `export const ${method} = (withPermission\\(\\s*"([^"]+)"|apiRoute\\()`,
          ).exec(source);
          if (new RegExp(`export (const|async function) ${method}\\b`).test(source)) {
            found.push({ key: `${method} ${apiPath}`, permission: handler?.[2] ?? null });
          }
        }
      }
    }
  };
  walk(V1);
  return found;
}

const document = openApiDocument({
  operations: API_OPERATIONS,
  title: "Gantry API",
  version: "0.1.0",
  description: "test",
  serverUrl: "http://localhost:3000",
});

describe("the OpenAPI description", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe("3.1.0");
  });

  it("describes every /api/v1 route handler, and nothing that does not exist", () => {
    const handlers = routeHandlers()
      .map((handler) => handler.key)
      .sort();
    const described = API_OPERATIONS.map((o) => `${o.method} ${o.path}`).sort();
    expect(handlers.length).toBeGreaterThan(10);
    expect(described).toEqual(handlers);
  });

  it("names the permission each route checks", () => {
    const byKey = new Map(API_OPERATIONS.map((o) => [`${o.method} ${o.path}`, o]));
    for (const handler of routeHandlers()) {
      const operation = byKey.get(handler.key);
      const permission = operation?.auth.kind === "principal" ? operation.auth.permission : null;
      expect({ route: handler.key, permission }).toEqual({
        route: handler.key,
        permission: handler.permission,
      });
    }
  });

  it("carries each route's input schema: fields, bounds and required keys", () => {
    const paths = document.paths as Record<string, Record<string, Record<string, unknown>>>;
    const operation = (p: string, method: string) => paths[p]?.[method] ?? {};
    const request = operation("/api/v1/promotions", "post").requestBody as {
      content: { "application/json": { schema: { required: string[]; properties: object } } };
    };
    const schema = request.content["application/json"].schema;
    expect(schema.required).toEqual(["app", "environment", "reason"]);
    expect(Object.keys(schema.properties)).toContain("plannedAt");
    const listParameters = operation("/api/v1/promotions", "get").parameters as {
      name: string;
      schema: { maximum?: number };
    }[];
    expect(listParameters.find((p) => p.name === "size")?.schema.maximum).toBe(100);
    const slug = (
      operation("/api/v1/apps/{slug}", "get").parameters as { name: string; in: string }[]
    )[0];
    expect(slug).toMatchObject({ name: "slug", in: "path", required: true });
  });

  it("gives the reference page the same operations", () => {
    const groups = apiReference(API_OPERATIONS);
    const operations = groups.flatMap((group) => group.operations);
    expect(operations).toHaveLength(API_OPERATIONS.length);
    const review = operations.find((o) => o.path === "/api/v1/promotions/{id}/reviews");
    expect(review?.body).toContain('"decision"');
    expect(review?.responses.map((r) => r.status)).toContain(409);
  });
});
