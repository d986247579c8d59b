/** The words a train writes into Git: commit message, pull request title and body. */

export interface TrainText {
  id: string;
  environment: string;
  selection: string;
  reason: string;
  requestedBy: { name: string; email: string };
  publicUrl: string;
  applications: readonly {
    application: string;
    previousVersion: string;
    version: string;
    valuesPath: string;
  }[];
}

/** The trailer that ties a commit to its train. */
const TRAIN_TRAILER = "Gantry-Train";
const GANTRY_CO_AUTHOR = "Co-authored-by: Gantry <gantry@localhost>";
/** GitHub refuses a body over 65,536 characters: a longer list ends with a link to the train. */
const MAX_BODY_CHARS = 60_000;

export function trainUrl(publicUrl: string, id: string): string {
  return `${publicUrl}/trains/${id}`;
}

export function trainTitle(t: TrainText): string {
  const count = t.applications.length;
  return `Release train to ${t.environment}: ${count} application${count === 1 ? "" : "s"}`;
}

export function trainCommitMessage(t: TrainText): string {
  return [
    trainTitle(t),
    "",
    oneParagraph(t.reason),
    "",
    `Selected: ${oneParagraph(t.selection)}.`,
    `Requested by ${t.requestedBy.name} in Gantry: ${trainUrl(t.publicUrl, t.id)}`,
    "",
    `${TRAIN_TRAILER}: ${t.id}`,
    GANTRY_CO_AUTHOR,
    "",
  ].join("\n");
}

export function trainBody(t: TrainText): string {
  const head = [
    `**What:** ${t.applications.length} applications to **${t.environment}**, in one commit (${oneParagraph(t.selection)})`,
    "",
    `**Why:** ${oneParagraph(t.reason)}`,
    "",
    `**Requested by:** ${t.requestedBy.name}`,
    "",
    `Follow it in Gantry: ${trainUrl(t.publicUrl, t.id)}`,
    "",
    "| application | from | to | file |",
    "| --- | --- | --- | --- |",
  ].join("\n");
  const tail = `\n\n<!-- ${TRAIN_TRAILER}: ${t.id} -->\n`;
  const rows: string[] = [];
  let length = head.length + tail.length;
  for (const [index, app] of t.applications.entries()) {
    const row = `\n| \`${app.application}\` | \`${app.previousVersion || "(empty)"}\` | \`${app.version}\` | \`${app.valuesPath}\` |`;
    if (length + row.length > MAX_BODY_CHARS - 200) {
      rows.push(
        `\n\n…and ${t.applications.length - index} more: every application is listed on the train's page.`,
      );
      break;
    }
    rows.push(row);
    length += row.length;
  }
  return head + rows.join("") + tail;
}

/** A reason is one paragraph in Git: line breaks would let it forge trailers. */
function oneParagraph(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
