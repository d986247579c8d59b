/**
 * Writes docs/gantry.schema.json from the zod schema of gantry.yaml, so
 * editors complete the file. A unit test fails when the committed file is
 * stale: run `npx tsx scripts/layout-schema.ts` after changing the schema.
 */
import fs from "node:fs";
import path from "node:path";
import { layoutJsonSchema } from "@/lib/gitops-repo/layout-file";

const SCHEMA_FILE = path.join(import.meta.dirname, "..", "docs", "gantry.schema.json");

fs.writeFileSync(SCHEMA_FILE, `${JSON.stringify(layoutJsonSchema(), null, 2)}\n`);
