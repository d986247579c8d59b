/** A time shown as "3 hours ago" with the exact UTC time available to everyone (title + datetime). */
export function RelativeTime({ value, now = new Date() }: { value: Date; now?: Date }) {
  return (
    <time dateTime={value.toISOString()} title={value.toISOString()}>
      {formatRelative(value, now)}
    </time>
  );
}

function formatRelative(value: Date, now: Date): string {
  const seconds = Math.round((now.getTime() - value.getTime()) / 1000);
  const future = seconds < 0;
  const abs = Math.abs(seconds);
  const units: [number, string][] = [
    [60 * 60 * 24 * 365, "year"],
    [60 * 60 * 24 * 30, "month"],
    [60 * 60 * 24 * 7, "week"],
    [60 * 60 * 24, "day"],
    [60 * 60, "hour"],
    [60, "minute"],
  ];
  for (const [size, name] of units) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      const label = `${n} ${name}${n === 1 ? "" : "s"}`;
      return future ? `in ${label}` : `${label} ago`;
    }
  }
  return "just now";
}
