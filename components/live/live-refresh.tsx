"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { AutoRefresh } from "@/components/promotion/auto-refresh";

/**
 * Re-renders the page from the server when the portal says something it
 * shows has changed: a Server-Sent Events stream (`/api/v1/events`, fed by
 * Postgres LISTEN/NOTIFY) filtered to a promotion or an application.
 * Bursts of changes (a cluster's report batch) become one refresh, at most
 * one per `minIntervalMs`. Each time the stream is subscribed (`ready`: on
 * opening and after every drop) the page refreshes once, since changes made
 * before that were not sent. While the stream is down (the browser keeps
 * retrying) the page falls back to polling every `pollMs`.
 */
export function LiveRefresh({
  promotion,
  application,
  pollMs = 5_000,
  minIntervalMs = 1_000,
  pollWhile = false,
}: {
  promotion?: string;
  application?: string;
  pollMs?: number;
  minIntervalMs?: number;
  /** Poll as well, whatever the stream does (work in flight that sends no change events). */
  pollWhile?: boolean;
}) {
  const router = useRouter();
  const [streamDown, setStreamDown] = useState(false);

  useEffect(() => {
    if (typeof EventSource === "undefined") {
      setStreamDown(true);
      return;
    }
    const query = new URLSearchParams();
    if (promotion) query.set("promotion", promotion);
    if (application) query.set("application", application);
    const source = new EventSource(`/api/v1/events${query.size > 0 ? `?${query}` : ""}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastRefresh = 0;
    const refreshSoon = () => {
      if (timer !== undefined) return;
      const wait = Math.max(150, lastRefresh + minIntervalMs - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        lastRefresh = Date.now();
        router.refresh();
      }, wait);
    };
    source.addEventListener("change", refreshSoon);
    source.addEventListener("resync", refreshSoon);
    // Subscribed (first time, or again after a drop): what changed since the render may be missed.
    source.addEventListener("ready", refreshSoon);
    source.onopen = () => setStreamDown(false);
    source.onerror = () => setStreamDown(true);
    return () => {
      source.close();
      clearTimeout(timer);
    };
  }, [promotion, application, minIntervalMs, router]);

  return <AutoRefresh active={streamDown || pollWhile} everyMs={pollMs} />;
}
