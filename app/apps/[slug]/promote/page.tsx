import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requestPromotionAction } from "@/app/promotions/actions";
import { PolicyDetails } from "@/components/environments/policy-details";
import { ActionForm } from "@/components/promotion/action-form";
import { DiffView } from "@/components/promotion/diff-view";
import { PolicyBanner } from "@/components/promotion/policy-banner";
import { Notice } from "@/components/ui/notice";
import { isGantryError } from "@/lib/errors";
import { requirePerson } from "@/lib/people/current-principal";
import { BREAK_GLASS_REASON_MAX, BREAK_GLASS_REASON_MIN } from "@/lib/policy/check-promotion";
import { type PromotionPreview, previewPromotion } from "@/lib/promotion/preview-promotion";
import { MAX_REASON_LENGTH } from "@/lib/promotion/request-promotion";
import { getPromotionContext } from "@/lib/runtime/promotion-context";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Promote" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;
const first = (value: string | string[] | undefined) =>
  (Array.isArray(value) ? value[0] : value)?.trim() || undefined;

/**
 * The promotion dialog: choose the target environment and version, see the
 * exact change to the values file, say why, open the pull request. The
 * view (lib/promotion/preview-promotion) plans on every view from the
 * default branch's head; the form sends the plan's base commit and blob,
 * so a request whose file changed since comes back here with the new diff.
 */
export default async function PromotePage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: SearchParams;
}) {
  const person = await requirePerson();
  const { slug } = await params;
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(slug)) notFound();
  const query = await searchParams;
  let preview: PromotionPreview;
  try {
    preview = await previewPromotion({
      ctx: getPromotionContext(),
      person,
      application: slug,
      choice: {
        environment: first(query.env),
        version: first(query.version),
        skipOrder: first(query.skipOrder) === "on",
        allowNewVersion: first(query.allowNewVersion) === "on",
      },
    });
  } catch (error) {
    if (isGantryError(error) && error.code === "not_found") notFound();
    throw error;
  }
  const { application, environments, environment, plan, refusal, targetPolicy, policyCheck } =
    preview;
  const { version, skipOrder, allowNewVersion } = preview.choice;
  const { frozen, mayBreakGlass, requestRefusal } = preview;
  // The request came back: the values file changed after the person looked at the diff.
  const changedSince = first(query.changedSince);

  const field = "block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm";
  return (
    <div className="mx-auto max-w-4xl">
      <nav aria-label="Breadcrumb" className="mb-3 text-sm text-slate-600">
        <Link href="/apps" className="hover:underline">
          Applications
        </Link>{" "}
        <span aria-hidden="true">/</span>{" "}
        <Link href={`/apps/${application.slug}`} className="hover:underline">
          {slug}
        </Link>{" "}
        <span aria-hidden="true">/</span> Promote
      </nav>
      <section
        aria-labelledby="promote-heading"
        className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm"
      >
        <h1 id="promote-heading" className="text-xl font-semibold">
          Promote {application.name}
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          Gantry changes the version in the environment's values file on a branch and opens a pull
          request. Nothing reaches a cluster until the pull request is merged.
        </p>

        <form
          method="get"
          className="mt-5 grid gap-4 sm:grid-cols-[1fr_1fr_auto]"
          aria-label="Choose what to promote"
        >
          <div>
            <label htmlFor="promote-env" className="mb-1 block text-xs font-medium text-slate-700">
              Target environment
            </label>
            <select id="promote-env" name="env" defaultValue={environment} className={field}>
              {environments.map((e) => (
                <option key={e.name} value={e.name}>
                  {e.displayName} ({e.name})
                </option>
              ))}
            </select>
          </div>
          <div>
            <label
              htmlFor="promote-version"
              className="mb-1 block text-xs font-medium text-slate-700"
            >
              Version
            </label>
            <input
              id="promote-version"
              name="version"
              defaultValue={version ?? ""}
              placeholder={plan?.version ?? "the previous environment's version"}
              aria-describedby="promote-version-help"
              className={`${field} font-mono`}
              autoComplete="off"
            />
            <p id="promote-version-help" className="mt-1 text-xs text-slate-600">
              {plan
                ? plan.versionSource.explanation
                : "Leave empty to promote what the previous environment runs."}
            </p>
          </div>
          <div className="flex items-start pt-5">
            <button
              type="submit"
              className="rounded-md px-3 py-1.5 text-sm font-medium text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50"
            >
              Show the change
            </button>
          </div>
          <div className="flex flex-wrap gap-x-6 gap-y-2 text-sm text-slate-700 sm:col-span-3">
            <label className="flex items-center gap-2">
              <input
                type="checkbox"
                name="skipOrder"
                defaultChecked={skipOrder}
                className="size-4"
              />
              Skip the delivery order (the previous environment does not run this version)
              {targetPolicy?.policy.ordered ? (
                <span className="text-xs text-slate-500">
                  — admins only here; the version must still have been deployed in{" "}
                  {targetPolicy.previous ?? "the previous environment"}
                </span>
              ) : null}
            </label>
            <label className="flex items-center gap-2">
              <input
                type="checkbox"
                name="allowNewVersion"
                defaultChecked={allowNewVersion}
                className="size-4"
              />
              Allow a version Gantry has not seen yet
            </label>
          </div>
        </form>

        {targetPolicy ? (
          <div className="mt-5 space-y-3">
            <PolicyBanner summary={targetPolicy.policy} />
            <details className="rounded-md border border-slate-200 p-3">
              <summary className="cursor-pointer text-sm font-medium">
                Policy of {targetPolicy.displayName}
              </summary>
              <div className="mt-3">
                <PolicyDetails summary={targetPolicy.policy} />
              </div>
            </details>
          </div>
        ) : null}

        {refusal ? (
          <div className="mt-5">
            <Notice tone="danger" title="This promotion cannot be planned">
              {refusal}
            </Notice>
          </div>
        ) : null}

        {changedSince && plan ? (
          <div className="mt-5">
            <Notice tone="warning" title="The file changed since you looked">
              {`${plan.valuesPath} changed after you saw its diff at ${changedSince.slice(0, 12)}; nothing was requested. Below is the new diff, at ${plan.baseCommit.slice(0, 12)}: check it and open the pull request again.`}
            </Notice>
          </div>
        ) : null}

        {plan ? (
          <div className="mt-6 space-y-4">
            <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
              <Fact label="From">
                {plan.fromEnvironment ? plan.fromEnvironment.displayName : "—"}
              </Fact>
              <Fact label="To">{plan.environment.displayName}</Fact>
              <Fact label="Version now">
                <span className="font-mono">{plan.currentVersion}</span>
              </Fact>
              <Fact label="Version after">
                <span className="font-mono font-semibold">{plan.version}</span>
              </Fact>
            </dl>
            {plan.outOfOrder ? (
              <Notice tone="warning" title="Out of order">
                {plan.fromEnvironment?.displayName ?? "The previous environment"} does not run{" "}
                {plan.version}.
              </Notice>
            ) : null}
            {plan.sharedFileOverride ? (
              <Notice tone="info" title={`Written into ${plan.environment.displayName}'s own file`}>
                {plan.sharedFileOverride.shared.join(" and ")} also decides the version of{" "}
                {plan.sharedFileOverride.others.join(", ")}, so it is left as it is: the version
                goes into {plan.sharedFileOverride.created ? "a new file, " : ""}
                {plan.sharedFileOverride.file}, and the others keep theirs (writeOverrides in the
                layout file).
              </Notice>
            ) : null}
            <DiffView
              diff={plan.diff}
              label={`${plan.valuesPath} at ${plan.baseCommit.slice(0, 12)}`}
            />
            {policyCheck?.orderRefusal ? (
              <Notice tone="danger" title={`${plan.environment.displayName}'s policy refuses this`}>
                {policyCheck.orderRefusal}
              </Notice>
            ) : null}
            {!policyCheck?.orderRefusal && frozen && !mayBreakGlass ? (
              <Notice tone="danger" title="Frozen">
                {policyCheck?.freezeMessage}. Only people with break-glass may promote during a
                freeze.
              </Notice>
            ) : null}
            {requestRefusal ? (
              <Notice tone="warning" title="You cannot promote this application">
                {requestRefusal}.
              </Notice>
            ) : null}
            {requestRefusal || policyCheck?.orderRefusal || (frozen && !mayBreakGlass) ? null : (
              <ActionForm
                action={requestPromotionAction}
                submitLabel="Open pull request"
                pendingLabel="Opening…"
              >
                <input type="hidden" name="application" value={application.slug} />
                <input type="hidden" name="environment" value={plan.environment.name} />
                <input type="hidden" name="version" value={plan.version} />
                <input type="hidden" name="baseCommit" value={plan.baseCommit} />
                <input type="hidden" name="blobId" value={plan.blobId} />
                {skipOrder ? <input type="hidden" name="skipOrder" value="on" /> : null}
                {allowNewVersion ? <input type="hidden" name="allowNewVersion" value="on" /> : null}
                <div>
                  <label
                    htmlFor="promote-reason"
                    className="mb-1 block text-xs font-medium text-slate-700"
                  >
                    Reason (goes into the pull request)
                  </label>
                  <textarea
                    id="promote-reason"
                    name="reason"
                    required
                    maxLength={MAX_REASON_LENGTH}
                    rows={3}
                    className={field}
                    placeholder="e.g. Verified in staging: checkout latency back to normal"
                  />
                </div>
                {frozen ? (
                  <div>
                    <label
                      htmlFor="promote-break-glass"
                      className="mb-1 block text-xs font-medium text-slate-700"
                    >
                      Break-glass reason (why this cannot wait for the freeze to end)
                    </label>
                    <textarea
                      id="promote-break-glass"
                      name="breakGlassReason"
                      required
                      minLength={BREAK_GLASS_REASON_MIN}
                      maxLength={BREAK_GLASS_REASON_MAX}
                      rows={2}
                      aria-describedby="promote-break-glass-help"
                      className={field}
                    />
                    <p id="promote-break-glass-help" className="mt-1 text-xs text-slate-600">
                      {policyCheck?.freezeMessage}. The reason is kept on the promotion, written
                      into the pull request and the audit log.
                    </p>
                  </div>
                ) : null}
              </ActionForm>
            )}
          </div>
        ) : null}
      </section>
    </div>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="rounded-md bg-slate-50 p-2">
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="mt-0.5">{children}</dd>
    </div>
  );
}
