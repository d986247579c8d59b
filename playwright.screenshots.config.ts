import { defineConfig } from "@playwright/test";
import e2e from "./playwright.config";

/**
 * `npm run docs:screenshots`: the README's screenshots, made by a browser
 * against a freshly started demo portal (the e2e suite's server and
 * Chromium), never by hand, so they show the pages as they are.
 */
export default defineConfig({
  ...e2e,
  testDir: "scripts/screenshots",
  timeout: 600_000,
  reporter: [["list"]],
  use: { ...e2e.use, trace: "off", screenshot: "off" },
});
