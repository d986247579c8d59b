import { readFileSync } from "node:fs";
import path from "node:path";
import {
  buildSchema,
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  parse,
  validate,
} from "graphql";

/**
 * GitHub's published GraphQL schema (`@octokit/graphql-schema`), built once
 * per process: every document the fake GitHub receives is parsed and
 * validated against it, so a query or mutation Gantry sends that GitHub
 * would refuse fails here too.
 */

const SCHEMA_PATH = path.resolve(
  import.meta.dirname,
  "../../node_modules/@octokit/graphql-schema/schema.graphql",
);

let schema: GraphQLSchema | null = null;

export function githubSchema(): GraphQLSchema {
  schema ??= buildSchema(readFileSync(SCHEMA_PATH, "utf8"), { assumeValidSDL: true });
  return schema;
}

/** GitHub's answer to a document it refuses: HTTP 200 with `errors` and no `data`. */
export interface GraphqlRefusal {
  errors: {
    message: string;
    locations?: { line: number; column: number }[];
    extensions?: { code: string };
  }[];
}

/** The parsed document, or GitHub's refusal when it does not parse or validate. */
export function checkDocument(query: string): DocumentNode | GraphqlRefusal {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    if (error instanceof GraphQLError) {
      return {
        errors: [
          {
            message: `Parse error: ${error.message}`,
            locations: error.locations ? [...error.locations] : undefined,
            extensions: { code: "parseError" },
          },
        ],
      };
    }
    throw error;
  }
  const problems = validate(githubSchema(), document);
  if (problems.length === 0) return document;
  return {
    errors: problems.map((problem) => ({
      message: problem.message,
      locations: problem.locations ? [...problem.locations] : undefined,
      extensions: {
        code: /Cannot query field/.test(problem.message) ? "undefinedField" : "invalidDocument",
      },
    })),
  };
}

/** An error GitHub reports with a `type` (STALE_DATA, NOT_FOUND, UNPROCESSABLE). */
export class GitHubGraphqlError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}
