/*
 * Every route under /api/v1, described with the zod schemas the routes validate with. The OpenAPI
 * document (GET /api/v1/openapi.json) and the API reference page (/api-reference) are generated
 * from this list; test/http/openapi.test.ts fails when a route exists without an entry here.
 */

import { z } from "zod";
import { AuditFilterSchema } from "@/lib/audit/audit-filter";
import { EXPORT_FORMATS } from "@/lib/audit/export-audit-events";
import { CatalogueQueryParams } from "@/lib/catalogue/catalogue-query";
import { ImportsQuery } from "@/lib/catalogue/list-imports";
import { getConfig } from "@/lib/config";
import { SLUG_PATTERN } from "@/lib/gitops-repo/paths";
import { type ApiOperation, openApiDocument } from "@/lib/http/api-description";
import { ClosePromotionInput } from "@/lib/promotion/close-promotion";
import { PromotionQuerySchema } from "@/lib/promotion/list-promotions";
import { RequestPromotionInput } from "@/lib/promotion/request-promotion";
import { ReviewPromotionInput } from "@/lib/promotion/review-promotion";
import { ReleaseQuerySchema } from "@/lib/releases/list-releases";
import { RegisterReleaseInput } from "@/lib/releases/register-release";
import { ReleaseHoldBody } from "@/lib/releases/release-hold";
import { RollBackBody } from "@/lib/releases/roll-back";
import { SyncReportSchema } from "@/lib/sync-status/report";
import { RequestTrainInput } from "@/lib/trains/request-train";
import packageJson from "@/package.json" with { type: "json" };

/** `{slug}` of /api/v1/apps/{slug}: the route checks it with this schema. */
export const ApplicationPathParams = z.strictObject({
  slug: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "slug: expected a lowercase application slug")
    .describe("The application's slug, as in the catalogue."),
});

const PromotionPathParams = z.strictObject({
  id: z.uuid().describe("The promotion's id."),
});

const HoldPathParams = z.strictObject({
  id: z.uuid().describe("The hold's id (GET /api/v1/apps/{slug}/holds lists them)."),
});

/** Query of GET /api/v1/apps/{slug}/rollback. */
export const RollbackProposalQuery = z.strictObject({
  environment: z
    .string({ error: "environment: name the environment to roll back" })
    .regex(SLUG_PATTERN, "environment: expected an environment name")
    .describe("The environment to roll back, as in environments.yaml."),
});

const ClusterPathParams = z.strictObject({
  cluster: z
    .string()
    .regex(SLUG_PATTERN)
    .describe("The cluster's name, as in the repository's environments."),
});

/** Query of GET /api/v1/events. */
export const EventsQuery = z.strictObject({
  promotion: z
    .uuid("promotion: expected a promotion id (a UUID)")
    .optional()
    .describe("Only changes of this promotion and of its application's status."),
  application: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "application: expected an application slug")
    .optional()
    .describe("Only this application's promotions and status."),
});

/** Query of GET /api/v1/audit/export: the timeline's filters and the file format. */
export const AuditExportFormat = z.enum(EXPORT_FORMATS, {
  error: `format must be one of ${EXPORT_FORMATS.join(", ")}`,
});
const AuditExportQuery = z.object({
  ...AuditFilterSchema.shape,
  format: AuditExportFormat.default("csv").describe("csv (default) or jsonl"),
});

const PROMOTION_TAG = "Promotions";

const TrainPathParams = z.strictObject({
  id: z.uuid().describe("The release train's id."),
});

export const API_OPERATIONS: readonly ApiOperation[] = [
  {
    method: "GET",
    path: "/api/v1/apps",
    tag: "Catalogue",
    summary: "List applications",
    description:
      "The catalogue page for the same filters, sort and page as the /apps page; each bad parameter is named.",
    auth: { kind: "principal", permission: "catalogue:read" },
    query: CatalogueQueryParams,
    responses: { 200: { description: "One page of applications, with the total and paging." } },
    errors: [400],
  },
  {
    method: "GET",
    path: "/api/v1/apps/{slug}",
    tag: "Catalogue",
    summary: "Get an application",
    description: "One application with its environments' desired versions and sync status.",
    auth: { kind: "principal", permission: "catalogue:read" },
    params: ApplicationPathParams,
    responses: { 200: { description: "The application." } },
    errors: [400, 404],
  },
  {
    method: "GET",
    path: "/api/v1/imports",
    tag: "Catalogue",
    summary: "List catalogue imports",
    description:
      "Import runs, newest first: the commit read, the status, the counts, what the discovery rules found (`discovery`: the layout file, or null for Gantry's convention, and each rule's `label` with how many `apps` and `cells` it yielded) and every skipped file (`problems`, at most 1,000 per run, `problemsTruncated` when there were more) with its file, line and reason: the same as `gantry layout check` prints, so automation can tell whether an import worked.",
    auth: { kind: "principal", permission: "catalogue:read" },
    query: ImportsQuery,
    responses: {
      200: { description: "The import runs, each with its discovery and skipped files." },
    },
    errors: [400],
  },
  {
    method: "POST",
    path: "/api/v1/releases",
    tag: "Releases",
    summary: "Register a release",
    description:
      "CI registers a version it built. Idempotent on application and version: a retry answers 200 with the same release; the same version with another digest is refused (409). The environments' progression rules then move it along. A CI token needs the `releases:write` scope and the application's team among its teams.",
    auth: { kind: "principal", permission: "release:register" },
    body: RegisterReleaseInput,
    responses: {
      200: { description: "The release, already registered with the same details." },
      201: {
        description: "The release, registered now; `Location` names the application's releases.",
      },
    },
    errors: [400, 404, 409],
  },
  {
    method: "GET",
    path: "/api/v1/apps/{slug}/releases",
    tag: "Releases",
    summary: "List an application's releases",
    description:
      'Newest first, paged: versions registered by CI and versions the importer saw in Git (`source`), with where each one is: `heldIn` (the environment a rollback held it in) and `steps`, one per environment the application runs in, in promotion order (`environment`, `tone`: done, active, waiting, stopped or none, `text` such as "soaking 2 of 30 min" or a gate\'s failure, and `promotionId`).',
    auth: { kind: "principal", permission: "catalogue:read" },
    params: ApplicationPathParams,
    query: ReleaseQuerySchema,
    responses: { 200: { description: "One page of releases." } },
    errors: [400, 404],
  },
  {
    method: "POST",
    path: "/api/v1/trains",
    tag: PROMOTION_TAG,
    summary: "Request a release train",
    description:
      "Many applications promoted as one unit: selected by team, label, search text, `differsFrom` another environment or by name, planned at one commit, then one branch, one commit and one pull request opened by a job. When an application cannot be planned nothing is opened (422, each application and why in `details.problems`), unless `excludeFailing` leaves those out. A person or token may only promote their teams' applications (403 naming them).",
    auth: { kind: "principal", permission: "promotion:request" },
    body: RequestTrainInput,
    responses: {
      202: {
        description:
          "The train's id, its promotions (state `planned`) and the applications left out; `Location` names the train.",
      },
    },
    errors: [400, 403, 404, 422],
  },
  {
    method: "GET",
    path: "/api/v1/trains/{id}",
    tag: PROMOTION_TAG,
    summary: "Get a release train",
    description:
      "The train, each application's state on its way to deployed (a failure beside the others), the applications left out, and what the applications' policies still need.",
    auth: { kind: "principal", permission: "promotion:read" },
    params: TrainPathParams,
    responses: { 200: { description: "The train." } },
    errors: [404],
  },
  {
    method: "GET",
    path: "/api/v1/apps/{slug}/rollback",
    tag: "Releases",
    summary: "Propose a rollback",
    description:
      "What rolling the application back in an environment would do, without doing it: the version it runs now, the version a rollback goes to (the last one deployed and healthy there and not held), why, and the exact diff.",
    auth: { kind: "principal", permission: "promotion:read" },
    params: ApplicationPathParams,
    query: RollbackProposalQuery,
    responses: { 200: { description: "The proposal." } },
    errors: [400, 404, 422],
  },
  {
    method: "POST",
    path: "/api/v1/apps/{slug}/rollback",
    tag: "Releases",
    summary: "Roll back",
    description:
      "Opens a promotion of kind `rollback` to the proposed version under the environment's rollback policy, and holds the version rolled back from in that environment and every later one, so no rule promotes it again. With `version`, answers 409 when the proposal changed since. In a frozen environment it needs `freezeReason` (10–500 characters) and a policy that allows rollbacks during a freeze, else 409.",
    auth: { kind: "principal", permission: "promotion:request" },
    params: ApplicationPathParams,
    body: RollBackBody,
    responses: {
      202: { description: "The rollback promotion; `Location` names the promotion's URL." },
    },
    errors: [400, 404, 409, 422],
  },
  {
    method: "GET",
    path: "/api/v1/apps/{slug}/holds",
    tag: "Releases",
    summary: "List an application's holds",
    description:
      "The holds in force, newest first: each keeps a rolled-back version out of its environment and every later one until someone releases it.",
    auth: { kind: "principal", permission: "catalogue:read" },
    params: ApplicationPathParams,
    responses: { 200: { description: "`{ application, items }`." } },
    errors: [400, 404],
  },
  {
    method: "POST",
    path: "/api/v1/holds/{id}/release",
    tag: "Releases",
    summary: "Release a hold",
    description:
      "Lets the rules promote the held version again, with the reason; audited as `release.hold_released`. For approvers of the environment the hold was placed in (and admins); a hold released already answers 409.",
    auth: { kind: "principal", permission: "promotion:approve" },
    params: HoldPathParams,
    body: ReleaseHoldBody,
    responses: {
      200: { description: "The hold released: `{ id, version, application, environment }`." },
    },
    errors: [400, 404, 409],
  },
  {
    method: "GET",
    path: "/api/v1/promotions",
    tag: PROMOTION_TAG,
    summary: "List promotions",
    description: "Newest first, paged; `state` may be repeated.",
    auth: { kind: "principal", permission: "promotion:read" },
    query: PromotionQuerySchema,
    responses: { 200: { description: "`{ items, total, page, size, pageCount }`." } },
    errors: [400],
  },
  {
    method: "POST",
    path: "/api/v1/promotions",
    tag: PROMOTION_TAG,
    summary: "Request a promotion",
    description:
      "Plans the change and records the promotion (state `planned`); a job opens its pull request. With `plannedAt` (the base commit and blob of a plan the caller showed), answers 409 when the values file changed since, with the new plan in `error.details.changedPlan`.",
    auth: { kind: "principal", permission: "promotion:request" },
    body: RequestPromotionInput,
    responses: {
      202: { description: "The promotion and its plan; `Location` names the promotion's URL." },
    },
    errors: [400, 404, 409, 422],
  },
  {
    method: "GET",
    path: "/api/v1/promotions/{id}",
    tag: PROMOTION_TAG,
    summary: "Get a promotion",
    description: "The promotion with its plan, pull request, approvals, checks and history.",
    auth: { kind: "principal", permission: "promotion:read" },
    params: PromotionPathParams,
    responses: { 200: { description: "The promotion." } },
    errors: [404],
  },
  {
    method: "POST",
    path: "/api/v1/promotions/{id}/reviews",
    tag: PROMOTION_TAG,
    summary: "Review a promotion",
    description:
      "Approves or requests changes; the review lands on the pull request. The author of a change cannot approve it.",
    auth: { kind: "principal", permission: "promotion:approve" },
    params: PromotionPathParams,
    body: ReviewPromotionInput,
    responses: { 200: { description: "The promotion after the review, and the review's ids." } },
    errors: [400, 404, 409],
  },
  {
    method: "POST",
    path: "/api/v1/promotions/{id}/merge",
    tag: PROMOTION_TAG,
    summary: "Merge a promotion",
    description:
      "Merges the pull request when the environment's policy is met; the catalogue then catches up with the merge.",
    auth: { kind: "principal", permission: "promotion:merge" },
    params: PromotionPathParams,
    responses: { 200: { description: "The promotion after the merge." } },
    errors: [404, 409],
  },
  {
    method: "POST",
    path: "/api/v1/promotions/{id}/close",
    tag: PROMOTION_TAG,
    summary: "Close a promotion",
    description:
      "Gives up on a promotion that has not merged: closes its pull request with a comment.",
    auth: { kind: "principal", permission: "promotion:close" },
    params: PromotionPathParams,
    body: ClosePromotionInput,
    responses: { 200: { description: "The promotion, closed." } },
    errors: [400, 404, 409],
  },
  {
    method: "POST",
    path: "/api/v1/promotions/{id}/retry",
    tag: PROMOTION_TAG,
    summary: "Retry a failed promotion",
    description: "Runs the pull request job again for a promotion whose last attempt failed.",
    auth: { kind: "principal", permission: "promotion:retry" },
    params: PromotionPathParams,
    responses: { 200: { description: "The promotion, queued again." } },
    errors: [404, 409],
  },
  {
    method: "GET",
    path: "/api/v1/events",
    tag: "Live updates",
    summary: "Subscribe to changes",
    description:
      'Server-Sent Events: `event: ready` with `{ at }` once the subscription is live (changes before it are not sent: read the state again then); `event: change` with `{ kind: "promotion", promotionId, application, state }` or `{ kind: "sync", cluster, applications? }`; `event: resync` when changes may have been missed; a comment every 15 s.',
    auth: { kind: "principal", permission: "catalogue:read" },
    query: EventsQuery,
    responses: { 200: { description: "An event stream.", contentType: "text/event-stream" } },
    errors: [400, 404],
  },
  {
    method: "GET",
    path: "/api/v1/audit/export",
    tag: "Audit",
    summary: "Export the audit timeline",
    description:
      "The matching events, oldest first, streamed as a download; `X-Gantry-Audit-Up-To` names the last event's sequence number. Recorded as `audit.exported`.",
    auth: { kind: "principal", permission: "audit:export" },
    query: AuditExportQuery,
    responses: {
      200: {
        description: "CSV (text/csv) or JSON Lines (application/x-ndjson).",
        contentType: "text/csv",
      },
    },
    errors: [400],
  },
  {
    method: "POST",
    path: "/api/v1/clusters/{cluster}/reports",
    tag: "Clusters",
    summary: "Report a cluster's sync status",
    description:
      "Called by the in-cluster agent (optionally `Content-Encoding: gzip`). A report naming an application not in the catalogue, or another environment than the cluster's, is refused as a whole (422, `error.details.rejected`).",
    auth: { kind: "cluster-token" },
    params: ClusterPathParams,
    body: SyncReportSchema,
    responses: {
      200: { description: "`{ cluster, kind, items, written, unchanged, changes, missing }`." },
    },
    errors: [400, 413, 422],
  },
  {
    method: "GET",
    path: "/api/v1/openapi.json",
    tag: "Reference",
    summary: "This API's description",
    description:
      "The OpenAPI 3.1 document of every /api/v1 route, generated from the schemas the routes validate with.",
    auth: { kind: "principal", permission: "catalogue:read" },
    responses: { 200: { description: "An OpenAPI 3.1 document." } },
  },
];

/** The OpenAPI 3.1 document of API_OPERATIONS, served at /api/v1/openapi.json. */
export function gantryApiDocument(): Record<string, unknown> {
  return openApiDocument({
    operations: API_OPERATIONS,
    title: "Gantry API",
    version: packageJson.version,
    description:
      "Gantry's HTTP API: the catalogue, promotions, reviews, live updates, the audit export and cluster reports. Authenticate with an API token (`Authorization: Bearer …`) or the portal's session.",
    serverUrl: getConfig().publicUrl,
  });
}
