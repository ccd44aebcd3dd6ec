/**
 * A tiny structured logger for the client layer. Components may pass their own (anything with these
 * four methods, e.g. a pino instance); the default writes one JSON line per record to stderr, at the level
 * given by KUBELAB_LOG_LEVEL (debug | info | warn | error; default warn).
 */

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = keyof typeof LEVELS;

function envLevel(): Level {
  const v = (process.env.KUBELAB_LOG_LEVEL ?? 'warn').toLowerCase();
  return (v in LEVELS ? v : 'warn') as Level;
}

function errFields(fields?: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!fields) return fields;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? v.message : v;
  return out;
}

export function consoleLogger(component: string, level: Level = envLevel()): Logger {
  const min = LEVELS[level];
  const write = (lvl: Exclude<Level, 'silent'>, msg: string, fields?: Record<string, unknown>) => {
    if (LEVELS[lvl] < min) return;
    process.stderr.write(
      JSON.stringify({ time: new Date().toISOString(), level: lvl, component, msg, ...errFields(fields) }) + '\n',
    );
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

/** A logger that drops everything (handy in tests). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
