import type { Metadata } from "next";
import Link from "next/link";
import { API_OPERATIONS } from "@/app/api/v1/operations";
import { ApiReference } from "@/components/api-reference/api-reference";
import { PageHeader } from "@/components/ui/page-header";
import { apiReference } from "@/lib/http/api-description";
import { requirePerson } from "@/lib/people/current-principal";

export const metadata: Metadata = { title: "API reference" };
export const dynamic = "force-dynamic";

/** Every /api/v1 operation, from the same description as /api/v1/openapi.json. */
export default async function ApiReferencePage() {
  await requirePerson();
  return (
    <>
      <PageHeader
        title="API reference"
        description={
          <>
            Every <code>/api/v1</code> operation, generated from the schemas the routes validate
            with. The same description as an OpenAPI 3.1 document:{" "}
            <Link
              href="/api/v1/openapi.json"
              className="text-blue-700 underline dark:text-blue-300"
            >
              /api/v1/openapi.json
            </Link>
            .
          </>
        }
      />
      <ApiReference groups={apiReference(API_OPERATIONS)} />
    </>
  );
}
