import type { PathsRule } from "@/lib/gitops-repo/layout-file";
import type { VersionLocator } from "@/lib/gitops-repo/locator";
import { isSlug, SLUG_RULE } from "@/lib/gitops-repo/paths";
import { compileTemplate } from "./template";
import type { DiscoveredCell, Discoverer, DiscoveryProblem } from "./types";

/**
 * `paths`: one file per (app, environment), found by a path template; the
 * version is at a key path in that file. The file is not read here: the
 * version is read once, for every rule, where cells are turned into targets.
 */
export function pathsDiscoverer(rule: PathsRule): Discoverer {
  const template = compileTemplate(rule.template);
  const matches = (paths: readonly string[]) =>
    paths.flatMap((path) => {
      const captures = template.match(path);
      return captures ? [{ path, captures }] : [];
    });
  return {
    label: `paths ${rule.template}`,
    filesToRead: (paths) => matches(paths).map((m) => m.path),
    discover({ paths }) {
      const cells: DiscoveredCell[] = [];
      const problems: DiscoveryProblem[] = [];
      for (const { path, captures } of matches(paths)) {
        const app = captures.app ?? rule.app;
        const environment = captures.env ?? "";
        if (app === undefined) {
          problems.push({
            app: null,
            file: path,
            line: null,
            column: null,
            message: `the template ${rule.template} has no {app} and the rule no app: name`,
          });
          continue;
        }
        const bad = [
          ["app", app],
          ["team", captures.team],
        ].find(([, value]) => value !== undefined && !isSlug(value));
        if (bad) {
          problems.push({
            app: isSlug(app) ? app : null,
            file: path,
            line: null,
            column: null,
            message: `"${bad[1]}" (the {${bad[0]}} of ${rule.template}) is not a valid name (${SLUG_RULE}); the file is skipped`,
          });
          continue;
        }
        const locators: VersionLocator[] = [
          { kind: rule.as, file: path, path: rule.version },
          ...rule.alsoMoves.map((also) => ({ kind: also.as, file: path, path: also.path })),
        ];
        cells.push({
          app,
          environment,
          locators,
          captures,
          objectLabels: {},
          objectAnnotations: {},
          metadata: {},
          declaredIn: path,
        });
      }
      return { cells, problems };
    },
  };
}
