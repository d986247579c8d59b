/*
 * The HTTP API described as data: each operation names the zod schemas its route validates with,
 * and the OpenAPI 3.1 document is generated from those same schemas, so the description cannot
 * say one thing while the route checks another.
 */

import { type ZodType, z } from "zod";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
type HttpMethod = (typeof HTTP_METHODS)[number];

/** Who may call an operation: a signed-in person or API token with a permission, a cluster's agent, or anyone. */
type ApiAuth =
  | { kind: "principal"; permission: string }
  | { kind: "cluster-token" }
  | { kind: "none" };

interface ApiResponse {
  description: string;
  /** The body's schema (JSON); omitted when the body is described in words only. */
  schema?: ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

export interface ApiOperation {
  method: HttpMethod;
  /** OpenAPI path template: `/api/v1/promotions/{id}`. */
  path: string;
  /** Groups operations on the reference page and in the document. */
  tag: string;
  summary: string;
  description?: string;
  auth: ApiAuth;
  /** Path parameters, one property per `{name}` in `path`. */
  params?: z.ZodObject;
  /** Query parameters, one property each. */
  query?: z.ZodObject;
  /** The JSON request body. */
  body?: ZodType;
  /** Success responses by status; error responses are added from `errors`. */
  responses: Record<number, ApiResponse>;
  /** Error statuses this operation answers, besides the ones every operation may (401, 403, 500, 503). */
  errors?: number[];
}

/** Every error has this body, whatever the status (see lib/http/route.ts errorResponse). */
const ApiErrorBody = z.strictObject({
  error: z.strictObject({
    code: z.string().describe("A stable code: bad_request, not_found, conflict, forbidden…"),
    message: z.string().describe("What was wrong, in words safe to show."),
    details: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("Per-field errors (`errors: [{ field, message }]`) and other specifics."),
    errorId: z.string().optional().describe("For a 500: the id under which the server logged it."),
  }),
});

const ERROR_WORDS: Record<number, string> = {
  400: "The request is malformed: each wrong field is named.",
  401: "Not signed in, or the token is missing, unknown or revoked.",
  403: "Signed in, but without the permission this operation needs.",
  404: "No such object.",
  409: "Conflicts with the current state (named in the message).",
  413: "The body is too large.",
  422: "Understood but refused as a whole; nothing was written.",
  429: "Too many requests: wait the Retry-After seconds.",
  500: "A fault on the server; the body carries an errorId to quote.",
  503: "The database is not answering; retry after a few seconds.",
};

const ALWAYS = [401, 403, 500, 503];

type JsonSchema = Record<string, unknown>;

function jsonSchemaOf(schema: ZodType): JsonSchema {
  // `input`: what a caller sends (before defaults and coercion); transforms have no JSON form.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
  });
  return rest;
}

function parametersOf(where: "path" | "query", shape: z.ZodObject | undefined): JsonSchema[] {
  if (!shape) return [];
  const schema = jsonSchemaOf(shape);
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === "path" || required.has(name),
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}

function securityOf(auth: ApiAuth): Record<string, string[]>[] {
  switch (auth.kind) {
    case "principal":
      return [{ apiToken: [] }, { session: [] }];
    case "cluster-token":
      return [{ clusterToken: [] }];
    case "none":
      return [];
  }
}

function describeAuth(auth: ApiAuth): string {
  switch (auth.kind) {
    case "principal":
      return `Needs the \`${auth.permission}\` permission (a signed-in person or an API token).`;
    case "cluster-token":
      return "Called by a cluster's agent with that cluster's token.";
    case "none":
      return "Needs no credentials.";
  }
}

/** `GET /api/v1/promotions/{id}/reviews` → `getPromotionsByIdReviews`. */
function operationId(operation: ApiOperation): string {
  const words = operation.path
    .replace(/^\/api\/v1\//, "")
    .split("/")
    .filter(Boolean)
    .map((segment) => {
      const parameter = /^\{(.+)\}$/.exec(segment);
      return parameter ? `by-${parameter[1]}` : segment;
    })
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return (
    operation.method.toLowerCase() +
    words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("")
  );
}

/** The OpenAPI 3.1 document for `operations`. */
export function openApiDocument(params: {
  operations: readonly ApiOperation[];
  title: string;
  version: string;
  description: string;
  serverUrl: string;
}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of params.operations) {
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(operation.responses)) {
      const contentType = response.contentType ?? "application/json";
      responses[status] = {
        description: response.description,
        ...(response.schema
          ? { content: { [contentType]: { schema: jsonSchemaOf(response.schema) } } }
          : contentType !== "application/json"
            ? { content: { [contentType]: {} } }
            : {}),
      };
    }
    const errors = new Set([...(operation.errors ?? []), ...ALWAYS]);
    if (operation.auth.kind === "none") {
      errors.delete(401);
      errors.delete(403);
    }
    for (const status of [...errors].sort((a, b) => a - b)) {
      responses[String(status)] = { $ref: `#/components/responses/Error${status}` };
    }
    const entry: Record<string, unknown> = {
      operationId: operationId(operation),
      tags: [operation.tag],
      summary: operation.summary,
      description: [operation.description, describeAuth(operation.auth)]
        .filter(Boolean)
        .join("\n\n"),
      security: securityOf(operation.auth),
      parameters: [
        ...parametersOf("path", operation.params),
        ...parametersOf("query", operation.query),
      ],
      ...(operation.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: jsonSchemaOf(operation.body) } },
            },
          }
        : {}),
      responses,
    };
    const forPath = paths[operation.path] ?? {};
    forPath[operation.method.toLowerCase()] = entry;
    paths[operation.path] = forPath;
  }
  const errorResponses: Record<string, unknown> = {};
  for (const [status, words] of Object.entries(ERROR_WORDS)) {
    errorResponses[`Error${status}`] = {
      description: words,
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: params.title, version: params.version, description: params.description },
    servers: [{ url: params.serverUrl }],
    tags: [...new Set(params.operations.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: { Error: jsonSchemaOf(ApiErrorBody) },
      responses: errorResponses,
      securitySchemes: {
        apiToken: {
          type: "http",
          scheme: "bearer",
          description:
            "An API token: a personal one (Account → API tokens) or a CI token (`npm run gantry -- token create`).",
        },
        session: {
          type: "apiKey",
          in: "cookie",
          name: "__Host-gantry.session",
          description:
            "The portal's session cookie, set by signing in (`gantry.session` when the portal is served over plain http).",
        },
        clusterToken: {
          type: "http",
          scheme: "bearer",
          description:
            "A cluster's agent token (`npm run gantry -- cluster token --cluster NAME`).",
        },
      },
    },
  };
}

export interface ApiReferenceOperation {
  id: string;
  method: HttpMethod;
  path: string;
  summary: string;
  description: string;
  auth: string;
  parameters: {
    name: string;
    in: "path" | "query";
    required: boolean;
    schema: string;
    description: string;
  }[];
  /** The request body's JSON Schema, pretty-printed; null without a body. */
  body: string | null;
  responses: { status: number; description: string }[];
}

/** The reference page's view of the same operations, built with the same schema conversion as the document. */
export function apiReference(
  operations: readonly ApiOperation[],
): { tag: string; operations: ApiReferenceOperation[] }[] {
  const groups = new Map<string, ApiReferenceOperation[]>();
  for (const operation of operations) {
    const parameters = [
      ...parametersOf("path", operation.params),
      ...parametersOf("query", operation.query),
    ].map((parameter) => ({
      name: String(parameter.name),
      in: parameter.in === "path" ? ("path" as const) : ("query" as const),
      required: parameter.required === true,
      schema: schemaInWords(parameter.schema as JsonSchema),
      description: typeof parameter.description === "string" ? parameter.description : "",
    }));
    const errors = new Set([...(operation.errors ?? []), ...ALWAYS]);
    if (operation.auth.kind === "none") {
      errors.delete(401);
      errors.delete(403);
    }
    const responses = [
      ...Object.entries(operation.responses).map(([status, response]) => ({
        status: Number(status),
        description: response.description,
      })),
      ...[...errors].map((status) => ({ status, description: ERROR_WORDS[status] ?? "" })),
    ].sort((a, b) => a.status - b.status);
    const entry: ApiReferenceOperation = {
      id: operationId(operation),
      method: operation.method,
      path: operation.path,
      summary: operation.summary,
      description: operation.description ?? "",
      auth: describeAuth(operation.auth),
      parameters,
      body: operation.body ? JSON.stringify(jsonSchemaOf(operation.body), null, 2) : null,
      responses,
    };
    groups.set(operation.tag, [...(groups.get(operation.tag) ?? []), entry]);
  }
  return [...groups].map(([tag, list]) => ({ tag, operations: list }));
}

/** A parameter's schema in a few words: `integer ≥ 1, default 1`, `one of: a, b`. */
function schemaInWords(schema: JsonSchema): string {
  const words: string[] = [];
  if (Array.isArray(schema.enum)) words.push(`one of: ${schema.enum.join(", ")}`);
  else if (Array.isArray(schema.anyOf)) {
    words.push((schema.anyOf as JsonSchema[]).map(schemaInWords).join(" or "));
  } else if (schema.type === "array" && schema.items) {
    words.push(`list of ${schemaInWords(schema.items as JsonSchema)}`);
  } else if (typeof schema.type === "string") {
    words.push(schema.format ? `${schema.type} (${schema.format})` : schema.type);
  }
  if (typeof schema.minimum === "number") words.push(`≥ ${schema.minimum}`);
  if (typeof schema.maximum === "number" && schema.maximum < Number.MAX_SAFE_INTEGER) {
    words.push(`≤ ${schema.maximum}`);
  }
  if (typeof schema.maxLength === "number") words.push(`at most ${schema.maxLength} characters`);
  if (typeof schema.pattern === "string") words.push(`matching ${schema.pattern}`);
  if (schema.default !== undefined) words.push(`default ${JSON.stringify(schema.default)}`);
  return words.join(", ") || "any";
}
