/**
 * `npm run dev` only: the job runner loaded from the sources, for when the development server
 * (which compiles on demand) has not offered the one from its bundle. Production never loads
 * this module: the server process takes the job runner from the Next.js bundle.
 */
export { startJobRunner } from "@/lib/runtime/job-runner";
