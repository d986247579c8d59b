// (d) Listing 2,000 Applications in pages: `limit` bounds each page, `continue`
// carries on from where the last page stopped, and every object comes back
// exactly once, all from one consistent snapshot.
import { beforeAll, describe, expect, inject, it } from "vitest";
import { apiVersionOf, argoApplication, ClusterClient } from "./cluster-client.ts";

interface ApplicationPage {
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: { metadata: { name: string; resourceVersion: string } }[];
}

const total = 2_000;
const pageSize = 300;

describe("paging through a large list", () => {
  let cluster: ClusterClient;
  let namespace: string;

  const listPage = (params: { limit: number; continue?: string }): Promise<ApplicationPage> =>
    cluster.customObjects.listNamespacedCustomObject({
      group: argoApplication.group,
      version: argoApplication.version,
      plural: argoApplication.plural,
      namespace,
      limit: params.limit,
      _continue: params.continue,
    });

  beforeAll(async () => {
    cluster = new ClusterClient(inject("cluster"));
    namespace = await cluster.createNamespace("paging");
    const names = Array.from({ length: total }, (_, i) => `app-${String(i).padStart(4, "0")}`);
    // A few requests in flight at a time: fast enough, and kind to a 2-core machine.
    const queue = [...names];
    const worker = async () => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        await cluster.customObjects.createNamespacedCustomObject({
          group: argoApplication.group,
          version: argoApplication.version,
          plural: argoApplication.plural,
          namespace,
          body: {
            apiVersion: apiVersionOf(argoApplication),
            kind: argoApplication.kind,
            metadata: { name, namespace },
            spec: {
              project: "default",
              source: { repoURL: "https://git.example/gitops.git", path: `apps/${name}` },
              destination: { server: "https://kubernetes.default.svc", namespace: name },
            },
          },
        });
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  });

  it(`lists ${total} objects in pages of ${pageSize} with limit and continue`, async () => {
    const pages: ApplicationPage[] = [];
    let token: string | undefined;
    do {
      const page = await listPage({ limit: pageSize, continue: token });
      pages.push(page);
      token = page.metadata.continue || undefined;
    } while (token);

    expect(pages).toHaveLength(Math.ceil(total / pageSize));
    for (const page of pages.slice(0, -1)) {
      expect(page.items).toHaveLength(pageSize);
      expect(page.metadata.continue).toBeTruthy();
    }
    expect(pages.at(-1)?.items).toHaveLength(total % pageSize || pageSize);
    expect(pages[0]?.metadata.remainingItemCount).toBe(total - pageSize);

    const names = pages.flatMap((page) => page.items.map((item) => item.metadata.name));
    expect(new Set(names).size).toBe(total);
    // Keys come back in etcd key order, so names are sorted across pages.
    expect(names).toEqual([...names].sort());
    // Every page is read at the first page's snapshot.
    const snapshots = new Set(pages.map((page) => page.metadata.resourceVersion));
    expect(snapshots.size).toBe(1);
  });

  it("serves later pages from the first page's snapshot even after writes", async () => {
    const first = await listPage({ limit: pageSize });
    await cluster.customObjects.deleteNamespacedCustomObject({
      group: argoApplication.group,
      version: argoApplication.version,
      plural: argoApplication.plural,
      namespace,
      name: `app-${String(total - 1).padStart(4, "0")}`,
    });

    const names = first.items.map((item) => item.metadata.name);
    let token = first.metadata.continue;
    while (token) {
      const page = await listPage({ limit: pageSize, continue: token });
      expect(page.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
      names.push(...page.items.map((item) => item.metadata.name));
      token = page.metadata.continue || undefined;
    }
    // The deleted object is still in the snapshot the continue token pins.
    expect(names).toHaveLength(total);

    const fresh = await listPage({ limit: total + 1 });
    expect(fresh.items).toHaveLength(total - 1);
    expect(fresh.metadata.continue ?? "").toBe("");
  });
});
