import type { Metadata } from "next";
import { requestTrainAction } from "@/app/trains/actions";
import { ActionForm } from "@/components/promotion/action-form";
import { DiffView } from "@/components/promotion/diff-view";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { InvalidLinkPage } from "@/components/ui/error-state";
import { CheckboxField, Field, Textarea } from "@/components/ui/field";
import { FilterForm, TextFilter } from "@/components/ui/filter-form";
import { Notice } from "@/components/ui/notice";
import { PageHeader, PageSection } from "@/components/ui/page-header";
import { requirePerson } from "@/lib/people/current-principal";
import { getPromotionContext } from "@/lib/runtime/promotion-context";
import { previewTrain } from "@/lib/trains/preview-train";

export const metadata: Metadata = { title: "Plan a release train" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** How many applications' diffs the page renders; the pull request carries them all. */
const DIFFS_SHOWN = 100;

export default async function NewTrainPage({ searchParams }: { searchParams: SearchParams }) {
  const person = await requirePerson();
  const sp = await searchParams;
  const view = await previewTrain({
    ctx: getPromotionContext(),
    principal: person,
    searchParams: sp,
  });
  if (view.kind === "invalid") {
    return (
      <InvalidLinkPage
        heading="Plan a release train"
        problems={view.errors}
        resetHref="/trains/new"
      />
    );
  }
  const value = (name: string) => {
    const v = sp[name];
    return (Array.isArray(v) ? v[0] : v) ?? "";
  };
  return (
    <>
      <Breadcrumb trail={[{ label: "Release trains", href: "/trains" }]} current="Plan" />
      <PageHeader
        title="Plan a release train"
        description="Choose the applications and the target environment; nothing changes until you open the train."
      />
      <FilterForm label="Select applications" action="/trains/new" className="md:grid-cols-5">
        <TextFilter
          id="train-env"
          name="env"
          label="Target environment"
          value={value("env")}
          placeholder="e.g. prod"
        />
        <TextFilter
          id="train-differs"
          name="differsFrom"
          label="Differs from"
          value={value("differsFrom")}
          placeholder="e.g. staging"
        />
        <TextFilter
          id="train-team"
          name="team"
          label="Team"
          value={value("team")}
          placeholder="slug"
        />
        <TextFilter
          id="train-label"
          name="label"
          label="Label"
          value={value("label")}
          placeholder="key=value"
        />
        <TextFilter id="train-q" name="q" label="Search" value={value("q")} placeholder="name" />
      </FilterForm>
      {view.kind === "plan" ? (
        <>
          <PageSection
            id="summary"
            title={`${view.items.length} applications to ${view.environment}`}
          >
            <p className="mb-2 text-sm">
              Selected: {view.selectionWords}. Planned at {view.baseCommit.slice(0, 12)}.
            </p>
            {view.approvals.map((rule) => (
              <p key={rule.environment} className="text-sm">
                {rule.environment} needs {rule.required} approval{rule.required === 1 ? "" : "s"}
                {rule.team ? ` from ${rule.team}` : ""} for {rule.applications.length} applications.
              </p>
            ))}
          </PageSection>
          {view.problems.length > 0 ? (
            <Notice
              tone="warning"
              title={`${view.problems.length} applications cannot be promoted`}
              className="mb-6"
            >
              <ul className="list-disc pl-5">
                {view.problems.map((p) => (
                  <li key={p.application}>
                    <strong>{p.application}</strong>: {p.message}
                  </li>
                ))}
              </ul>
            </Notice>
          ) : null}
          {view.items.length > 0 ? (
            <PageSection id="open" title="Open the train">
              <ActionForm
                action={requestTrainAction}
                hidden={{
                  environment: view.environment,
                  ...Object.fromEntries(
                    Object.entries(view.selection).filter(
                      (entry): entry is [string, string] => typeof entry[1] === "string",
                    ),
                  ),
                }}
                submitLabel="Open the train's pull request"
                pendingLabel="Opening…"
              >
                <Field id="train-reason" label="Why">
                  <Textarea name="reason" required maxLength={2000} rows={3} />
                </Field>
                {view.problems.length > 0 ? (
                  <CheckboxField
                    name="excludeFailing"
                    label="Leave out the applications that cannot be promoted"
                    hint="without it, nothing opens while one of them fails"
                  />
                ) : null}
              </ActionForm>
            </PageSection>
          ) : null}
          <PageSection id="diff" title="The combined change, by application">
            {view.items.slice(0, DIFFS_SHOWN).map((item) => (
              <DiffView
                key={item.application}
                diff={item.diff}
                label={`${item.application}: ${item.previousVersion || "(empty)"} → ${item.version}`}
              />
            ))}
            {view.items.length > DIFFS_SHOWN ? (
              <p className="text-sm">
                …and {view.items.length - DIFFS_SHOWN} more applications, each with the same kind of
                change.
              </p>
            ) : null}
          </PageSection>
        </>
      ) : null}
    </>
  );
}
