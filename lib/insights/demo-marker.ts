/**
 * How generated demo history is marked, so the UI can say so: every
 * promotion it makes has this reason, requesters named "… (demo history)",
 * and audit detail `{ demo: true }`.
 */
export const DEMO_HISTORY_REASON = "Demo history";
export const DEMO_HISTORY_NAME_SUFFIX = " (demo history)";
