import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { FileView } from "@/components/repository/file-view";
import { Notice } from "@/components/ui/notice";
import { getRepositoryFile } from "@/lib/catalogue/get-repository-file";
import { isGantryError } from "@/lib/errors";
import { getGitProvider } from "@/lib/git";
import { requirePerson } from "@/lib/people/current-principal";

export const dynamic = "force-dynamic";

type Params = Promise<{ repo: string; ref: string; path: string[] }>;

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { path } = await params;
  return { title: path.map(decodeURIComponent).join("/") };
}

export default async function RepositoryFilePage({ params }: { params: Params }) {
  await requirePerson();
  const raw = await params;
  try {
    const file = await getRepositoryFile({
      git: getGitProvider(),
      repository: decodeURIComponent(raw.repo),
      ref: decodeURIComponent(raw.ref),
      path: raw.path.map(decodeURIComponent),
    });
    const app = /^apps\/([^/]+)\//.exec(file.path)?.[1];
    return (
      <>
        <nav aria-label="Breadcrumb" className="mb-3 text-sm text-slate-600">
          <Link href="/apps" className="hover:underline">
            Applications
          </Link>
          {app ? (
            <>
              {" "}
              <span aria-hidden="true">/</span>{" "}
              <Link href={`/apps/${app}`} className="hover:underline">
                {app}
              </Link>
            </>
          ) : null}
        </nav>
        <FileView file={file} />
      </>
    );
  } catch (error) {
    if (isGantryError(error) && error.code === "not_found") notFound();
    if (isGantryError(error) && error.code === "bad_request") {
      return (
        <Notice tone="danger" title="This is not a file address Gantry can show">
          {error.message}
        </Notice>
      );
    }
    throw error;
  }
}
