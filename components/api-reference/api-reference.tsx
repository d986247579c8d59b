import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { PageSection } from "@/components/ui/page-header";
import {
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
  TableRowHeader,
} from "@/components/ui/table";
import type { ApiReferenceOperation } from "@/lib/http/api-description";

const METHOD_TONE: Record<string, BadgeTone> = {
  GET: "info",
  POST: "success",
  PUT: "warning",
  PATCH: "warning",
  DELETE: "danger",
};

/** Text with `code` spans, as the descriptions are written (CommonMark in the OpenAPI document). */
function WithCode({ text }: { text: string }) {
  return (
    <>
      {text.split("`").map((part, i) =>
        i % 2 === 1 ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string, in order
          <code key={i} className="rounded bg-slate-100 px-1 text-[0.85em] dark:bg-slate-800">
            {part}
          </code>
        ) : (
          part
        ),
      )}
    </>
  );
}

function slugOf(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

/** The API reference: every operation by group, with its parameters, body schema and answers. */
export function ApiReference({
  groups,
}: {
  groups: { tag: string; operations: ApiReferenceOperation[] }[];
}) {
  return (
    <>
      <nav aria-label="API groups" className="mb-6 flex flex-wrap gap-2 text-sm">
        {groups.map((group) => (
          <a
            key={group.tag}
            href={`#${slugOf(group.tag)}`}
            className="rounded px-2 py-1 text-blue-700 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-blue-600 dark:text-blue-300"
          >
            {group.tag}
          </a>
        ))}
      </nav>
      {groups.map((group) => (
        <PageSection key={group.tag} id={slugOf(group.tag)} title={group.tag}>
          <div className="space-y-4">
            {group.operations.map((operation) => (
              <OperationCard key={operation.id} operation={operation} />
            ))}
          </div>
        </PageSection>
      ))}
    </>
  );
}

function OperationCard({ operation }: { operation: ApiReferenceOperation }) {
  return (
    <Card
      id={operation.id}
      title={
        <span className="flex flex-wrap items-center gap-2">
          <Badge tone={METHOD_TONE[operation.method] ?? "neutral"}>{operation.method}</Badge>{" "}
          <code className="font-mono text-sm">{operation.path}</code>{" "}
          <span className="font-normal text-slate-600 dark:text-slate-400">
            {operation.summary}
          </span>
        </span>
      }
    >
      {operation.description ? (
        <p className="mb-2 text-sm text-slate-700 dark:text-slate-300">
          <WithCode text={operation.description} />
        </p>
      ) : null}
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
        <WithCode text={operation.auth} />
      </p>
      {operation.parameters.length > 0 ? (
        <Table caption={`Parameters of ${operation.method} ${operation.path}`} className="mb-3">
          <TableHeader>
            <TableRow>
              <TableHead>Parameter</TableHead>
              <TableHead>In</TableHead>
              <TableHead>Schema</TableHead>
              <TableHead>Description</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {operation.parameters.map((parameter) => (
              <TableRow key={`${parameter.in}-${parameter.name}`}>
                <TableRowHeader>
                  <code>{parameter.name}</code>
                  {parameter.required ? <span className="ml-1 text-xs">(required)</span> : null}
                </TableRowHeader>
                <TableCell>{parameter.in}</TableCell>
                <TableCell className="break-all">{parameter.schema}</TableCell>
                <TableCell>
                  <WithCode text={parameter.description} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : null}
      {operation.body ? (
        <details className="mb-3">
          <summary className="cursor-pointer text-sm font-medium">
            Request body (JSON Schema)
          </summary>
          <pre className="mt-2 max-h-96 overflow-auto rounded bg-slate-50 p-3 text-xs dark:bg-slate-950">
            {operation.body}
          </pre>
        </details>
      ) : null}
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
        {operation.responses.map((response) => (
          <div key={response.status} className="contents">
            <dt className="font-mono">{response.status}</dt>
            <dd className="text-slate-700 dark:text-slate-300">
              <WithCode text={response.description} />
            </dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}
