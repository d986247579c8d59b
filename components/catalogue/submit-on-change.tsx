"use client";

import { useEffect, useRef } from "react";

/**
 * Applies a select or checkbox as soon as it changes (text search still waits
 * for Enter or Apply, so typing does not trigger a page load per key).
 * Rendered inside the form it serves; renders nothing itself.
 */
export function SubmitOnChange() {
  const marker = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const form = marker.current?.closest("form");
    if (!form) return;
    const onChange = (event: Event) => {
      const target = event.target;
      if (
        target instanceof HTMLSelectElement ||
        (target instanceof HTMLInputElement && target.type === "checkbox")
      ) {
        form.requestSubmit();
      }
    };
    // Empty fields are left out of the URL so shared links stay short: disable them for the
    // moment the form data is read, then give them back.
    const onSubmit = () => {
      const empty = [
        ...form.querySelectorAll<HTMLInputElement | HTMLSelectElement>("input[name], select[name]"),
      ].filter((element) => element.value === "" && !element.disabled);
      for (const element of empty) element.disabled = true;
      setTimeout(() => {
        for (const element of empty) element.disabled = false;
      }, 0);
    };
    form.addEventListener("change", onChange);
    form.addEventListener("submit", onSubmit);
    return () => {
      form.removeEventListener("change", onChange);
      form.removeEventListener("submit", onSubmit);
    };
  }, []);
  return <span ref={marker} hidden />;
}
