/**
 * The words the demo catalogue is made of. App names are domain × component
 * (payments-api, ledger-worker, fraud-scorer), each domain owned by one of 25
 * teams, each component deployed with one of the shared charts.
 */

export type ChartName = "web-service" | "worker" | "cronjob" | "stateful-service";

export interface DemoTeam {
  slug: string;
  /** Business domains the team owns; an app's team is its domain's owner. */
  domains: readonly string[];
}

export const TEAMS: readonly DemoTeam[] = [
  { slug: "payments", domains: ["payments", "refunds", "settlement"] },
  { slug: "checkout", domains: ["checkout", "cart"] },
  { slug: "core-ledger", domains: ["ledger", "treasury"] },
  { slug: "fraud-prevention", domains: ["fraud", "risk"] },
  { slug: "identity", domains: ["identity", "auth", "sessions"] },
  { slug: "catalog", domains: ["catalog", "content", "translations"] },
  { slug: "search-discovery", domains: ["search", "recommendations"] },
  { slug: "inventory", domains: ["inventory", "warehouse"] },
  { slug: "logistics", domains: ["shipping", "fulfilment", "delivery"] },
  { slug: "routing-geo", domains: ["routing", "tracking", "geo"] },
  { slug: "pricing", domains: ["pricing", "promotions", "coupons"] },
  { slug: "billing", domains: ["billing", "invoices", "subscriptions", "tax"] },
  { slug: "notifications", domains: ["notifications", "emails", "sms"] },
  { slug: "messaging", domains: ["messaging", "chat"] },
  { slug: "growth", domains: ["reviews", "loyalty", "experiments"] },
  { slug: "orders", domains: ["orders", "returns"] },
  { slug: "accounts", domains: ["accounts", "profiles"] },
  { slug: "compliance", domains: ["compliance", "kyc", "consent", "audit"] },
  { slug: "data-platform", domains: ["reporting", "analytics"] },
  { slug: "media", domains: ["media", "feeds"] },
  { slug: "onboarding", domains: ["onboarding", "support"] },
  { slug: "partners", domains: ["partners", "marketplace"] },
  { slug: "ads", domains: ["ads", "campaigns"] },
  { slug: "wallet", domains: ["wallet", "payouts", "cards"] },
  { slug: "lending", domains: ["lending", "credit"] },
];

/** What each domain is about, for descriptions ("… for card payments"). */
export const DOMAIN_SUBJECT: Readonly<Record<string, string>> = {
  payments: "card and wallet payments",
  refunds: "refunds and chargebacks",
  settlement: "end-of-day settlement with acquirers",
  checkout: "the checkout flow",
  cart: "shopping carts",
  ledger: "the double-entry ledger",
  treasury: "cash positions and treasury transfers",
  fraud: "fraud signals on orders and payments",
  risk: "merchant and customer risk scores",
  identity: "customer identities",
  auth: "authentication and tokens",
  sessions: "user sessions",
  catalog: "the product catalogue",
  content: "editorial content",
  translations: "translated product and UI texts",
  search: "product search",
  recommendations: "personalised recommendations",
  inventory: "stock levels",
  warehouse: "warehouse operations",
  shipping: "shipping labels and carriers",
  fulfilment: "order fulfilment",
  delivery: "last-mile delivery",
  routing: "delivery routes",
  tracking: "parcel tracking events",
  geo: "addresses and geocoding",
  pricing: "prices and price rules",
  promotions: "promotions and campaigns",
  coupons: "coupon codes",
  billing: "billing runs",
  invoices: "invoices and credit notes",
  subscriptions: "subscription plans and renewals",
  tax: "tax calculation",
  notifications: "customer notifications",
  emails: "transactional email",
  sms: "SMS delivery",
  messaging: "customer messaging",
  chat: "support chat",
  reviews: "product reviews",
  loyalty: "loyalty points",
  experiments: "A/B experiments",
  orders: "orders",
  returns: "returns",
  accounts: "customer accounts",
  profiles: "customer profiles",
  compliance: "regulatory reporting",
  kyc: "know-your-customer checks",
  consent: "privacy consent",
  audit: "audit trails",
  reporting: "business reports",
  analytics: "product analytics events",
  media: "images and video",
  feeds: "partner product feeds",
  onboarding: "merchant onboarding",
  support: "support tickets",
  partners: "partner integrations",
  marketplace: "marketplace sellers",
  ads: "sponsored listings",
  campaigns: "ad campaigns",
  wallet: "stored-value wallets",
  payouts: "payouts to sellers",
  cards: "issued cards",
  lending: "loan applications",
  credit: "credit lines",
};

export interface DemoComponent {
  word: string;
  chart: ChartName;
  /** Sentence with `{subject}` for the domain's subject. */
  describe: string;
}

export const COMPONENTS: readonly DemoComponent[] = [
  { word: "api", chart: "web-service", describe: "Public HTTP API for {subject}." },
  { word: "web", chart: "web-service", describe: "Web frontend for {subject}." },
  {
    word: "gateway",
    chart: "web-service",
    describe: "Edge gateway in front of the {subject} services.",
  },
  { word: "admin", chart: "web-service", describe: "Back-office UI to manage {subject}." },
  {
    word: "bff",
    chart: "web-service",
    describe: "Backend-for-frontend serving the mobile apps' view of {subject}.",
  },
  { word: "graphql", chart: "web-service", describe: "GraphQL layer over {subject}." },
  { word: "service", chart: "web-service", describe: "Core service that owns {subject}." },
  {
    word: "proxy",
    chart: "web-service",
    describe: "Proxy to the external provider for {subject}.",
  },
  { word: "portal", chart: "web-service", describe: "Self-service portal for {subject}." },
  { word: "grpc", chart: "web-service", describe: "Internal gRPC API for {subject}." },
  { word: "worker", chart: "worker", describe: "Background jobs for {subject}." },
  { word: "consumer", chart: "worker", describe: "Consumes Kafka events about {subject}." },
  { word: "scorer", chart: "worker", describe: "Scores {subject} with the current model." },
  { word: "indexer", chart: "worker", describe: "Keeps the search index of {subject} up to date." },
  {
    word: "notifier",
    chart: "worker",
    describe: "Sends notifications about changes to {subject}.",
  },
  {
    word: "reconciler",
    chart: "worker",
    describe: "Reconciles {subject} against the source of record.",
  },
  {
    word: "aggregator",
    chart: "worker",
    describe: "Aggregates events about {subject} into hourly figures.",
  },
  { word: "sync", chart: "worker", describe: "Synchronises {subject} with partner systems." },
  { word: "processor", chart: "worker", describe: "Processes incoming {subject} requests." },
  { word: "router", chart: "worker", describe: "Routes {subject} work to the right queue." },
  { word: "matcher", chart: "worker", describe: "Matches {subject} records across sources." },
  { word: "enricher", chart: "worker", describe: "Enriches {subject} with reference data." },
  {
    word: "publisher",
    chart: "worker",
    describe: "Publishes {subject} changes to downstream consumers.",
  },
  { word: "listener", chart: "worker", describe: "Listens for webhooks about {subject}." },
  { word: "scheduler", chart: "cronjob", describe: "Schedules recurring work on {subject}." },
  { word: "exporter", chart: "cronjob", describe: "Nightly export of {subject} to the data lake." },
  { word: "importer", chart: "cronjob", describe: "Imports {subject} from partner files." },
  { word: "reporter", chart: "cronjob", describe: "Builds daily reports on {subject}." },
  { word: "cleaner", chart: "cronjob", describe: "Removes expired {subject} data." },
  { word: "backfill", chart: "cronjob", describe: "Backfills historical {subject} data." },
  { word: "archiver", chart: "cronjob", describe: "Archives closed {subject} records." },
  { word: "cache", chart: "stateful-service", describe: "Read-through cache of {subject}." },
  { word: "store", chart: "stateful-service", describe: "Stateful store for {subject}." },
  {
    word: "stream",
    chart: "stateful-service",
    describe: "Stateful stream processor for {subject}.",
  },
];

/** Third words, used only once every domain × component pair is taken (large catalogues). */
export const QUALIFIERS: readonly string[] = [
  "v2",
  "legacy",
  "internal",
  "partner",
  "mobile",
  "eu",
  "us",
  "apac",
  "b2b",
  "edge",
  "beta",
  "batch",
  "replica",
  "shadow",
];

const UPPER = new Set(["api", "bff", "kyc", "sms", "grpc", "eu", "us", "apac", "b2b", "v2"]);
const SPELLED: Readonly<Record<string, string>> = { graphql: "GraphQL", grpc: "gRPC", v2: "v2" };

/** "payments-api" → "Payments API", "kyc-grpc-eu" → "KYC gRPC EU". */
export function displayName(slug: string): string {
  return slug
    .split("-")
    .map(
      (word) =>
        SPELLED[word] ??
        (UPPER.has(word) ? word.toUpperCase() : word[0]?.toUpperCase() + word.slice(1)),
    )
    .join(" ");
}

export interface DemoPerson {
  name: string;
  email: string;
}

export const PEOPLE: readonly DemoPerson[] = [
  { name: "Ana Oliveira", email: "ana.oliveira@example.com" },
  { name: "Björn Lindqvist", email: "bjorn.lindqvist@example.com" },
  { name: "Chiara Russo", email: "chiara.russo@example.com" },
  { name: "David Okafor", email: "david.okafor@example.com" },
  { name: "Elena Petrova", email: "elena.petrova@example.com" },
  { name: "Farid Haddad", email: "farid.haddad@example.com" },
  { name: "Grace Kim", email: "grace.kim@example.com" },
  { name: "Hiroshi Tanaka", email: "hiroshi.tanaka@example.com" },
  { name: "Ingrid Sørensen", email: "ingrid.sorensen@example.com" },
  { name: "Jamal Wright", email: "jamal.wright@example.com" },
  { name: "Katarzyna Nowak", email: "katarzyna.nowak@example.com" },
  { name: "Luis Fernández", email: "luis.fernandez@example.com" },
  { name: "Maya Patel", email: "maya.patel@example.com" },
  { name: "Noah Schmidt", email: "noah.schmidt@example.com" },
  { name: "Olivia Brown", email: "olivia.brown@example.com" },
  { name: "Priya Raman", email: "priya.raman@example.com" },
];

/** Who lands releases in the first environment: the CI pipeline. */
export const CI_BOT: DemoPerson = { name: "ci-bot", email: "ci-bot@example.com" };

/** Release managers, who promote to production. */
export const RELEASE_MANAGERS: readonly DemoPerson[] = [
  { name: "Sofia Marino", email: "sofia.marino@example.com" },
  { name: "Tomás Álvarez", email: "tomas.alvarez@example.com" },
];
