// The Helm charts in deploy/chart (the portal) and deploy/agent-chart (the agent), linted and
// rendered by a real helm (built from Go modules by test/helm/build.sh, cached), and every
// rendered object applied server-side, as a dry run, to the real kube-apiserver: an unknown
// field, a wrong type or an invalid value fails here as it would on a cluster.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type KubernetesObject, PatchStrategy } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { CONFIG_VARIABLES } from "@/lib/config";
import { agentClusterRoleRules } from "./agent-support.ts";
import { ClusterClient } from "./cluster-client.ts";

const buildScript = fileURLToPath(new URL("../helm/build.sh", import.meta.url));
const gantryChart = fileURLToPath(new URL("../../deploy/chart", import.meta.url));
const agentChart = fileURLToPath(new URL("../../deploy/agent-chart", import.meta.url));
const appDir = new URL("../../app/", import.meta.url);

const GANTRY_VALUES = [
  "publicUrl=https://gantry.example.com",
  "database.existingSecret=gantry-database",
  "auth.existingSecret=gantry-auth",
  "github.owner=acme",
  "github.app.id=12345",
  "github.app.installationId=678",
  "github.app.existingSecret=gantry-github-app",
  "github.webhookSecret.existingSecret=gantry-github-webhook",
  "ingress.enabled=true",
  "ingress.tls.secretName=gantry-tls",
];
const AGENT_VALUES = [
  "portalUrl=https://gantry.example.com",
  "cluster=prod-eu-1",
  "token.existingSecret=gantry-agent-token",
];

let helm: string;
const helmHome = mkdtempSync(path.join(os.tmpdir(), "gantry-helm-"));
afterAll(() => rmSync(helmHome, { recursive: true, force: true }));

async function buildHelm(): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const build = spawn("bash", [buildScript], { stdio: ["ignore", "inherit", "inherit"] });
    build.once("error", reject);
    build.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${buildScript} failed (exit code ${code})`)),
    );
  });
  const { stdout } = await promisify(execFile)("bash", [buildScript, "--print-path"]);
  return stdout.trim();
}

async function runHelm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(helm, args, {
      maxBuffer: 16 << 20,
      // helm keeps nothing of this run in the home directory.
      env: {
        ...process.env,
        HELM_CACHE_HOME: helmHome,
        HELM_CONFIG_HOME: helmHome,
        HELM_DATA_HOME: helmHome,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

async function render(chart: string, namespace: string, values: string[]) {
  const result = await runHelm([
    "template",
    "release",
    chart,
    "--namespace",
    namespace,
    ...values.flatMap((value) => ["--set", value]),
  ]);
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as KubernetesObject | null)
    .filter((object): object is KubernetesObject => object !== null);
}

type Container = {
  env?: { name: string; value?: string }[];
  resources?: { requests?: { memory?: string }; limits?: { memory?: string } };
  startupProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  securityContext?: { readOnlyRootFilesystem?: boolean };
};
type DeploymentLike = KubernetesObject & {
  spec: {
    replicas: number;
    template: { spec: { containers: Container[]; securityContext?: { runAsNonRoot?: boolean } } };
  };
};

function deploymentOf(objects: KubernetesObject[]): DeploymentLike {
  const deployment = objects.find((object) => object.kind === "Deployment");
  if (!deployment) throw new Error("no Deployment rendered");
  return deployment as DeploymentLike;
}

function mebibytes(quantity: string | undefined): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity ?? "");
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === "Gi" ? 1024 : 1);
}

describe("Helm charts", () => {
  let cluster: ClusterClient;

  beforeAll(async () => {
    helm = await buildHelm();
    cluster = new ClusterClient(inject("cluster"));
  });

  async function dryRunApply(objects: KubernetesObject[]): Promise<string[]> {
    const applied: string[] = [];
    for (const object of objects) {
      await cluster.objects.patch(
        object,
        undefined,
        "All",
        "gantry-chart-test",
        true,
        PatchStrategy.ServerSideApply,
      );
      applied.push(`${object.kind}/${object.metadata?.name}`);
    }
    return applied;
  }

  it("lints both charts strictly", async () => {
    for (const [chart, values] of [
      [gantryChart, GANTRY_VALUES],
      [agentChart, AGENT_VALUES],
    ] as const) {
      const result = await runHelm([
        "lint",
        "--strict",
        chart,
        ...values.flatMap((value) => ["--set", value]),
      ]);
      expect(result.stdout + result.stderr, chart).toContain("0 chart(s) failed");
      expect(result.code).toBe(0);
    }
  });

  it("renders the portal: replicas, secrets by reference, real probes, a heap inside its limit, every setting one Gantry reads; the API server accepts it", async () => {
    const namespace = await cluster.createNamespace("chart");
    const objects = await render(gantryChart, namespace, GANTRY_VALUES);
    expect(objects.map((object) => object.kind).sort()).toEqual([
      "Deployment",
      "Ingress",
      "PodDisruptionBudget",
      "Service",
      "ServiceAccount",
    ]);
    const deployment = deploymentOf(objects);
    expect(deployment.spec.replicas).toBe(2);
    const [container] = deployment.spec.template.spec.containers;
    if (!container) throw new Error("no container");

    // Each probe asks a route the portal has.
    const probes = [container.startupProbe, container.livenessProbe, container.readinessProbe];
    expect(probes.map((probe) => probe?.httpGet?.path)).toEqual([
      "/api/health",
      "/api/health",
      "/api/ready",
    ]);
    for (const probe of probes) {
      const route = new URL(`.${probe?.httpGet?.path}/route.ts`, appDir);
      expect(readFileSync(route, "utf8")).toMatch(/export (const|function|async function) GET\b/);
    }

    // Every GANTRY_ variable is one Gantry reads; no secret is written into the manifest.
    const env = container.env ?? [];
    const gantryNames = env.map((e) => e.name).filter((name) => name.startsWith("GANTRY_"));
    expect(gantryNames.filter((name) => !CONFIG_VARIABLES.includes(name))).toEqual([]);
    for (const secret of ["DATABASE_URL", "GANTRY_AUTH_SECRET", "GANTRY_GITHUB_WEBHOOK_SECRET"]) {
      const entry = env.find((e) => e.name === secret);
      expect(entry, secret).toBeDefined();
      expect(entry?.value, secret).toBeUndefined();
    }
    const value = (name: string) => env.find((e) => e.name === name)?.value;
    // Two replicas share GitHub's write budget for one identity.
    expect(value("GANTRY_GITHUB_WRITES_PER_MINUTE")).toBe("40");
    expect(value("GANTRY_GITHUB_WRITES_PER_HOUR")).toBe("250");

    const heap = Number(/--max-old-space-size=(\d+)/.exec(value("NODE_OPTIONS") ?? "")?.[1]);
    const limit = mebibytes(container.resources?.limits?.memory);
    expect(heap).toBeGreaterThan(0);
    expect(heap).toBeLessThanOrEqual(limit * 0.75);
    expect(mebibytes(container.resources?.requests?.memory)).toBeLessThanOrEqual(limit);
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(deployment.spec.template.spec.securityContext?.runAsNonRoot).toBe(true);

    expect(await dryRunApply(objects)).toHaveLength(objects.length);
  });

  it("refuses to render the portal without its required settings, naming each", async () => {
    for (const missing of [
      "publicUrl",
      "database.existingSecret",
      "auth.existingSecret",
      "github.owner",
    ]) {
      const result = await runHelm([
        "template",
        "release",
        gantryChart,
        ...GANTRY_VALUES.filter((value) => !value.startsWith(`${missing}=`)).flatMap((value) => [
          "--set",
          value,
        ]),
      ]);
      expect(result.code, missing).not.toBe(0);
      expect(result.stderr).toContain(`${missing} is required`);
    }
  });

  it("renders the agent with the same read-only rules as deploy/agent/agent.yaml; the API server accepts it", async () => {
    const namespace = await cluster.createNamespace("agent-chart");
    const objects = await render(agentChart, namespace, AGENT_VALUES);
    expect(objects.map((object) => object.kind).sort()).toEqual([
      "ClusterRole",
      "ClusterRoleBinding",
      "Deployment",
      "ServiceAccount",
    ]);
    const role = objects.find((object) => object.kind === "ClusterRole") as KubernetesObject & {
      rules: unknown;
    };
    expect(role.rules).toEqual(await agentClusterRoleRules());
    const deployment = deploymentOf(objects);
    expect(deployment.spec.replicas).toBe(1);
    expect(await dryRunApply(objects)).toHaveLength(objects.length);
  });
});
