import type { ChartName } from "@/lib/demo/vocabulary";

/**
 * The shared Helm charts of the demo repository: small, but real charts that
 * `helm template` renders, so an Argo CD or Flux pointed at the repository
 * could deploy them. Every chart takes the image from `.Values.image`, the
 * key Gantry promotes.
 */

const CHART_DESCRIPTIONS: Record<ChartName, string> = {
  "web-service": "HTTP service behind a ClusterIP Service: APIs, web frontends, gateways.",
  worker: "Queue or stream consumer without inbound traffic.",
  cronjob: "Scheduled batch job.",
  "stateful-service": "StatefulSet with a persistent volume per replica.",
};

const CHART_VERSIONS: Record<ChartName, string> = {
  "web-service": "2.4.1",
  worker: "1.9.0",
  cronjob: "1.3.2",
  "stateful-service": "0.8.5",
};

export const CHART_NAMES: readonly ChartName[] = [
  "web-service",
  "worker",
  "cronjob",
  "stateful-service",
];

const HELPERS = `{{/* Labels every object of a release carries. */}}
{{- define "chart.labels" -}}
app.kubernetes.io/name: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end }}

{{- define "chart.image" -}}
{{ required "image.repository is required" .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}
`;

const CONTAINER = (ports: boolean) => `        - name: app
          image: {{ include "chart.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          {{- with .Values.env }}
          env:
            {{- range $name, $value := . }}
            - name: {{ $name }}
              value: {{ $value | quote }}
            {{- end }}
          {{- end }}${
            ports
              ? `
          ports:
            - name: http
              containerPort: {{ .Values.service.port }}
          readinessProbe:
            httpGet:
              path: /healthz
              port: http`
              : ""
          }
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
`;

const DEPLOYMENT = (ports: boolean) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- include "chart.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      app.kubernetes.io/name: {{ .Release.Name }}
  template:
    metadata:
      labels:
        {{- include "chart.labels" . | nindent 8 }}
    spec:
      containers:
${CONTAINER(ports)}`;

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- include "chart.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: {{ .Release.Name }}
  ports:
    - name: http
      port: 80
      targetPort: http
`;

const CRONJOB = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- include "chart.labels" . | nindent 4 }}
spec:
  schedule: {{ .Values.schedule | quote }}
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      backoffLimit: {{ .Values.backoffLimit }}
      template:
        metadata:
          labels:
            {{- include "chart.labels" . | nindent 12 }}
        spec:
          restartPolicy: Never
          containers:
            - name: app
              image: {{ include "chart.image" . | quote }}
              imagePullPolicy: {{ .Values.image.pullPolicy }}
              resources:
                {{- toYaml .Values.resources | nindent 16 }}
`;

const STATEFULSET = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- include "chart.labels" . | nindent 4 }}
spec:
  serviceName: {{ .Release.Name }}
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      app.kubernetes.io/name: {{ .Release.Name }}
  template:
    metadata:
      labels:
        {{- include "chart.labels" . | nindent 8 }}
    spec:
      containers:
${CONTAINER(true).replace(
  "          resources:",
  `          volumeMounts:
            - name: data
              mountPath: /data
          resources:`,
)}  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: ["ReadWriteOnce"]
        storageClassName: {{ .Values.persistence.storageClass }}
        resources:
          requests:
            storage: {{ .Values.persistence.size }}
`;

const DEFAULT_VALUES: Record<ChartName, string> = {
  "web-service": `# Defaults for every web service; each app's envs/<env>/values.yaml overrides them.
image:
  repository: ""
  # Empty means the chart's appVersion; apps always set it.
  tag: ""
  pullPolicy: IfNotPresent

replicas: 2

service:
  port: 8080

resources:
  requests:
    cpu: 100m
    memory: 128Mi
  limits:
    memory: 256Mi

env: {}
`,
  worker: `# Defaults for every worker; each app's envs/<env>/values.yaml overrides them.
image:
  repository: ""
  tag: ""
  pullPolicy: IfNotPresent

replicas: 1

resources:
  requests:
    cpu: 100m
    memory: 128Mi
  limits:
    memory: 256Mi

env: {}
`,
  cronjob: `# Defaults for every scheduled job; each app's envs/<env>/values.yaml overrides them.
image:
  repository: ""
  tag: ""
  pullPolicy: IfNotPresent

# Cron syntax, in the cluster's time zone (UTC).
schedule: "0 3 * * *"
backoffLimit: 2

resources:
  requests:
    cpu: 100m
    memory: 128Mi
  limits:
    memory: 512Mi
`,
  "stateful-service": `# Defaults for every stateful service; each app's envs/<env>/values.yaml overrides them.
image:
  repository: ""
  tag: ""
  pullPolicy: IfNotPresent

replicas: 3

service:
  port: 8080

persistence:
  size: 10Gi
  storageClass: standard

resources:
  requests:
    cpu: 250m
    memory: 512Mi
  limits:
    memory: 1Gi

env: {}
`,
};

const TEMPLATES: Record<ChartName, Record<string, string>> = {
  "web-service": { "deployment.yaml": DEPLOYMENT(true), "service.yaml": SERVICE },
  worker: { "deployment.yaml": DEPLOYMENT(false) },
  cronjob: { "cronjob.yaml": CRONJOB },
  "stateful-service": { "statefulset.yaml": STATEFULSET, "service.yaml": SERVICE },
};

/** Every file of one chart, by path relative to the repository root. */
export function chartFiles(chart: ChartName): Array<{ path: string; content: string }> {
  const files = [
    {
      path: `charts/${chart}/Chart.yaml`,
      content: `apiVersion: v2
name: ${chart}
description: ${CHART_DESCRIPTIONS[chart]}
type: application
# Bumped by the platform team when the templates change; apps pick it up on their next sync.
version: ${CHART_VERSIONS[chart]}
appVersion: "1.0.0"
`,
    },
    { path: `charts/${chart}/values.yaml`, content: DEFAULT_VALUES[chart] },
    { path: `charts/${chart}/templates/_helpers.tpl`, content: HELPERS },
  ];
  for (const [name, content] of Object.entries(TEMPLATES[chart])) {
    files.push({ path: `charts/${chart}/templates/${name}`, content });
  }
  return files;
}
