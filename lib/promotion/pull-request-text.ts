/** The words Gantry writes into Git: commit message, pull request title and body, comments. */

export interface PromotionText {
  id: string;
  application: string;
  environment: string;
  fromEnvironment: string | null;
  version: string;
  previousVersion: string;
  valuesPath: string;
  /**
   * Every place the change writes, as `file → key path` (a chart version, a
   * digest or an overlay file beside the tag); valuesPath alone when absent.
   */
  places?: readonly string[];
  reason: string;
  /** Why the environment's freeze was broken, when it was (break-glass). */
  breakGlassReason?: string | null;
  requestedBy: { name: string; email: string };
  publicUrl: string;
  /** A rollback says so in its title, commit and body. */
  kind?: "promote" | "rollback";
}

/** The trailer that ties a commit to its promotion. */
const PROMOTION_TRAILER = "Gantry-Promotion";
const GANTRY_CO_AUTHOR = "Co-authored-by: Gantry <gantry@localhost>";

export function promotionUrl(publicUrl: string, id: string): string {
  return `${publicUrl}/promotions/${id}`;
}

export function promotionTitle(p: PromotionText): string {
  if (p.kind === "rollback") {
    return `Roll back ${p.application} in ${p.environment}: ${p.previousVersion} → ${p.version}`;
  }
  return `Promote ${p.application} to ${p.environment}: ${p.previousVersion} → ${p.version}`;
}

/** The places a promotion writes: what its locators name, or its values file. */
function placesOf(p: PromotionText): readonly string[] {
  return p.places && p.places.length > 0 ? p.places : [p.valuesPath];
}

export function promotionCommitMessage(p: PromotionText): string {
  const places = placesOf(p);
  return [
    p.kind === "rollback"
      ? `Roll back ${p.application} in ${p.environment} to ${p.version}`
      : `Promote ${p.application} to ${p.environment} at ${p.version}`,
    "",
    oneParagraph(p.reason),
    "",
    `${p.previousVersion} → ${p.version}${p.fromEnvironment ? `, the version ${p.fromEnvironment} runs` : ""}, in:`,
    ...places.map((place) => `- ${place}`),
    `Requested by ${p.requestedBy.name} in Gantry: ${promotionUrl(p.publicUrl, p.id)}`,
    "",
    `${PROMOTION_TRAILER}: ${p.id}`,
    GANTRY_CO_AUTHOR,
    "",
  ].join("\n");
}

export function promotionBody(p: PromotionText): string {
  return [
    `**What:** \`${p.application}\` in **${p.environment}**: \`${p.previousVersion}\` → \`${p.version}\``,
    "",
    "**Where:**",
    ...placesOf(p).map((place) => `- \`${place}\``),
    "",
    `**Why:** ${oneParagraph(p.reason)}`,
    "",
    ...(p.breakGlassReason
      ? [
          `**Break-glass:** ${p.environment} was frozen; promoted anyway because: ${oneParagraph(p.breakGlassReason)}`,
          "",
        ]
      : []),
    p.kind === "rollback"
      ? `**Rollback:** back to \`${p.version}\`, which ${p.environment} ran before; \`${p.previousVersion}\` is held there and in every later environment`
      : p.fromEnvironment
        ? `**From:** ${p.fromEnvironment}, which runs \`${p.version}\``
        : "**From:** a new release (no earlier environment)",
    "",
    `**Requested by:** ${p.requestedBy.name}`,
    "",
    `Follow it in Gantry: ${promotionUrl(p.publicUrl, p.id)}`,
    "",
    `<!-- ${PROMOTION_TRAILER}: ${p.id} -->`,
    "",
  ].join("\n");
}

export function promotionLabels(environment: string): string[] {
  return ["gantry", "promotion", `env:${environment}`];
}

export function supersededComment(params: {
  publicUrl: string;
  newerId: string;
  version: string;
}): string {
  return `Superseded by a newer promotion to ${params.version}: ${promotionUrl(params.publicUrl, params.newerId)}. Gantry closed this pull request.`;
}

/** A reason is one paragraph in Git: line breaks would let it forge trailers. */
function oneParagraph(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
