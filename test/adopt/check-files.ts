import { checkLayout, type LayoutReport } from "@/lib/catalogue/check-layout";

/** `gantry layout check` over a repository given as path → content, through the command's own code. */
export function checkFiles(files: Record<string, string>) {
  return checkLayout({
    layoutFile: "gantry.yaml",
    paths: Object.keys(files),
    read: async (paths) =>
      new Map(paths.flatMap((p) => (files[p] === undefined ? [] : [[p, files[p] as string]]))),
  });
}

/** The report of a repository whose layout file must parse; a broken one fails the test, located. */
export async function layoutReportOf(files: Record<string, string>): Promise<LayoutReport> {
  const result = await checkFiles(files);
  if (!result.ok) {
    const { file, line, column, message } = result.error;
    throw new Error(`${file}:${line}:${column}: ${message}`);
  }
  return result.report;
}
