import path from "node:path/posix";
import { parse } from "yaml";
import type { ArgoCdRule } from "@/lib/gitops-repo/layout-file";
import type { VersionLocator } from "@/lib/gitops-repo/locator";
import { isSlug, SLUG_RULE } from "@/lib/gitops-repo/paths";
import {
  type Data,
  isRecord,
  list,
  readAllYamlDocuments,
  readYamlData,
  record,
  valueAt,
} from "./files";
import { compileTemplate } from "./template";
import type { DiscoveredCell, Discoverer, DiscoveryProblem } from "./types";

const text = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined;
const stringMap = (value: unknown): Record<string, string> =>
  Object.fromEntries(
    Object.entries(record(value)).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])),
  );

/**
 * Where a field of a generated Application really lives: in the manifest
 * itself (`spec.source…` of an Application file), or, for an ApplicationSet,
 * in what its generator fed the template (a list element, a config file).
 */
type FieldOrigin = (templatePath: string, raw: unknown) => Origin;
type Origin = { kind: "file"; file: string; path: string } | { kind: "not-editable"; why: string };

interface ApplicationView {
  /** Where the manifest is, for reports. */
  file: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Data;
  /** The template as written (for an ApplicationSet), to find which fields came from the generator. */
  rawSpec: Data;
  origin: FieldOrigin;
}

/**
 * `argocd`: every Argo CD Application in the repository (the children of an
 * app-of-apps are Applications in files too), and ApplicationSets whose
 * list or git generators can be expanded from this repository alone. The
 * version of a cell is where Argo CD takes it from: a Helm parameter, then
 * inline valuesObject, then the last listed values file that sets the key
 * (that file decides, and is the one edited); a chart's targetRevision moves
 * with it; Kustomize images are image references.
 */
export function argocdDiscoverer(rule: ArgoCdRule): Discoverer {
  const nameTemplate = compileTemplate(rule.name);
  const inScope = (file: string) =>
    /\.ya?ml$/.test(file) &&
    (rule.under.length === 0 ||
      rule.under.some((dir) => file.startsWith(dir.endsWith("/") ? dir : `${dir}/`)));
  const repoURLs = new Set(rule.repoURLs.map(normaliseRepoUrl));
  return {
    label: `argocd ${rule.under.length ? rule.under.join(", ") : "(whole repository)"}`,
    // Values files may live anywhere: every YAML file is read, manifests first found by their kind.
    filesToRead: (paths) => paths.filter((file) => /\.ya?ml$/.test(file)),
    discover({ paths, files }) {
      const tree = new Set(paths);
      const cells: DiscoveredCell[] = [];
      const problems: DiscoveryProblem[] = [];
      const problem = (file: string, app: string | null, message: string) =>
        problems.push({ app, file, line: null, column: null, message });

      const applications: ApplicationView[] = [];
      for (const file of paths) {
        if (!inScope(file)) continue;
        const content = files.get(file);
        // Most YAML files are values and manifests of other kinds: not parsed twice.
        if (content === undefined || !/^kind:\s*Application(Set)?\s*$/m.test(content)) continue;
        const read = readAllYamlDocuments(file, content);
        if (!read.ok) {
          problems.push({ app: null, ...read.error });
          continue;
        }
        const single = read.documents.length === 1;
        for (const doc of read.documents) {
          if (!isRecord(doc) || !String(doc.apiVersion ?? "").startsWith("argoproj.io/")) continue;
          const metadata = record(doc.metadata);
          const name = text(metadata.name) ?? "";
          if (doc.kind === "Application") {
            const spec = record(doc.spec);
            applications.push({
              file,
              name,
              labels: stringMap(metadata.labels),
              annotations: stringMap(metadata.annotations),
              spec,
              rawSpec: spec,
              origin: (templatePath) =>
                single
                  ? { kind: "file", file, path: templatePath }
                  : {
                      kind: "not-editable",
                      why: `${file} holds several documents; move the Application to a file of its own to promote it here`,
                    },
            });
          } else if (doc.kind === "ApplicationSet") {
            const expanded = expandApplicationSet({
              file,
              name,
              doc,
              tree,
              files,
              single,
              isThisRepository: (url) => isThisRepository({ repoURL: url }),
            });
            if ("problem" in expanded) problem(file, null, expanded.problem);
            else applications.push(...expanded.applications);
          }
        }
      }

      // Which Applications list each values file: a file only one lists is that environment's own.
      const listedBy = new Map<string, number>();
      const valueFilesOf = new Map<DiscoveredCell, { name: string; files: string[] }>();
      for (const application of applications) {
        // A plain directory source (an app-of-apps root, raw manifests) pins no version.
        if (!pinsAVersion(application.spec)) continue;
        const names = nameOf(application);
        if ("problem" in names) {
          problem(application.file, null, names.problem);
          continue;
        }
        const found = locatorsOf(application, names.app);
        for (const message of found.problems) problem(application.file, names.app, message);
        for (const file of new Set(found.valueFiles))
          listedBy.set(file, (listedBy.get(file) ?? 0) + 1);
        if (found.locators.length === 0) continue;
        const chartFile = chartInRepository(application.spec);
        const cell: DiscoveredCell = {
          app: names.app,
          environment: names.env,
          locators: found.locators,
          captures: names.captures,
          objectLabels: application.labels,
          objectAnnotations: application.annotations,
          metadata: {},
          declaredIn: application.file,
          ...(chartFile === undefined ? {} : { chartFile }),
        };
        cells.push(cell);
        valueFilesOf.set(cell, { name: application.name, files: found.valueFiles });
      }
      for (const cell of cells) {
        const own = valueFilesOf.get(cell);
        const decides = cell.locators[0]?.file;
        // Only a values file other Applications list too moves them when it is edited.
        if (!own || decides === undefined || (listedBy.get(decides) ?? 0) < 2) continue;
        if (!own.files.includes(decides)) continue;
        // Listed after the deciding file, or Argo CD would still take the shared value.
        const later = own.files.slice(own.files.lastIndexOf(decides) + 1);
        const file = [...later].reverse().find((f) => listedBy.get(f) === 1);
        cell.override =
          file !== undefined
            ? { kind: "file", file }
            : {
                kind: "none",
                reason: `Application ${own.name} lists no values file of its own after ${decides} (${own.files.join(", ")}: each is listed by other Applications too, or comes before it); add one for ${cell.environment} (values-${cell.environment}.yaml, say), last in its helm.valueFiles`,
              };
      }
      return { cells, problems };

      /** The Chart.yaml of a Helm source that is a directory of this repository. */
      function chartInRepository(spec: Data): string | undefined {
        const sources = Array.isArray(spec.sources)
          ? spec.sources.map(record)
          : [record(spec.source)];
        for (const source of sources) {
          const dir = text(source.path);
          if (dir === undefined || !isThisRepository(source)) continue;
          const chartFile = normalise(path.join(dir, "Chart.yaml"));
          if (tree.has(chartFile)) return chartFile;
        }
        return undefined;
      }

      function nameOf(
        application: ApplicationView,
      ): { app: string; env: string; captures: Record<string, string> } | { problem: string } {
        const captures = nameTemplate.match(application.name);
        if (!captures?.app) {
          return {
            problem: `Application ${application.name || "(no name)"} does not match the name pattern ${rule.name}; it is skipped`,
          };
        }
        const destination = record(application.spec.destination);
        const from = rule.environmentFrom;
        const env =
          captures.env ??
          (from === "namespace"
            ? text(destination.namespace)
            : from === "cluster"
              ? (text(destination.name) ?? text(destination.server))
              : from.startsWith("label:")
                ? application.labels[from.slice("label:".length)]
                : undefined);
        if (env === undefined) {
          return {
            problem: `Application ${application.name}: no environment (${rule.name} has no {env} and environmentFrom: ${from} gives none); it is skipped`,
          };
        }
        if (!isSlug(captures.app)) {
          return {
            problem: `Application ${application.name}: "${captures.app}" is not a valid app name (${SLUG_RULE}); it is skipped`,
          };
        }
        return { app: captures.app, env, captures: { ...captures, env } };
      }

      function locatorsOf(
        application: ApplicationView,
        app: string,
      ): { locators: VersionLocator[]; problems: string[]; valueFiles: string[] } {
        const { spec, rawSpec } = application;
        const sources = Array.isArray(spec.sources)
          ? spec.sources.map((source, index) => ({
              source: record(source),
              raw: record(list(rawSpec.sources)[index]),
              at: `sources[${index}]`,
            }))
          : isRecord(spec.source)
            ? [{ source: spec.source, raw: record(rawSpec.source), at: "source" }]
            : [];
        const refs = new Map(
          sources.flatMap(({ source }) =>
            text(source.ref) ? [[text(source.ref) ?? "", source] as const] : [],
          ),
        );
        const versions: VersionLocator[] = [];
        const charts: VersionLocator[] = [];
        const problems: string[] = [];
        // A chart version the template writes once for every environment is the same
        // everywhere: not a problem while the tag is found, since it never needs to move.
        const chartProblems: string[] = [];
        const listed: string[] = [];
        const place = (
          templatePath: string,
          raw: unknown,
          kind: "yaml" | "image-reference" | "helm-chart-version",
        ): VersionLocator | null => {
          const origin = application.origin(templatePath, raw);
          if (origin.kind === "not-editable") {
            (kind === "helm-chart-version" ? chartProblems : problems).push(
              `${application.name}: ${origin.why}`,
            );
            return null;
          }
          return { kind, file: origin.file, path: origin.path };
        };

        for (const { source, raw, at } of sources) {
          const helm = record(source.helm);
          for (const entry of list(helm.valueFiles)) {
            const resolved = resolveValueFile(text(entry) ?? "", source, refs);
            if (resolved !== null && tree.has(resolved)) listed.push(resolved);
          }
          const rawHelm = record(raw.helm);
          const base = `spec.${at}`;
          // Argo CD's order: parameters over inline values over value files, the last file last.
          const parameters = list(helm.parameters);
          const parameter = parameters.findIndex((p) => record(p).name === rule.version);
          if (parameter >= 0) {
            const rawValue = record(list(rawHelm.parameters)[parameter]).value;
            const located = place(
              `${base}.helm.parameters[name=${rule.version}].value`,
              rawValue,
              "yaml",
            );
            if (located) versions.push(located);
          } else if (valueAt(helm.valuesObject, rule.version) !== undefined) {
            const located = place(
              `${base}.helm.valuesObject.${rule.version}`,
              valueAt(rawHelm.valuesObject, rule.version),
              "yaml",
            );
            if (located) versions.push(located);
          } else if (typeof helm.values === "string" && setsKey(helm.values, rule.version)) {
            // Inline values text: the key inside the string (written when it is a literal block).
            const origin = application.origin(`${base}.helm.values`, rawHelm.values);
            if (origin.kind === "not-editable") problems.push(`${application.name}: ${origin.why}`);
            else
              versions.push({
                kind: "embedded-yaml",
                file: origin.file,
                path: origin.path,
                inner: rule.version,
              });
          } else {
            const valueFiles = list(helm.valueFiles).flatMap((entry) => {
              const resolved = resolveValueFile(text(entry) ?? "", source, refs);
              return resolved !== null && tree.has(resolved) ? [resolved] : [];
            });
            const deciding = [...valueFiles].reverse().find((file) => {
              const data = readYamlData(file, files.get(file));
              if (!data.ok) {
                problems.push(`${data.error.file}:${data.error.line}: ${data.error.message}`);
                return false;
              }
              return valueAt(data.value, rule.version) !== undefined;
            });
            // Nothing sets the key yet: the environment's own (last) file is where it belongs.
            const file = deciding ?? valueFiles[valueFiles.length - 1];
            if (file !== undefined) versions.push({ kind: "yaml", file, path: rule.version });
          }
          if (text(source.chart) && text(source.targetRevision)) {
            const located = place(
              `${base}.targetRevision`,
              raw.targetRevision,
              "helm-chart-version",
            );
            if (located) charts.push(located);
          }
          const images = list(record(source.kustomize).images);
          const image = images.findIndex(
            (entry) =>
              images.length === 1 ||
              imageName(text(entry) ?? "")
                .split("/")
                .pop() === app,
          );
          if (image >= 0) {
            const located = place(
              `${base}.kustomize.images[${image}]`,
              list(record(raw.kustomize).images)[image],
              "image-reference",
            );
            if (located) versions.push(located);
          }
        }
        return {
          locators: [...versions.slice(0, 1), ...charts],
          problems: versions.length > 0 ? problems : [...problems, ...chartProblems],
          valueFiles: listed,
        };
      }

      function resolveValueFile(
        entry: string,
        source: Data,
        refs: Map<string, Data>,
      ): string | null {
        const ref = /^\$([A-Za-z0-9_-]+)\/(.+)$/.exec(entry);
        if (ref) {
          const target = refs.get(ref[1] ?? "");
          if (!target || !isThisRepository(target)) return null;
          return normalise(ref[2] ?? "");
        }
        const sourcePath = text(source.path);
        if (sourcePath === undefined || !isThisRepository(source)) return null;
        return normalise(path.join(sourcePath, entry));
      }

      function isThisRepository(source: Data): boolean {
        return repoURLs.size === 0 || repoURLs.has(normaliseRepoUrl(text(source.repoURL) ?? ""));
      }
    },
  };
}

function pinsAVersion(spec: Data): boolean {
  const sources = Array.isArray(spec.sources) ? spec.sources : [spec.source];
  return sources.some((source) => {
    const s = record(source);
    return isRecord(s.helm) || isRecord(s.kustomize) || text(s.chart) !== undefined;
  });
}

function expandApplicationSet(params: {
  file: string;
  name: string;
  doc: Data;
  tree: ReadonlySet<string>;
  files: ReadonlyMap<string, string>;
  single: boolean;
  /** Whether a git generator's repoURL is this repository (then its paths are in `tree`). */
  isThisRepository: (repoURL: string | undefined) => boolean;
}): { applications: ApplicationView[] } | { problem: string } {
  const { file, name, doc, tree, files, single } = params;
  const spec = record(doc.spec);
  const template = record(spec.template);
  const generators = list(spec.generators);
  const applications: ApplicationView[] = [];
  const unexpandable: string[] = [];
  generators.forEach((generator, g) => {
    const kinds = Object.keys(record(generator));
    const list_ = record(record(generator).list);
    const git = record(record(generator).git);
    const gitRepo = text(git.repoURL);
    if (
      (Array.isArray(git.directories) || Array.isArray(git.files)) &&
      !params.isThisRepository(gitRepo)
    ) {
      // Another repository's directories and files are not in this tree.
      unexpandable.push(`generators[${g}] (git over ${gitRepo ?? "no repoURL"})`);
    } else if (Array.isArray(list_.elements)) {
      list_.elements.forEach((element, e) => {
        const params = flatten(record(element));
        applications.push(
          generated(params, (key) =>
            single
              ? {
                  kind: "file",
                  file,
                  path: `spec.generators[${g}].list.elements[${e}].${key}`,
                }
              : { kind: "not-editable", why: `${file} holds several documents` },
          ),
        );
      });
    } else if (Array.isArray(git.directories)) {
      // As Argo CD does: a directory is generated when an included path matches it and no
      // excluded one does, whatever the order the entries are listed in.
      const entries = git.directories.map(record);
      const matchers = (exclude: boolean) =>
        entries.flatMap((entry) => {
          const pattern = text(entry.path);
          return pattern !== undefined && (entry.exclude === true) === exclude
            ? [globMatcher(pattern)]
            : [];
        });
      const included = matchers(false);
      const excluded = matchers(true);
      const dirs = new Set(
        [...tree].flatMap((f) => {
          const dir = path.dirname(f);
          return included.some((m) => m(dir)) && !excluded.some((m) => m(dir)) ? [dir] : [];
        }),
      );
      for (const dir of [...dirs].sort()) {
        const segments = dir.split("/");
        const params: Record<string, string> = {
          path: dir,
          "path.path": dir,
          "path.basename": path.basename(dir),
          "path.basenameNormalized": path.basename(dir).replace(/[^a-zA-Z0-9-]/g, "-"),
        };
        segments.forEach((segment, index) => {
          params[`path[${index}]`] = segment;
          params[`path.segments[${index}]`] = segment;
        });
        applications.push(
          generated(params, () => ({
            kind: "not-editable",
            why: `the value comes from a directory name (git directory generator of ApplicationSet ${name})`,
          })),
        );
      }
    } else if (Array.isArray(git.files)) {
      for (const entry of git.files) {
        const pattern = text(record(entry).path);
        if (pattern === undefined) continue;
        const matcher = globMatcher(pattern);
        for (const config of [...tree].filter(matcher).sort()) {
          const data = readYamlData(config, files.get(config));
          if (!data.ok) continue;
          const params = flatten(record(data.value));
          params.path = path.dirname(config);
          params["path.path"] = path.dirname(config);
          params["path.basename"] = path.basename(path.dirname(config));
          params["path.filename"] = path.basename(config);
          applications.push(
            generated(params, (key) => ({ kind: "file", file: config, path: key })),
          );
        }
      }
    } else {
      unexpandable.push(`generators[${g}] (${kinds.join(", ") || "empty"})`);
    }
  });
  if (applications.length === 0 && unexpandable.length > 0) {
    return {
      problem: `ApplicationSet ${name}: ${unexpandable.join(", ")} is not expandable here (only list and git generators over this repository are); it is skipped`,
    };
  }
  return { applications };

  /** One generated Application; a field whose template is exactly `{{key}}` lives where the generator read `key`. */
  function generated(
    params: Record<string, string>,
    paramOrigin: (key: string) => Origin,
  ): ApplicationView {
    const rendered = record(substitute(template, params));
    const metadata = record(rendered.metadata);
    return {
      file,
      name: text(metadata.name) ?? "",
      labels: stringMap(metadata.labels),
      annotations: stringMap(metadata.annotations),
      spec: record(rendered.spec),
      rawSpec: record(template.spec),
      origin(templatePath, raw) {
        const only = typeof raw === "string" ? /^\{\{\s*\.?([^{}\s]+)\s*\}\}$/.exec(raw) : null;
        if (only?.[1] !== undefined && params[only[1]] !== undefined) return paramOrigin(only[1]);
        if (typeof raw === "string" && raw.includes("{{")) {
          return {
            kind: "not-editable",
            why: `${templatePath} is built from a template expression in ApplicationSet ${name}`,
          };
        }
        return {
          kind: "not-editable",
          why: `${templatePath} is written once in ApplicationSet ${name}'s template for every generated Application; give each its own value (a generator key or a values file)`,
        };
      },
    };
  }
}

/** `{{name}}` and `{{.name}}` (fasttemplate and Go template styles) replaced in every string. */
function substitute(value: unknown, params: Record<string, string>): unknown {
  if (typeof value === "string") {
    return value.replace(
      /\{\{\s*\.?([^{}\s]+)\s*\}\}/g,
      (whole, key: string) => params[key] ?? whole,
    );
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, params));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, params)]));
  }
  return value;
}

/** `{ image: { tag: 1 } }` → `{ "image.tag": "1" }`, as generators expose nested keys. */
function flatten(data: Data, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (isRecord(value)) Object.assign(out, flatten(value, name));
    else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      out[name] = String(value);
  }
  return out;
}

/** Argo CD's path globs: `*` within a segment, `**` across segments. */
function globMatcher(pattern: string): (candidate: string) => boolean {
  const regex = new RegExp(
    `^${pattern
      .split("**")
      .map((part) =>
        part
          .split("*")
          .map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
          .join("[^/]*"),
      )
      .join(".*")}$`,
  );
  return (candidate) => regex.test(candidate);
}

function setsKey(values: string, key: string): boolean {
  try {
    return valueAt(parse(values, { maxAliasCount: 100 }), key) !== undefined;
  } catch {
    return false;
  }
}

function normalise(file: string): string {
  return path.normalize(file).replace(/^(\.\/)+/, "");
}

function normaliseRepoUrl(url: string): string {
  return url
    .trim()
    .replace(/\.git$/, "")
    .replace(/\/+$/, "")
    .toLowerCase();
}

function imageName(reference: string): string {
  const withoutDigest = reference.split("@")[0] ?? "";
  const colon = withoutDigest.lastIndexOf(":");
  return colon > withoutDigest.lastIndexOf("/") ? withoutDigest.slice(0, colon) : withoutDigest;
}
