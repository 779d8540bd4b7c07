/**
 * A small reader of the Prometheus text exposition format (version 0.0.4): `# HELP` and `# TYPE` lines,
 * then one sample per line, `name{label="value",…} value`. Label values may hold \\, \" and \n escapes.
 * Strict: a line it cannot read fails the test, so a malformed exposition cannot pass unnoticed.
 */
export interface Exposition {
  /** Every sample: `name{a="1",b="2"}` (labels sorted) → value. */
  samples: Map<string, number>;
  /** `# TYPE` of each metric family. */
  types: Map<string, string>;
  /** The value of one sample (0 when the series does not exist). */
  value(name: string, labels?: Record<string, string>): number;
  /** The label sets of every sample of `name`. */
  series(name: string): Record<string, string>[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

export function sampleKey(name: string, labels: Record<string, string> = {}): string {
  const inner = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
  return inner ? `${name}{${inner}}` : name;
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const m = LABEL.exec(text);
    if (!m || m.index !== start) throw new Error(`unreadable labels in: ${line}`);
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

export function parseExposition(text: string): Exposition {
  const samples = new Map<string, number>();
  const labelSets = new Map<string, Record<string, string>[]>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) types.set(type[1]!, type[2]!);
      else if (!/^# HELP \S+ /.test(line)) throw new Error(`unreadable comment: ${line}`);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`unreadable sample: ${line}`);
    const labels = m[2] ? parseLabels(m[2], line) : {};
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    // The text format reads values with Go's strconv.ParseFloat, which takes NaN in any case: prom-client
    // writes `Nan` (an event-loop-lag gauge before its first sample), and Prometheus reads it.
    if (Number.isNaN(value) && !/^nan$/i.test(m[3]!)) throw new Error(`unreadable value: ${line}`);
    samples.set(sampleKey(m[1]!, labels), value);
    labelSets.set(m[1]!, [...(labelSets.get(m[1]!) ?? []), labels]);
  }
  return {
    samples,
    types,
    value: (name, labels) => samples.get(sampleKey(name, labels)) ?? 0,
    series: (name) => labelSets.get(name) ?? [],
  };
}

/** GETs the metrics and parses them (expects 200). */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Exposition> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`metrics answered ${response.status}: ${text.slice(0, 200)}`);
  return parseExposition(text);
}
