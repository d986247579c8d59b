import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { CONFIG_VARIABLES, parseConfig } from "@/lib/config";

/**
 * docker compose cannot run here (no Docker engine), so the files it reads
 * are checked for what would break a user's `docker compose up`: structure,
 * references to files that exist, variables Gantry actually reads, and no
 * password written into the repository.
 */
const root = path.resolve(import.meta.dirname, "..", "..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

const ComposeSchema = z.object({
  name: z.string(),
  services: z.object({
    postgres: z.object({
      image: z.string().regex(/^postgres:\d+/),
      environment: z.record(z.string(), z.string()),
      healthcheck: z.object({ test: z.array(z.string()) }),
      volumes: z.array(z.string()),
    }),
    gantry: z.object({
      build: z.object({ context: z.string(), dockerfile: z.string() }),
      depends_on: z.object({ postgres: z.object({ condition: z.literal("service_healthy") }) }),
      environment: z.record(z.string(), z.string()),
      ports: z.array(z.string()),
      volumes: z.array(z.string()),
    }),
  }),
  volumes: z.record(z.string(), z.unknown()),
});

describe("docker-compose.yml", () => {
  const compose = ComposeSchema.parse(parse(read("docker-compose.yml")));

  it("builds Gantry from a Dockerfile that exists", () => {
    const { context, dockerfile } = compose.services.gantry.build;
    expect(fs.existsSync(path.join(root, context, dockerfile))).toBe(true);
  });

  it("passes only variables Gantry reads, and a configuration that parses", () => {
    const environment = compose.services.gantry.environment;
    for (const name of Object.keys(environment)) expect(CONFIG_VARIABLES).toContain(name);
    // Substitute the shell variables as compose would, with example values.
    const resolved = Object.fromEntries(
      Object.entries(environment).map(([name, value]) => [
        name,
        value.replace(
          /\$\{(\w+)(?::?-([^}]*))?(?::\?[^}]*)?\}/g,
          (_m, _v, fallback?: string) => fallback ?? "example-secret-0123456789abcdefghijklmnop",
        ),
      ]),
    );
    expect(() => parseConfig(resolved)).not.toThrow();
  });

  it("requires the database password from the environment instead of writing one down", () => {
    expect(compose.services.postgres.environment.POSTGRES_PASSWORD).toMatch(
      /^\$\{POSTGRES_PASSWORD:\?/,
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own substitution syntax, not JavaScript's
    expect(compose.services.gantry.environment.DATABASE_URL).toContain("${POSTGRES_PASSWORD}");
  });

  it("keeps data in named volumes that are declared", () => {
    for (const volume of [
      ...compose.services.postgres.volumes,
      ...compose.services.gantry.volumes,
    ]) {
      const name = volume.split(":")[0] ?? "";
      expect(Object.keys(compose.volumes)).toContain(name);
    }
  });
});

describe("deploy/Dockerfile", () => {
  const dockerfile = read("deploy/Dockerfile");

  it("runs as an unprivileged user on Node 24 with a health check", () => {
    expect(dockerfile).toMatch(/^FROM node:24-/m);
    expect(dockerfile).toMatch(/^USER gantry$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\/api\/health/m);
  });

  it("runs the server with npm start's node flags (its heap limits) and environment (malloc arenas)", () => {
    const start = JSON.parse(read("package.json")).scripts.start as string;
    const [assignments = "", command = ""] = start.split(/\bexec node /);
    for (const assignment of assignments.split(/\s+/).filter(Boolean)) {
      expect(dockerfile).toMatch(new RegExp(`^\\s*(ENV )?${assignment}( \\\\)?$`, "m"));
    }
    expect(assignments).toContain("MALLOC_ARENA_MAX=");
    const flags = command.split(/\s+/);
    expect(flags).toContainEqual(expect.stringMatching(/^--max-old-space-size=\d+$/));
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? "[]";
    expect(JSON.parse(cmd)).toEqual(["node_modules/.bin/node", ...flags]);
  });

  it("stamps its build, so the portal serves it as built instead of building at start", () => {
    // A build without the stamp is made again by scripts/start.ts at every start.
    expect(dockerfile).toMatch(/^RUN node_modules\/\.bin\/tsx scripts\/build\.ts/m);
    expect(dockerfile).not.toMatch(/npm run build/);
  });

  it("sets only variables Gantry reads", () => {
    const env = /^ENV ([\s\S]*?)\n(?!\s)/m.exec(dockerfile)?.[1] ?? "";
    const names = [...env.matchAll(/(\w+)=/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(CONFIG_VARIABLES).toContain(name);
  });
});

describe("README", () => {
  it("documents every configuration variable", () => {
    const readme = read("README.md");
    const undocumented = CONFIG_VARIABLES.filter(
      (name) => name !== "NODE_ENV" && !readme.includes(`\`${name}\``),
    );
    expect(undocumented).toEqual([]);
  });
});
