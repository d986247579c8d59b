import Link from "next/link";

export default function NotFound() {
  return (
    <div className="mx-auto max-w-xl py-16 text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="mt-2 text-slate-600">
        There is nothing at this address. It may have been renamed or archived.
      </p>
      <p className="mt-6">
        <Link href="/apps" className="font-medium text-blue-800 hover:underline">
          Browse applications
        </Link>
      </p>
    </div>
  );
}
