/**
 * Gantry's layers, lowest first. An import only points down this list (or
 * stays inside its own layer); `npm run lint` fails on an upward import, on
 * a cycle, on UI code that reaches for a system wrapper or the database, and
 * on product code that imports the demo. When a lower layer needs something
 * from an upper one, lib/runtime passes it in at boot; the lower one never
 * imports it.
 */
const LAYERS = [
  {
    name: "ground",
    what: "config, errors, log, the Prisma client, generated code, HTTP plumbing",
    path: "^lib/(config|errors|log|db)\\.ts$|^lib/(generated|http)/",
  },
  {
    name: "sync-status",
    what: "what clusters report (the agent's wire format) and how a status reads",
    path: "^lib/sync-status/",
  },
  {
    name: "systems",
    what: "one wrapper per external system: git, k8s, the GitOps repository, postgres, events",
    path: "^lib/(git|k8s|gitops-repo|postgres|events)/",
  },
  {
    name: "identity",
    what: "principal, actor, permissions, API token authentication",
    path: "^lib/identity/",
  },
  { name: "audit", what: "the hash-chained audit log", path: "^lib/audit/" },
  {
    name: "people-policy",
    what: "people, tokens, sign-in and sessions; environment policy and freezes",
    path: "^lib/(people|policy)/",
  },
  { name: "catalogue", what: "applications, environments, import", path: "^lib/catalogue/" },
  { name: "promotion", what: "plan, pull request, review, merge, states", path: "^lib/promotion/" },
  {
    name: "trains",
    what: "release trains: many applications promoted in one pull request",
    path: "^lib/trains/",
  },
  {
    name: "releases",
    what: "releases from CI, progression rules, gates, holds and rollbacks",
    path: "^lib/releases/",
  },
  { name: "sync", what: "ingestion, staleness, correlation to promotions", path: "^lib/sync/" },
  { name: "insights", what: "DORA measures", path: "^lib/insights/" },
  { name: "jobs", what: "the queue and its workers", path: "^lib/jobs/" },
  { name: "demo", what: "everything demo", path: "^lib/demo/" },
  { name: "runtime", what: "wiring at boot", path: "^lib/runtime/" },
  { name: "ui", what: "components", path: "^components/" },
  {
    name: "entry",
    what: "pages, route handlers, server actions, the CLI",
    path: "^(app|cli)/|^(proxy|instrumentation)\\.ts$",
  },
];

const upward = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer.name}-points-down`,
  comment: `${layer.name} (${layer.what}) may import only itself and the layers below it`,
  severity: "error",
  from: { path: layer.path },
  to: {
    path: LAYERS.slice(index + 1)
      .map((above) => `(${above.path})`)
      .join("|"),
  },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment:
        "modules that import each other cannot be layered; pass a function or register a handler instead",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: "lib-folder-has-a-layer",
      comment: "a new lib/ folder takes its place in LAYERS above, so the order stays whole",
      severity: "error",
      from: {
        path: "^lib/",
        pathNot: LAYERS.map((layer) => `(${layer.path})`).join("|"),
      },
      to: {},
    },
    {
      name: "ui-never-reaches-systems",
      comment:
        "components/ is UI: no Git, Kubernetes, Postgres or Prisma client (types from lib/ are fine)",
      severity: "error",
      from: { path: "^components/" },
      to: {
        path: "^lib/(git|k8s|postgres)/|^lib/db\\.ts$|^lib/generated/prisma/(client|internal)|@prisma/client",
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "demo-only-at-boot",
      comment:
        "the product imports the demo only at boot (lib/runtime); the CLI, scripts, benchmarks and tests may",
      severity: "error",
      from: { pathNot: "^(lib/demo|lib/runtime|cli|scripts|bench|test)/" },
      to: { path: "^lib/demo/" },
    },
  ],
  options: {
    // Generated code (Prisma) is a leaf here: its own cycles are not ours.
    doNotFollow: { path: "^(node_modules|lib/generated)/" },
    exclude: { path: "^(node_modules|\\.next|\\.gantry|test/cluster/go)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
