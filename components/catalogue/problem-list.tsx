import type { ReactNode } from "react";

type Problem = { file: string; line: number | null; column: number | null; message: string };

/** Files the import could not read, each as file:line:column — message (and what `extra` adds). */
export function ProblemList<P extends Problem>({
  problems,
  extra,
  className,
}: {
  problems: readonly P[];
  extra?: (problem: P) => ReactNode;
  className?: string;
}) {
  return (
    <ul className={className}>
      {problems.map((problem) => (
        <li key={`${problem.file}:${problem.line}:${problem.column}:${problem.message}`}>
          <span className="font-mono">
            {problem.file}
            {problem.line ? `:${problem.line}` : ""}
            {problem.column ? `:${problem.column}` : ""}
          </span>{" "}
          — {problem.message}
          {extra?.(problem)}
        </li>
      ))}
    </ul>
  );
}
