import type { ReactNode } from "react";
import { Card } from "@/components/ui/card";

/** The admin pages' shape: the list on the left (its heading for screen readers), the form that adds to it on the right. */
export function ListAndForm({
  id,
  listTitle,
  list,
  formTitle,
  form,
}: {
  id: string;
  listTitle: string;
  list: ReactNode;
  formTitle: string;
  form: ReactNode;
}) {
  return (
    <div className="grid gap-6 lg:grid-cols-3">
      <section aria-labelledby={`${id}-list`} className="lg:col-span-2">
        <h2 id={`${id}-list`} className="sr-only">
          {listTitle}
        </h2>
        {list}
      </section>
      <Card id={`${id}-new`} title={formTitle}>
        {form}
      </Card>
    </div>
  );
}
