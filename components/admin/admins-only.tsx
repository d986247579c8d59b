import { ErrorState } from "@/components/ui/error-state";

/** What a person who may not manage people sees instead of the admin pages. */
export function AdminsOnly() {
  return (
    <ErrorState title="Only admins may manage people">
      Ask an admin if you need a different role.
    </ErrorState>
  );
}
