import { z } from "zod";

/**
 * A Gantry backup: one gzipped tar archive holding
 *
 *   manifest.json            what is inside (below)
 *   database/<table>.jsonl   every row of each table, one JSON object a line,
 *                            all read in one REPEATABLE READ snapshot
 *   git/<name>.git           mirrors of the local Git repositories, taken
 *                            after the snapshot (so Git is never behind it)
 *
 * Rows are kept as Postgres wrote them (`row_to_json`) and read back by
 * Postgres (`json_populate_recordset`), so no value goes through a
 * JavaScript number. The schema is not in the archive: restore applies the
 * migrations the backup names, which this Gantry must have.
 */
export const BACKUP_FORMAT = "gantry-backup";
export const BACKUP_VERSION = 1;

/** Schemas whose tables are backed up; the job queue's is not (queued jobs are transient). */
export const BACKED_UP_SCHEMA = "public";
/** Recreated by the migrations on restore, so not copied. */
export const MIGRATIONS_TABLE = "_prisma_migrations";

export const manifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(BACKUP_VERSION),
  createdAt: z.string(),
  migrations: z.array(z.string().max(300)).max(10_000),
  tables: z
    .array(
      z.object({
        name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/),
        rows: z.number().int().min(0),
      }),
    )
    .max(1000),
  sequences: z
    .array(
      z.object({
        name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/),
        lastValue: z
          .string()
          .regex(/^-?\d{1,20}$/)
          .nullable(),
      }),
    )
    .max(1000),
  repositories: z.array(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}\.git$/)).max(1000),
});

export type BackupManifest = z.infer<typeof manifestSchema>;
