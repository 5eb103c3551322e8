/**
 * Checks the Grafana dashboards and the Prometheus rules against the code:
 *   - every dashboard parses, has a unique uid, unique panel ids, and queries the ${datasource} variable;
 *   - every metric a panel, a dashboard variable or a rule (prometheus/*.yml) names exists: declared
 *     with prom-client in packages/ or services/, one of prom-client's default metrics, recorded by
 *     prometheus/*.yml, or one of the few external metrics listed below;
 *   - when promtool is on PATH, every panel query parses as PromQL.
 *
 *   node grafana/check.ts      (from the repository root, after `source .ci/bootstrap.sh`)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');

/** Metrics MediaBot reads but does not export, and who exports them. */
const externalMetrics: Record<string, string> = {
  up: 'Prometheus (one per scrape target)',
  rabbitmq_queue_messages_ready: 'RabbitMQ rabbitmq_prometheus plugin, per-object metrics',
  rabbitmq_queue_messages_unacked: 'RabbitMQ rabbitmq_prometheus plugin, per-object metrics',
  kube_deployment_status_replicas_unavailable: 'kube-state-metrics',
};

interface Query {
  where: string;
  expr: string;
}

const problems: string[] = [];

function filesUnder(directory: string, keep: (path: string) => boolean): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !path.includes('/node_modules/') && keep(path));
}

/** Metric names declared with prom-client constructors in the code (histogram series included). */
function metricsInCode(): Map<string, string> {
  const found = new Map<string, string>();
  const sources = ['packages', 'services'].flatMap((top) =>
    filesUnder(
      join(root, top),
      (path) => /\/(packages|services)\/[^/]+\/src\//.test(path) && /(?<!\.spec)\.ts$/.test(path),
    ),
  );
  const declaration =
    /new\s+(Counter|Gauge|Histogram|Summary)\s*(?:<[^>]*>)?\s*\(\s*\{[^}]*?\bname:\s*['"]([a-zA-Z_:][\w:]*)['"]/gs;
  for (const file of sources) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // removed while we were looking (someone's scratch file)
    }
    for (const match of text.matchAll(declaration)) {
      const [, kind = '', name = ''] = match;
      const origin = relative(root, file);
      found.set(name, origin);
      if (kind === 'Histogram') {
        for (const suffix of ['_bucket', '_sum', '_count']) found.set(name + suffix, origin);
      }
      if (kind === 'Summary') {
        for (const suffix of ['_sum', '_count']) found.set(name + suffix, origin);
      }
    }
  }
  return found;
}

interface PromClientModule {
  Registry: new () => { getMetricsAsJSON(): Promise<{ name: string; type: string }[]> };
  collectDefaultMetrics(options: { register: unknown }): void;
}

/** prom-client's default metrics (collectDefaultMetrics), as registered by service-kit and the relay. */
async function promClientDefaults(): Promise<Set<string>> {
  const require = createRequire(join(root, 'packages/service-kit/package.json'));
  const promClient = require('prom-client') as PromClientModule;
  const registry = new promClient.Registry();
  promClient.collectDefaultMetrics({ register: registry });
  const names = new Set<string>();
  for (const { name, type } of await registry.getMetricsAsJSON()) {
    names.add(name);
    if (type === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

const ruleFiles = readdirSync(join(root, 'prometheus'))
  .filter((name) => name.endsWith('.yml'))
  .map((name) => join(root, 'prometheus', name));

function recordedMetrics(): Set<string> {
  const names = new Set<string>();
  for (const file of ruleFiles) {
    for (const match of readFileSync(file, 'utf8').matchAll(
      /^\s*-?\s*record:\s*['"]?([a-zA-Z_:][\w:]*)/gm,
    )) {
      names.add(match[1] ?? '');
    }
  }
  return names;
}

/** The `expr:` values of a rules file (inline or block scalars); enough YAML for our own files. */
function ruleQueries(file: string): Query[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const queries: Query[] = [];
  lines.forEach((line, index) => {
    const match = /^(\s*)-?\s*expr:\s*(.*)$/.exec(line);
    if (!match) return;
    const indent = (match[1] ?? '').length;
    let value = (match[2] ?? '').trim();
    if (/^[|>][-+]?$/.test(value)) {
      const block: string[] = [];
      for (const next of lines.slice(index + 1)) {
        if (next.trim() !== '' && next.length - next.trimStart().length <= indent) break;
        block.push(next.trim());
      }
      value = block.join('\n');
    } else if (/^'.*'$/.test(value)) {
      value = value.slice(1, -1).replaceAll("''", "'");
    } else if (/^".*"$/.test(value)) {
      value = JSON.parse(value) as string;
    }
    queries.push({ where: `${relative(root, file)}:${index + 1}`, expr: value });
  });
  return queries;
}

interface Panel {
  id?: number;
  type?: string;
  title?: string;
  datasource?: { uid?: string };
  targets?: { expr?: string; refId?: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}

interface Dashboard {
  uid?: string;
  title?: string;
  panels?: Panel[];
  templating?: { list?: { name?: string; query?: string | { query?: string } }[] };
}

function dashboardQueries(): Query[] {
  const directory = join(root, 'grafana/dashboards');
  const queries: Query[] = [];
  const uids = new Set<string>();
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.json'))) {
    const path = join(directory, file);
    let dashboard: Dashboard;
    try {
      dashboard = JSON.parse(readFileSync(path, 'utf8')) as Dashboard;
    } catch (error) {
      problems.push(`${file}: not JSON (${(error as Error).message})`);
      continue;
    }
    if (!dashboard.uid || !dashboard.title) problems.push(`${file}: needs a uid and a title`);
    if (dashboard.uid && uids.has(dashboard.uid))
      problems.push(`${file}: uid ${dashboard.uid} used twice`);
    if (dashboard.uid) uids.add(dashboard.uid);

    const ids = new Set<number>();
    const visit = (panel: Panel) => {
      const where = `${file} "${panel.title ?? '?'}"`;
      if (panel.id === undefined || ids.has(panel.id))
        problems.push(`${where}: missing or repeated panel id`);
      else ids.add(panel.id);
      if (panel.type === 'row') {
        (panel.panels ?? []).forEach(visit);
        return;
      }
      if (panel.datasource?.uid !== '${datasource}') {
        problems.push(`${where}: datasource must be the \${datasource} variable`);
      }
      const targets = panel.targets ?? [];
      if (targets.length === 0) problems.push(`${where}: no queries`);
      const refIds = new Set<string>();
      for (const target of targets) {
        if (!target.expr) problems.push(`${where}: a query without expr`);
        if (!target.refId || refIds.has(target.refId))
          problems.push(`${where}: missing or repeated refId`);
        refIds.add(target.refId ?? '');
        if (target.expr) queries.push({ where, expr: target.expr });
      }
    };
    (dashboard.panels ?? []).forEach(visit);

    for (const variable of dashboard.templating?.list ?? []) {
      const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
      const metric = /label_values\(\s*([a-zA-Z_:][\w:]*)\s*,/.exec(query ?? '')?.[1];
      if (metric)
        queries.push({ where: `${file} variable $${variable.name ?? '?'}`, expr: metric });
    }
  }
  if (uids.size === 0) problems.push('grafana/dashboards: no dashboard found');
  return queries;
}

const keywords = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'atan2',
  'inf',
  'nan',
]);

/** Metric names a PromQL expression selects (functions, labels, keywords and durations left out). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/\$\{[^}]+\}|\$\w+/g, '0') // Grafana variables
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  const names: string[] = [];
  for (const match of bare.matchAll(/(\d+(?:\.\d+)?(?:e[+-]?\d+)?[a-z]*)|([a-zA-Z_:][\w:]*)/gi)) {
    const name = match[2];
    if (!name || keywords.has(name.toLowerCase())) continue;
    const after = bare.slice((match.index ?? 0) + name.length).trimStart();
    if (after.startsWith('(')) continue; // a function or an aggregation
    names.push(name);
  }
  return names;
}

/** Asks promtool to parse every panel query (as recording rules), when promtool is installed. */
function parseWithPromtool(queries: Query[]): void {
  const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    console.log('promtool not found: panel queries not parsed (apt-get install prometheus)');
    return;
  }
  const directory = mkdtempSync(join(tmpdir(), 'grafana-check-'));
  try {
    const rules = queries.map(({ expr }, index) => {
      const concrete = expr.replace(/\$\{[^}]+\}|\$\w+/g, '.*');
      return `      - record: panel_query_${index}\n        expr: ${JSON.stringify(concrete)}`;
    });
    const file = join(directory, 'panels.yml');
    writeFileSync(file, `groups:\n  - name: panels\n    rules:\n${rules.join('\n')}\n`);
    const result = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    if (result.status !== 0) {
      const detail = `${result.stdout}${result.stderr}`.replace(
        /panel_query_(\d+)/g,
        (_, index: string) => {
          const query = queries[Number(index)];
          return query ? `${query.where}: ${query.expr}` : 'panel query';
        },
      );
      problems.push(`promtool could not parse a panel query:\n${detail}`);
    } else {
      console.log(`promtool parsed ${queries.length} panel queries`);
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

const code = metricsInCode();
const defaults = await promClientDefaults();
const recorded = recordedMetrics();
const known = (name: string) =>
  code.has(name) || defaults.has(name) || recorded.has(name) || name in externalMetrics;

const panelQueries = dashboardQueries();
const queries = [...panelQueries, ...ruleFiles.flatMap(ruleQueries)];
for (const { where, expr } of queries) {
  for (const name of metricNames(expr)) {
    if (!known(name)) problems.push(`${where}: unknown metric ${name}`);
  }
}
parseWithPromtool(panelQueries);

console.log(
  `${queries.length} queries checked against ${code.size} metric series from the code, ` +
    `${defaults.size} prom-client defaults, ${recorded.size} recording rules and ` +
    `${Object.keys(externalMetrics).length} external metrics`,
);
if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('grafana/check.ts: dashboards and rules name only metrics that exist');
